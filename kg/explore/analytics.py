"""What a built graph contains and who sits at its centre, plus exports for other tools.

``graph_stats`` answers the questions a reader of the news corpus asks first: how
many places, organisations and brands were found, which entities connect the
most, which groups form, and which links cross a provincial border. It works on
the networkx view from ``kg.explore.netgraph`` so its numbers match what the HTML viewer
draws. ``export`` writes the graph for Gephi/Cytoscape (GraphML, GEXF) or for RDF
tools (JSON-LD, N-Quads).
"""

from __future__ import annotations

import io
import json
import os
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import networkx as nx
from rdflib import Graph

from kg.base.fsutil import atomic_write_bytes
from kg.base.vocab import PREFIXES
from kg.errors import KgError
from kg.explore.netgraph import alliance_members, simple_undirected, to_networkx

#: Betweenness is exact up to this many nodes and sampled from this many sources above.
BETWEENNESS_EXACT_LIMIT = 500

EXPORT_FORMATS: tuple[str, ...] = ("graphml", "gexf", "jsonld", "nquads")


class ExportError(KgError):
    """An export was asked for in a format kg cannot write, or the file cannot be written."""


@dataclass(frozen=True)
class RankedEntity:
    iri: str
    label: str
    cls: str
    score: float


@dataclass(frozen=True)
class Community:
    """A Louvain community, named after its member with the highest PageRank."""

    name: str
    central: str
    size: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class CrossRegionalLink:
    subject: str
    subject_label: str
    predicate: str
    object: str
    object_label: str
    provinces: tuple[str, str]


@dataclass(frozen=True)
class CrossRegionalAlliance:
    iri: str
    label: str
    declared: bool
    provinces: tuple[str, ...]
    members: tuple[str, ...]


@dataclass(frozen=True)
class Stats:
    entities: int
    relations: int
    statements: int
    documents: int
    by_class: dict[str, int]
    by_relation: dict[str, int]
    top_degree: tuple[RankedEntity, ...]
    top_pagerank: tuple[RankedEntity, ...]
    top_betweenness: tuple[RankedEntity, ...]
    #: Number of source nodes betweenness was sampled from; None when it is exact.
    betweenness_sample: int | None
    communities: tuple[Community, ...]
    cross_regional_links: tuple[CrossRegionalLink, ...]
    cross_regional_alliances: tuple[CrossRegionalAlliance, ...]

    def to_dict(self) -> dict:
        return asdict(self)


def pagerank(net: nx.MultiDiGraph) -> dict[str, float]:
    """PageRank over the undirected, weighted view of the network.

    Relations point both "up" (a township located in a district) and "down" (a body
    launching a project); reading them undirected ranks hubs rather than the roots
    of the administrative tree. An empty graph gives an empty dict.
    """
    if net.number_of_nodes() == 0:
        return {}
    return nx.pagerank(simple_undirected(net), weight="weight")


def ranked(scores: dict[str, float]) -> list[str]:
    """Node keys by descending score, ties broken by IRI so the order is reproducible."""
    return sorted(scores, key=lambda iri: (-scores[iri], iri))


def graph_stats(graph: Graph | nx.MultiDiGraph, *, top: int = 10, seed: int = 42) -> Stats:
    """Counts, centrality, communities and cross-regional links of ``graph``.

    ``graph`` is an rdflib graph (converted with ``to_networkx``) or a network
    already converted. ``seed`` fixes Louvain and the betweenness sample.
    """
    net = graph if isinstance(graph, nx.MultiDiGraph) else to_networkx(graph)
    simple = simple_undirected(net)
    pr = pagerank(net)
    degree = dict(net.degree())
    sample = None
    if simple.number_of_nodes() > BETWEENNESS_EXACT_LIMIT:
        sample = BETWEENNESS_EXACT_LIMIT
    betweenness = (nx.betweenness_centrality(simple, k=sample, seed=seed)
                   if simple.number_of_nodes() else {})
    return Stats(
        entities=net.number_of_nodes(),
        relations=net.number_of_edges(),
        statements=int(net.graph.get("statements", 0)),
        documents=int(net.graph.get("documents", 0)),
        by_class=_count(attrs["cls"] for _, attrs in net.nodes(data=True)),
        by_relation=_count(key for _, _, key in net.edges(keys=True)),
        top_degree=_top(net, degree, top),
        top_pagerank=_top(net, pr, top),
        top_betweenness=_top(net, betweenness, top),
        betweenness_sample=sample,
        communities=communities(net, pr, seed=seed, simple=simple),
        cross_regional_links=_cross_regional_links(net),
        cross_regional_alliances=_cross_regional_alliances(net),
    )


def _count(values) -> dict[str, int]:
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _top(net: nx.MultiDiGraph, scores: dict[str, float], top: int) -> tuple[RankedEntity, ...]:
    return tuple(RankedEntity(iri, net.nodes[iri]["label"], net.nodes[iri]["cls"],
                              float(scores[iri]))
                 for iri in ranked(scores)[:top])


def communities(net: nx.MultiDiGraph, pr: dict[str, float] | None = None, *, seed: int = 42,
                simple: nx.Graph | None = None) -> tuple[Community, ...]:
    """Louvain communities, largest first, each named after its most central member.

    The viewer colours by these and ``kg stats`` lists them; both call this with
    the same default ``seed``, so they show the same communities.
    """
    simple = simple if simple is not None else simple_undirected(net)
    pr = pr if pr is not None else pagerank(net)
    if simple.number_of_nodes() == 0:
        return ()
    found = nx.community.louvain_communities(simple, weight="weight", seed=seed)
    communities = []
    for members in found:
        ordered = ranked({iri: pr[iri] for iri in members})
        central = ordered[0]
        communities.append(Community(name=net.nodes[central]["label"], central=central,
                                     size=len(members), members=tuple(ordered)))
    communities.sort(key=lambda c: (-c.size, c.central))
    return tuple(communities)


