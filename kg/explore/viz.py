"""One self-contained HTML page to explore a graph: offline, safe with any text, fast to open.

pyvis builds the vis-network node and edge records; the page around them is
assembled here rather than with pyvis's own template, because that template
pulls Bootstrap and vis-network from CDNs and ``Network.write_html`` writes in
the platform encoding and drops a ``lib/`` folder in the working directory. The
vis-network script and stylesheet that pyvis ships are inlined instead, and the
viewer's own script and stylesheet come from ``kg/assets``.

Safety: the graph data travels as JSON inside ``<script type="application/json">``
with ``<``, ``>``, ``&`` and the JavaScript line separators escaped, and the page
script only ever puts data into the DOM through ``textContent``; vis-network gets
no ``title`` strings (it renders those as HTML in some versions). A Content
Security Policy forbids every network request.

Corpus scale: the page opens on the connected core, the largest connected
components first and by PageRank within them, up to ``max_nodes``; entities with
no relation are listed beside the canvas instead of covering it. Everything else
is in the page and appears on demand (double-click to expand a neighbourhood,
search, the document, date and place filters, the ego view). Positions come from
:mod:`kg.explore.layout` and physics is off in the browser, so the page opens drawn.
Each node carries its mentions and its Louvain community (the ones ``kg stats``
lists), so the panel and the community colouring need no second file.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from functools import lru_cache
from pathlib import Path

import networkx as nx
import pyvis
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node
from rdflib import RDFS, Graph

from kg.base.fsutil import atomic_write_text
from kg.base.vocab import ADMIN_CLASSES, ENTITY_CLASSES, KG, RELATION_PROPERTIES
from kg.errors import KgError
from kg.explore.analytics import communities, pagerank, ranked
from kg.explore.layout import layout
from kg.explore.netgraph import LABEL_LANGUAGES, UNTYPED, simple_undirected, to_networkx
from kg.resources import ontology_file

ASSETS = Path(__file__).resolve().parents[1] / "assets"
VIS_VERSION = "9.1.2"

#: Colour and vis-network shape of each class; the legend is built from this table.
CLASS_STYLE: dict[str, tuple[str, str]] = {
    "Province": ("#08306b", "dot"),
    "City": ("#2171b5", "dot"),
    "District": ("#4292c6", "dot"),
    "County": ("#6baed6", "dot"),
    "Township": ("#238b45", "dot"),
    "Subdistrict": ("#74c476", "dot"),
    "Village": ("#a1d99b", "dot"),
    "Region": ("#17becf", "hexagon"),
    "Venue": ("#9edae5", "triangleDown"),
    "GovernmentBody": ("#ff7f0e", "square"),
    "PartyOrganization": ("#d62728", "square"),
    "MassOrganization": ("#ff9896", "square"),
    "Enterprise": ("#8c564b", "square"),
    "IndustrialPark": ("#c49c94", "square"),
    "Alliance": ("#9467bd", "star"),
    "PartyBrand": ("#e377c2", "diamond"),
    "Project": ("#bcbd22", "triangle"),
    "Event": ("#dbdb8d", "triangleDown"),
    "Person": ("#7f7f7f", "hexagon"),
    "Publication": ("#c7c7c7", "triangle"),
    UNTYPED: ("#bdbdbd", "dot"),
}

RELATION_COLOUR: dict[str, str] = {
    "locatedIn": "#9ecae1",
    "memberOf": "#9467bd",
    "brandOf": "#e377c2",
    "launched": "#17becf",
    "organizedBy": "#9edae5",
    "publishedBy": "#c7c7c7",
    "heldIn": "#bcbd22",
    "settledIn": "#8c564b",
    "cooperatesWith": "#2ca02c",
    "partnerOf": "#98df8a",
}
CROSS_REGIONAL_COLOUR = "#e6550d"

#: Colours of the largest communities, in order; smaller ones share ``OTHER_COMMUNITY``.
COMMUNITY_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                     "#e377c2", "#17becf", "#bcbd22", "#393b79", "#637939", "#843c39",
                     "#7b4173", "#3182bd", "#e6550d", "#31a354")
OTHER_COMMUNITY = "#c8c8c8"
#: Communities smaller than this (single unrelated entities) are left out.
MIN_COMMUNITY = 2
#: Label font size in the page (pixels at zoom 1), for the layout's label footprints.
LABEL_FONT = 14

#: Node size of administrative places, by level (province 1 … village 5).
SIZE_BY_LEVEL = {1: 38, 2: 31, 3: 25, 4: 19, 5: 14}
MIN_SIZE, SIZE_RANGE = 9.0, 22.0


class VizError(KgError):
    """The viewer cannot be built (a missing vis-network asset) or written."""


# --------------------------------------------------------------------------- public API


def render_html(graph: Graph | nx.MultiDiGraph, *, max_nodes: int = 1500,
                title: str = "Knowledge graph 知识图谱") -> str:
    """The whole viewer page for ``graph`` as one string.

    The same graph always gives the same page. Above ``max_nodes`` entities the
    page opens on the ``max_nodes`` with the highest PageRank.
    """
    if max_nodes < 1:
        raise VizError(f"max_nodes must be at least 1, got {max_nodes}")
    net = graph if isinstance(graph, nx.MultiDiGraph) else to_networkx(graph)
    payload = build_payload(net, max_nodes=max_nodes, title=title)
    return assemble_page(payload, title)


def write_html(graph: Graph | nx.MultiDiGraph, path: str | os.PathLike, *,
               max_nodes: int = 1500, title: str = "Knowledge graph 知识图谱") -> Path:
    """Render ``graph`` and write it to ``path`` as UTF-8, replacing the file atomically."""
    page = render_html(graph, max_nodes=max_nodes, title=title)
    return atomic_write_text(path, page, encoding="utf-8")


def deferred_page(directory: str | os.PathLike, triples: int, limit: int) -> str:
    """The graph.html that ``kg build`` writes for a store above ``limit`` triples.

    It names the command that writes the viewer, so a user who opens it knows
    what to do; like the viewer it is one offline file under the same policy.
    """
    command = f"kg viz {os.fspath(directory)}"
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n<title>graph.html: run kg viz</title>\n"
        "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.5}"
        "code{background:#f3f3f3;padding:2px 4px}</style>\n</head>\n<body>\n"
        "<h1>图谱较大，请运行 kg viz / This graph is large: run kg viz</h1>\n"
        f"<p>The store holds {triples:,} triples, more than the {limit:,} above which "
        "<code>kg build</code> leaves the viewer to its own command, so that adding a few "
        "articles costs what they add, not what the whole graph holds. Write it with:</p>\n"
        f"<p><code>{html.escape(command)}</code></p>\n"
        "<p>or build with <code>kg build … --html</code> to write it on every build.</p>\n"
        "</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- payload


def build_payload(net: nx.MultiDiGraph, *, max_nodes: int = 1500,
                  title: str = "") -> dict:
    """Everything the page script needs, as plain JSON-ready data.

    Node ids are positions in ``nodes``; ``initial`` lists the ids shown when the
    page opens (:func:`initial_view`). Sentences, documents and rules are stored
    once and referred to by index; a node's mentions are rows
    ``[document, start, end, sentence, text, rule]`` (-1 or "" where unknown, the
    text "" where it is the node's Simplified label).
    """
    iris = list(net.nodes)
    index = {iri: i for i, iri in enumerate(iris)}
    scores = pagerank(net)
    simple = simple_undirected(net)
    initial_iris, capped = initial_view(simple, scores, max_nodes)
    initial = sorted(index[iri] for iri in initial_iris)
    top_score = max(scores.values(), default=1.0) or 1.0
    sizes = {iri: _node_size(net.nodes[iri], scores[iri] / top_score) for iri in iris}
    positions = layout(net, initial_iris,
                       {iri: footprint(net.nodes[iri]["label"], sizes[iri]) for iri in iris})
    tables = _Tables(net.graph.get("articles", ()))
    groups = [g for g in communities(net, scores, simple=simple) if g.size >= MIN_COMMUNITY]
    community_of = {iri: n for n, group in enumerate(groups) for iri in group.members}

    vis = Network(directed=True, cdn_resources="in_line")
    for iri in iris:
        _add_vis_node(vis, index[iri], net.nodes[iri], positions[iri], sizes[iri])
    edges = []
    for edge_id, (u, v, key, attrs) in enumerate(net.edges(keys=True, data=True)):
        _add_vis_edge(vis, edge_id, index[u], index[v], attrs)
        edges.append({
            "rel": key,
            "sym": attrs["symmetric"],
            "cross": attrs["cross_regional"],
            "ev": [tables.evidence(e) for e in attrs["evidence"]],
        })
    vis_nodes, vis_edges, *_ = vis.get_network_data()
    nodes = []
    for i, iri in enumerate(iris):
        record = _node_record(net, iri, scores[iri])
        record["com"] = community_of.get(iri, -1)
        record["m"] = [tables.mention(m, net.nodes[iri]["label"])
                       for m in net.nodes[iri].get("mentions", ())]
        record["vis"] = vis_nodes[i]
        nodes.append(record)
    for record, vis_edge in zip(edges, vis_edges, strict=True):
        record["vis"] = vis_edge
    counts_by_class = _counts(attrs["cls"] for _, attrs in net.nodes(data=True))
    counts_by_relation = _counts(key for _, _, key in net.edges(keys=True))
    return {
        "title": title,
        "languages": list(LABEL_LANGUAGES),
        "classes": _legend_classes(counts_by_class),
        "relations": _legend_relations(counts_by_relation),
        "crossColour": CROSS_REGIONAL_COLOUR,
        "communities": _legend_communities(groups, index),
        "otherCommunity": OTHER_COMMUNITY,
        "documents": tables.documents,
        "sentences": list(tables.sentences),
        "rules": list(tables.rules),
        "nodes": nodes,
        "edges": edges,
        "initial": initial,
        "capped": capped,
        "maxNodes": max_nodes,
    }


def initial_view(simple: nx.Graph, scores: dict[str, float],
                 max_nodes: int) -> tuple[list[str], bool]:
    """The nodes the page opens on, and whether the cap cut the connected part short.

    Entities with at least one relation, largest connected component first and
    by PageRank within each, up to ``max_nodes``: the connected core of a corpus
    rather than a curtain of unrelated names. Entities with no relation are not
    in it (the page lists them apart), unless nothing has a relation at all.
    """
    linked = [c for c in nx.connected_components(simple) if len(c) > 1]
    if not linked:
        order = ranked(scores)
        return order[:max_nodes], len(order) > max_nodes
    linked.sort(key=lambda c: (-len(c), min(c)))
    ordered = [iri for component in linked
               for iri in ranked({n: scores[n] for n in component})]
    return ordered[:max_nodes], len(ordered) > max_nodes


def footprint(label: str, size: float) -> float:
    """Radius of the disc that holds a node and its label, in page pixels at zoom 1.

    CJK characters are about one em wide, Latin ones about half; the label is
    drawn under the node, so the disc is as wide as the wider of the two.
    """
    width = sum(LABEL_FONT if ord(ch) > 0x2E80 else LABEL_FONT * 0.55 for ch in label)
    return max(size, width / 2) + 2


class _Tables:
    """The page's shared tables: documents, sentences and rules, each stored once."""

    def __init__(self, articles) -> None:
        self.documents: list[dict] = []
        self._documents: dict[str, int] = {}
        self.sentences: dict[str, int] = {}
        self.rules: dict[str, int] = {}
        for article in articles:
            self._document(article.iri, article.title, article.date)

    def _document(self, iri: str, title: str | None, date: str | None) -> int:
        if iri not in self._documents:
            self._documents[iri] = len(self.documents)
            record = {"iri": iri}
            if title:
                record["title"] = title
            if date:
                record["date"] = date
            self.documents.append(record)
        return self._documents[iri]

    def _sentence(self, text: str | None) -> int:
        return -1 if text is None else self.sentences.setdefault(text, len(self.sentences))

    def evidence(self, evidence) -> dict:
        record: dict = {}
        if evidence.sentence is not None:
            record["sentence"] = self._sentence(evidence.sentence)
        if evidence.document is not None:
            record["doc"] = self._document(evidence.document, evidence.title, evidence.date)
        for key in ("start", "end", "rule", "trigger", "confidence"):
            value = getattr(evidence, key)
            if value is not None:
                record[key] = value
        return record

    def mention(self, mention, label: str) -> list:
        doc = self._document(mention.document, None, None) if mention.document else -1
        rule = self.rules.setdefault(mention.rule, len(self.rules)) if mention.rule else -1
        return [doc, -1 if mention.start is None else mention.start,
                -1 if mention.end is None else mention.end, self._sentence(mention.sentence),
                "" if mention.text == label else mention.text, rule]


def _add_vis_node(vis: Network, node_id: int, attrs: dict, xy: tuple[float, float],
                  size: float) -> None:
    """Append one vis-network node record through pyvis.

    ``Network.add_node`` checks for duplicates with a list scan, which makes a
    20,000-node graph quadratic; the ids here are unique by construction, so the
    record is built with pyvis's ``Node`` and appended directly.
    """
    colour, shape = CLASS_STYLE.get(attrs["cls"], CLASS_STYLE[UNTYPED])
    options = {"size": size, "x": round(xy[0], 1),
               "y": round(xy[1], 1), "color": colour}
    if attrs["cross_regional"]:
        # The page expands a plain colour into border and highlight shades; a
        # cross-regional alliance keeps its own border.
        options.update(color={"background": colour, "border": CROSS_REGIONAL_COLOUR},
                       borderWidth=4)
    node = Node(node_id, shape, label=attrs["label"], **options)
    vis.nodes.append(node.options)
    vis.node_ids.append(node_id)
    vis.node_map[node_id] = node.options


def _add_vis_edge(vis: Network, edge_id: int, source: int, target: int, attrs: dict) -> None:
    """Append one vis-network edge record (``Network.add_edge`` scans all nodes per call).

    Arrows are on by default in the page's options; symmetric relations turn them off.
    """
    cross = attrs["cross_regional"]
    colour = CROSS_REGIONAL_COLOUR if cross else RELATION_COLOUR.get(attrs["predicate"], "#999")
    options: dict = {"id": edge_id, "color": colour}
    if attrs["symmetric"]:
        options["arrows"] = {"to": {"enabled": False}}
    if cross:
        options.update(width=3, dashes=[10, 5])
    vis.edges.append(Edge(source, target, directed=False, **options).options)


def _node_size(attrs: dict, relative_rank: float) -> float:
    """Administrative places by rank; everything else by PageRank (square root scale)."""
    level = attrs.get("admin_level")
    if attrs["cls"] in ADMIN_CLASSES and level in SIZE_BY_LEVEL:
        return SIZE_BY_LEVEL[level]
    return round(MIN_SIZE + SIZE_RANGE * math.sqrt(max(relative_rank, 0.0)), 1)


def _node_record(net: nx.MultiDiGraph, iri: str, score: float) -> dict:
    attrs = net.nodes[iri]
    member_provinces = [net.nodes[p]["label"] if p in net else p
                        for p in attrs["member_provinces"]]
    record = {
        "iri": iri,
        "cls": attrs["cls"],
        "labels": attrs["labels"],
        "pr": round(score, 6),
    }
    optional = {
        "alt": list(attrs["alt_labels"]),
        "code": attrs["code"],
        "level": attrs["admin_level"],
        "province": attrs["province_label"],
        "cross": attrs["cross_regional"],
        "memberProvinces": member_provinces,
    }
    record.update({k: v for k, v in optional.items() if v})
    return record


def _counts(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


@lru_cache(maxsize=1)
def _ontology_labels() -> dict[str, dict[str, str]]:
    """English and Chinese labels of the ontology's terms, read from ``kg.ttl``."""
    onto = Graph().parse(ontology_file(), format="turtle")
    labels: dict[str, dict[str, str]] = {}
    for name in (*ENTITY_CLASSES, *RELATION_PROPERTIES):
        found = {}
        for literal in sorted(onto.objects(KG[name], RDFS.label), key=str):
            lang = (getattr(literal, "language", None) or "").lower()
            if lang.startswith("zh"):
                found.setdefault("zh", str(literal))
            elif lang.startswith("en"):
                found.setdefault("en", str(literal))
        labels[name] = found
    return labels


def _legend_classes(counts: dict[str, int]) -> list[dict]:
    labels = _ontology_labels()
    names = [c for c in (*ENTITY_CLASSES, UNTYPED) if c in counts]
    return [{"name": name, "en": labels.get(name, {}).get("en", name),
             "zh": labels.get(name, {}).get("zh", name), "color": CLASS_STYLE[name][0],
             "shape": CLASS_STYLE[name][1], "count": counts[name]} for name in names]


def _legend_communities(groups, index: dict[str, int]) -> list[dict]:
    """Each community as the legend names it: its most central member, its size, a colour."""
    legend = []
    for n, group in enumerate(groups):
        colour = COMMUNITY_COLOURS[n] if n < len(COMMUNITY_COLOURS) else OTHER_COMMUNITY
        legend.append({"name": group.name, "central": index[group.central],
                       "size": group.size, "color": colour})
    return legend


def _legend_relations(counts: dict[str, int]) -> list[dict]:
    labels = _ontology_labels()
    return [{"name": name, "en": labels[name].get("en", name),
             "zh": labels[name].get("zh", name), "color": RELATION_COLOUR[name],
             "count": counts[name]} for name in RELATION_PROPERTIES if name in counts]


# --------------------------------------------------------------------------- page


def script_json(payload: dict) -> str:
    """JSON that cannot end the ``<script>`` element it sits in, whatever the data says.

    ``<`` ``>`` ``&`` only occur inside JSON strings, where ``\\u003c`` and friends
    mean the same thing; U+2028/2029 are escaped for older JavaScript parsers.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def assemble_page(payload: dict, title: str) -> str:
    """Fill ``assets/viewer.html`` with the inlined libraries, the viewer and the data."""
    template = _read_asset(ASSETS / "viewer.html")
    parts = {
        "TITLE": html.escape(title, quote=True),
        "VIS_CSS": _inline_safe(_vis_file("vis-network.css"), "style"),
        "VIEWER_CSS": _inline_safe(_read_asset(ASSETS / "viewer.css"), "style"),
        "VIS_JS": _inline_safe(_vis_file("vis-network.min.js"), "script"),
        "VIEWER_JS": _inline_safe(_read_asset(ASSETS / "viewer.js"), "script"),
        "DATA": script_json(payload),
    }
    missing = set(parts) - set(_PLACEHOLDER.findall(template))
    if missing:
        raise VizError(f"{ASSETS / 'viewer.html'} lacks the placeholders {sorted(missing)}")
    # One pass, so text substituted for one placeholder is never scanned for another.
    return _PLACEHOLDER.sub(lambda match: parts[match.group(1)], template)


_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def _read_asset(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise VizError(f"viewer asset {path} cannot be read ({err}); reinstall kg") from err


def _vis_file(name: str) -> str:
    """A vis-network file from the copy that pyvis ships (``pyvis/lib/vis-9.1.2``)."""
    root = Path(pyvis.__file__).resolve().parent
    for folder in (root / "templates" / "lib", root / "lib"):
        candidate = folder / f"vis-{VIS_VERSION}" / name
        if candidate.is_file():
            return _read_asset(candidate)
    raise VizError(f"vis-network {VIS_VERSION} ({name}) is missing from the pyvis package at "
                   f"{root}; install pyvis 0.3.2 (pip install 'pyvis==0.3.2')")


def _inline_safe(text: str, element: str) -> str:
    """Refuse code that would close the element it is inlined into."""
    lowered = text.lower()
    if f"</{element}" in lowered or "<!--" in lowered:
        raise VizError(f"an inlined asset contains '</{element}' or '<!--' and would break "
                       "the page; it must be escaped before inlining")
    return text


