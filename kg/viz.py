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

Speed: positions are computed here, physics is off in the browser, and a graph
larger than ``max_nodes`` opens on its top nodes by PageRank; the rest is in the
page and appears on demand (double-click to expand a neighbourhood, or search).
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
import numpy as np
import pyvis
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node
from rdflib import RDFS, Graph
from scipy.spatial import cKDTree

from kg.analytics import pagerank, ranked
from kg.errors import KgError
from kg.fsutil import atomic_write_text
from kg.netgraph import LABEL_LANGUAGES, UNTYPED, simple_undirected, to_networkx
from kg.resources import ontology_file
from kg.vocab import ADMIN_CLASSES, ENTITY_CLASSES, KG, RELATION_PROPERTIES

ASSETS = Path(__file__).resolve().parent / "assets"
VIS_VERSION = "9.1.2"
LAYOUT_SEED = 7

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


# --------------------------------------------------------------------------- payload


def build_payload(net: nx.MultiDiGraph, *, max_nodes: int = 1500,
                  title: str = "") -> dict:
    """Everything the page script needs, as plain JSON-ready data.

    Node ids are positions in ``nodes``; ``initial`` lists the ids shown when the
    page opens. Sentences and documents are stored once and referred to by index.
    """
    iris = list(net.nodes)
    index = {iri: i for i, iri in enumerate(iris)}
    scores = pagerank(net)
    order = ranked(scores)
    capped = len(iris) > max_nodes
    initial = sorted(index[iri] for iri in order[:max_nodes]) if capped else list(range(len(iris)))
    positions = layout(net, [iris[i] for i in initial])
    top_score = max(scores.values(), default=1.0) or 1.0

    vis = Network(directed=True, cdn_resources="in_line")
    for iri in iris:
        _add_vis_node(vis, index[iri], net.nodes[iri], positions[iri], scores[iri] / top_score)
    sentences: dict[str, int] = {}
    documents: dict[str, int] = {}
    doc_records: list[dict] = []
    edges = []
    for edge_id, (u, v, key, attrs) in enumerate(net.edges(keys=True, data=True)):
        _add_vis_edge(vis, edge_id, index[u], index[v], attrs)
        edges.append({
            "rel": key,
            "sym": attrs["symmetric"],
            "cross": attrs["cross_regional"],
            "ev": [_evidence_record(e, sentences, documents, doc_records)
                   for e in attrs["evidence"]],
        })
    vis_nodes, vis_edges, *_ = vis.get_network_data()
    nodes = [{**_node_record(net, iri, scores[iri]), "vis": vis_nodes[i]}
             for i, iri in enumerate(iris)]
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
        "documents": doc_records,
        "sentences": list(sentences),
        "nodes": nodes,
        "edges": edges,
        "initial": initial,
        "capped": capped,
    }


def _add_vis_node(vis: Network, node_id: int, attrs: dict, xy: tuple[float, float],
                  relative_rank: float) -> None:
    """Append one vis-network node record through pyvis.

    ``Network.add_node`` checks for duplicates with a list scan, which makes a
    20,000-node graph quadratic; the ids here are unique by construction, so the
    record is built with pyvis's ``Node`` and appended directly.
    """
    colour, shape = CLASS_STYLE.get(attrs["cls"], CLASS_STYLE[UNTYPED])
    options = {"size": _node_size(attrs, relative_rank), "x": round(xy[0], 1),
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


def _evidence_record(evidence, sentences: dict[str, int], documents: dict[str, int],
                     doc_records: list[dict]) -> dict:
    record: dict = {}
    if evidence.sentence is not None:
        record["sentence"] = sentences.setdefault(evidence.sentence, len(sentences))
    if evidence.document is not None:
        if evidence.document not in documents:
            documents[evidence.document] = len(doc_records)
            doc_records.append({"iri": evidence.document, "title": evidence.title,
                                "date": evidence.date})
        record["doc"] = documents[evidence.document]
    for key in ("start", "end", "rule", "trigger", "confidence"):
        value = getattr(evidence, key)
        if value is not None:
            record[key] = value
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


# --------------------------------------------------------------------------- layout

#: Components up to this size go through networkx's spring layout; larger ones use the
#: cut-off force layout below, whose cost grows with n log n instead of n².
SPRING_LIMIT = 300
NODE_SPACING = 70.0  # pixels from a node to its nearest neighbour, typically
EDGE_LENGTH = 90.0  # pixels from a node to a neighbour placed next to it (capped views)


def layout(net: nx.MultiDiGraph, core: list[str]) -> dict[str, tuple[float, float]]:
    """Positions in pixels for every node: a force layout of ``core``, the rest nearby.

    Each connected component of the core is laid out on its own and the
    components are packed in rows, largest first. Nodes outside the core (a
    capped view) are placed around their best-ranked positioned neighbour, so an
    expanded neighbourhood opens where the user is looking.
    """
    simple = simple_undirected(net)
    core_graph = _canonical(simple.subgraph(core))
    positions = _pack([_component_layout(_canonical(core_graph.subgraph(c)))
                       for c in _components(core_graph)])
    _place_outside(simple, positions)
    return positions


def _canonical(graph: nx.Graph) -> nx.Graph:
    """The same graph with nodes and edges inserted in sorted order (layout determinism)."""
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(graph.nodes))
    ordered.add_edges_from(sorted(tuple(sorted(e)) for e in graph.edges))
    return ordered