def _cross_regional_links(net: nx.MultiDiGraph) -> tuple[CrossRegionalLink, ...]:
    links = []
    for u, v, key, attrs in net.edges(keys=True, data=True):
        if attrs["cross_regional"]:
            nu, nv = net.nodes[u], net.nodes[v]
            links.append(CrossRegionalLink(
                u, nu["label"], key, v, nv["label"],
                (nu["province_label"] or nu["province"], nv["province_label"] or nv["province"])))
    return tuple(sorted(links, key=lambda link: (link.subject, link.predicate, link.object)))


def _cross_regional_alliances(net: nx.MultiDiGraph) -> tuple[CrossRegionalAlliance, ...]:
    found = []
    for iri, attrs in sorted(net.nodes(data=True)):
        if attrs["cls"] == "Alliance" and attrs["cross_regional"]:
            labels = {p: net.nodes[p]["label"] if p in net else p
                      for p in attrs["member_provinces"]}
            members = tuple(net.nodes[m]["label"] for m in alliance_members(net, iri))
            found.append(CrossRegionalAlliance(
                iri, attrs["label"], attrs["declared_cross_regional"],
                tuple(labels[p] for p in attrs["member_provinces"]), members))
    return tuple(found)


# --------------------------------------------------------------------------- text report


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    if not rows:
        return [indent + "(none)"]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def format_stats(stats: Stats) -> str:
    """A plain-text report of ``stats``, aligned for a terminal that shows CJK double-width."""
    lines = [f"Entities: {stats.entities}   Relations: {stats.relations}   "
             f"Statements: {stats.statements}   Documents: {stats.documents}", "",
             "Entities by class:"]
    lines += _table([(name, str(n)) for name, n in stats.by_class.items()])
    lines += ["", "Relations by type:"]
    lines += _table([(name, str(n)) for name, n in stats.by_relation.items()])
    sampled = (f" (sampled from {stats.betweenness_sample} sources)"
               if stats.betweenness_sample else "")
    for title, entries, fmt in (("Top by degree", stats.top_degree, "{:.0f}"),
                                ("Top by PageRank", stats.top_pagerank, "{:.4f}"),
                                ("Top by betweenness" + sampled, stats.top_betweenness, "{:.4f}")):
        lines += ["", title + ":"]
        lines += _table([(str(i), e.label, e.cls, fmt.format(e.score))
                         for i, e in enumerate(entries, 1)])
    lines += ["", f"Communities (Louvain): {len(stats.communities)}"]
    lines += _table([(str(i), c.name, f"{c.size} members") for i, c in
                     enumerate(stats.communities[:20], 1)])
    lines += ["", f"Cross-regional links: {len(stats.cross_regional_links)}"]
    lines += _table([(link.subject_label, link.predicate, link.object_label,
                      " / ".join(link.provinces)) for link in stats.cross_regional_links])
    lines += ["", f"Cross-regional alliances: {len(stats.cross_regional_alliances)}"]
    lines += _table([(a.label, " / ".join(a.provinces) or "(declared)", "、".join(a.members))
                     for a in stats.cross_regional_alliances])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- exports


def export(graph: Graph, path: str | os.PathLike, fmt: str) -> Path:
    """Write ``graph`` to ``path`` as graphml, gexf, jsonld or nquads; returns the path.

    GraphML and GEXF hold the entity network (string attributes only, evidence as
    a JSON string), for Gephi or Cytoscape. JSON-LD and N-Quads hold every triple;
    a graph without named graphs is written as N-Triples, which is valid N-Quads.
    The file is replaced atomically (``kg.base.fsutil``).
    """
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    target = Path(path)
    if fmt in ("graphml", "gexf"):
        flat = string_attributes(to_networkx(graph))
        buffer = io.BytesIO()
        (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(flat, buffer)
        data = buffer.getvalue()
    else:
        rdf_format = "json-ld" if fmt == "jsonld" else (
            "nquads" if graph.context_aware else "nt")
        options = {"context": dict(PREFIXES), "auto_compact": True} if fmt == "jsonld" else {}
        data = graph.serialize(format=rdf_format, encoding="utf-8", **options)
    return atomic_write_bytes(target, data)


def string_attributes(net: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``net`` whose every attribute is a string, as GraphML/GEXF readers expect."""
    flat = nx.MultiDiGraph()
    for iri, attrs in net.nodes(data=True):
        labels = attrs["labels"]
        flat.add_node(iri, **_strings({
            "label": attrs["label"],
            "label_zh_Hant": labels.get("zh-Hant"),
            "label_pinyin": labels.get("pinyin"),
            "label_en": labels.get("en"),
            "alt_labels": " | ".join(attrs["alt_labels"]),
            "class": attrs["cls"],
            "code": attrs["code"],
            "admin_level": attrs["admin_level"],
            "province": attrs["province"],
            "province_label": attrs["province_label"],
            "cross_regional": attrs["cross_regional"],
        }))
    for u, v, key, attrs in net.edges(keys=True, data=True):
        evidence = [asdict(e) for e in attrs["evidence"]]
        flat.add_edge(u, v, key=key, **_strings({
            "predicate": attrs["predicate"],
            "label": attrs["predicate"],
            "cross_regional": attrs["cross_regional"],
            "evidence_count": len(evidence),
            "evidence": json.dumps(evidence, ensure_ascii=False, sort_keys=True),
        }))
    return flat


def _strings(attrs: dict) -> dict[str, str]:
    out = {}
    for key, value in attrs.items():
        if value is None or value == "":
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out