def _components(graph: nx.Graph) -> list[set[str]]:
    return sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))


def _component_layout(component: nx.Graph) -> dict[str, np.ndarray]:
    """Positions centred on the origin, nodes about ``NODE_SPACING`` from their nearest."""
    nodes = list(component.nodes)
    if len(nodes) == 1:
        return {nodes[0]: np.zeros(2)}
    if len(nodes) <= SPRING_LIMIT:
        raw = nx.spring_layout(component, seed=LAYOUT_SEED, iterations=80)
        pos = np.array([raw[n] for n in nodes])
    else:
        pos = _cutoff_force_layout(component, nodes)
    pos = (pos - pos.mean(axis=0)) * (NODE_SPACING / _typical_spacing(pos))
    return {n: pos[i] for i, n in enumerate(nodes)}


def _typical_spacing(pos: np.ndarray) -> float:
    """Median distance from a node to its nearest neighbour (scale-free measure of density).

    Scaling every component so this becomes ``NODE_SPACING`` keeps nodes from
    overlapping whatever the layout algorithm's own units are.
    """
    if len(pos) < 2:
        return 1.0
    distances, _ = cKDTree(pos).query(pos, k=2)
    nearest = distances[:, 1]
    nearest = nearest[nearest > 0]
    return float(np.median(nearest)) if len(nearest) else 1.0


def _edge_indices(graph: nx.Graph, nodes: list[str]) -> np.ndarray:
    where = {n: i for i, n in enumerate(nodes)}
    pairs = [(where[u], where[v]) for u, v in graph.edges if u != v]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _cutoff_force_layout(graph: nx.Graph, nodes: list[str], iterations: int = 60) -> np.ndarray:
    """Fruchterman–Reingold with repulsion only between nodes closer than a cut-off.

    The grid variant of the original paper: far-apart nodes do not push each other,
    so a k-d tree finds the pairs that matter and each step costs about n log n.
    It starts from a radial tree layout, which already separates branches, and
    only refines it; networkx's spring layout needs minutes for 20,000 nodes.
    """
    n = len(nodes)
    edges = _edge_indices(graph, nodes)
    pos = _radial_tree(graph, nodes)
    k = 1.0
    cutoff = 3.0 * k
    temperature = 2.0
    cooling = (0.05 / temperature) ** (1.0 / iterations)
    for _ in range(iterations):
        disp = np.zeros((n, 2))
        pairs = cKDTree(pos).query_pairs(cutoff, output_type="ndarray")
        if len(pairs):
            delta = pos[pairs[:, 0]] - pos[pairs[:, 1]]
            dist2 = np.maximum((delta * delta).sum(axis=1), 1e-6)
            push = delta * (k * k / dist2)[:, None]
            disp += _scatter(pairs[:, 0], push, n) - _scatter(pairs[:, 1], push, n)
        if len(edges):
            delta = pos[edges[:, 0]] - pos[edges[:, 1]]
            pull = delta * (np.sqrt((delta * delta).sum(axis=1)) / k)[:, None]
            disp += _scatter(edges[:, 1], pull, n) - _scatter(edges[:, 0], pull, n)
        length = np.maximum(np.sqrt((disp * disp).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature *= cooling
    return pos


def _scatter(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum rows of ``values`` into ``n`` buckets (a faster ``np.add.at``)."""
    return np.stack([np.bincount(index, weights=values[:, d], minlength=n) for d in (0, 1)],
                    axis=1)


def _radial_tree(graph: nx.Graph, nodes: list[str]) -> np.ndarray:
    """A breadth-first tree from the best-connected node, drawn as nested wedges.

    Each node gets an angle range proportional to the size of its subtree and sits
    on the circle of its depth, so big branches get room and siblings do not overlap.
    """
    where = {n: i for i, n in enumerate(nodes)}
    root = min(nodes, key=lambda n: (-graph.degree(n), n))
    parent = {root: None}
    order = [root]
    for node in order:
        for nb in sorted(graph.neighbors(node)):
            if nb not in parent:
                parent[nb] = node
                order.append(nb)
    children: dict[str, list[str]] = {n: [] for n in order}
    for node in order[1:]:
        children[parent[node]].append(node)
    weight = {n: 1.0 for n in order}
    for node in reversed(order[1:]):
        weight[parent[node]] += weight[node]
    pos = np.zeros((len(nodes), 2))
    span = {root: (0.0, 2 * math.pi)}
    depth = {root: 0}
    ring = 1.5 * math.sqrt(len(nodes)) / max(1, _tree_depth(order, parent))
    for node in order:
        start, end = span[node]
        angle = (start + end) / 2
        radius = depth[node] * max(ring, 1.0)
        pos[where[node]] = (radius * math.cos(angle), radius * math.sin(angle))
        cursor = start
        total = sum(weight[c] for c in children[node]) or 1.0
        for child in children[node]:
            share = (end - start) * weight[child] / total
            span[child] = (cursor, cursor + share)
            depth[child] = depth[node] + 1
            cursor += share
    return pos


def _tree_depth(order: list[str], parent: dict[str, str | None]) -> int:
    depth = {order[0]: 0}
    for node in order[1:]:
        depth[node] = depth[parent[node]] + 1
    return max(depth.values())


def _pack(layouts: list[dict[str, np.ndarray]]) -> dict[str, tuple[float, float]]:
    """Place component layouts in rows of roughly square overall shape, largest first."""
    boxes = []
    for pos in layouts:
        coords = np.array(list(pos.values()))
        low, high = coords.min(axis=0), coords.max(axis=0)
        boxes.append((low, high - low + EDGE_LENGTH))
    total_area = sum(float(size[0] * size[1]) for _, size in boxes) or 1.0
    row_width = max([math.sqrt(total_area) * 1.2] + [float(size[0]) for _, size in boxes])
    placed: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for pos, (low, size) in zip(layouts, boxes, strict=True):
        if x > 0 and x + size[0] > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        offset = np.array([x, y]) - low
        for node, xy in pos.items():
            placed[node] = (float(xy[0] + offset[0]), float(xy[1] + offset[1]))
        x += float(size[0])
        row_height = max(row_height, float(size[1]))
    if placed:
        centre = np.array(list(placed.values())).mean(axis=0)
        placed = {n: (xy[0] - centre[0], xy[1] - centre[1]) for n, xy in placed.items()}
    return placed


def _place_outside(simple: nx.Graph, positions: dict[str, tuple[float, float]]) -> None:
    """Give every node outside the laid-out core a spot next to a placed neighbour.

    Breadth-first from the core; nodes that cannot reach it go on a ring outside.
    """
    frontier = sorted(positions)
    slot: dict[str, int] = {}
    while frontier:
        following = []
        for node in frontier:
            for nb in sorted(simple.neighbors(node)):
                if nb in positions:
                    continue
                slot[node] = slot.get(node, 0) + 1
                angle = slot[node] * 2.399963  # golden angle: spreads siblings evenly
                radius = EDGE_LENGTH * (0.6 + 0.25 * math.sqrt(slot[node]))
                x, y = positions[node]
                positions[nb] = (x + radius * math.cos(angle), y + radius * math.sin(angle))
                following.append(nb)
        frontier = following
    rest = sorted(n for n in simple.nodes if n not in positions)
    if rest:
        coords = np.array(list(positions.values())) if positions else np.zeros((1, 2))
        radius = float(np.abs(coords).max()) + 3 * EDGE_LENGTH
        for i, node in enumerate(rest):
            angle = 2 * math.pi * i / len(rest)
            positions[node] = (radius * math.cos(angle), radius * math.sin(angle))
