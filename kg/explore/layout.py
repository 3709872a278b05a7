"""Where each node of the viewer sits: force layouts per component, packed, then spread apart.

Why in Python and not in the browser: positions computed once here make the page
open drawn (physics stays off), and the same graph always opens the same way.

Each connected component of the shown core is laid out on its own
(networkx's spring layout when small, a cut-off force layout when large), its
nodes are pushed apart until no two of them overlap (:func:`separate`, which
counts each node's label as part of its footprint, so labels inside a cluster do
not overlap either once they are drawn), and the components are packed in rows,
largest first. Nodes outside the core are placed next to a neighbour; nodes with
no relation at all go in a grid below, by class, for when the user asks to see
them. ``benchmarks/layout_bench.py`` measures the overlaps each step removes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from kg.explore.netgraph import simple_undirected

LAYOUT_SEED = 7

#: Components up to this size go through networkx's spring layout; larger ones use the
#: cut-off force layout below, whose cost grows with n log n instead of n².
SPRING_LIMIT = 300
NODE_SPACING = 70.0  # pixels from a node to its nearest neighbour, typically
EDGE_LENGTH = 90.0  # pixels from a node to a neighbour placed next to it (capped views)
#: Free pixels kept between two footprints by :func:`separate`.
GAP = 6.0
SEPARATE_ROUNDS = 400


def layout(net: nx.MultiDiGraph, core: list[str],
           radii: Mapping[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Positions in pixels for every node: a force layout of ``core``, the rest nearby.

    ``radii`` gives each node's footprint (node and label) for :func:`separate`;
    without it nodes are only spaced by ``NODE_SPACING``. Nodes outside the core
    (a capped view) are placed around their best-ranked positioned neighbour, so
    an expanded neighbourhood opens where the user is looking.
    """
    simple = simple_undirected(net)
    core_graph = _canonical(simple.subgraph(core))
    positions = _pack([_component_layout(_canonical(core_graph.subgraph(c)), radii)
                       for c in _components(core_graph)], radii)
    _place_outside(simple, positions)
    unplaced = [n for n in simple.nodes if n not in positions]
    linked = _canonical(simple.subgraph(n for n in unplaced if simple.degree(n)))
    if linked.number_of_nodes():
        positions.update(_below(positions, _pack(
            [_component_layout(_canonical(linked.subgraph(c)), radii)
             for c in _components(linked)], radii)))
    lonely = [n for n in unplaced if n not in positions]
    positions.update(_grid_below(lonely, positions, net))
    return positions


def separate(pos: np.ndarray, radii: np.ndarray, rounds: int = SEPARATE_ROUNDS) -> np.ndarray:
    """Move overlapping discs apart until none overlap (or ``rounds`` passes are done).

    Each pass finds the pairs closer than their radii plus ``GAP`` (a k-d tree, so
    n log n) and moves both halfway out of each other along the line between
    them. Coincident nodes are split along a fixed direction, so the result is
    deterministic.
    """
    pos = pos.astype(float).copy()
    if len(pos) < 2:
        return pos
    reach = 2 * float(radii.max()) + GAP
    for _ in range(rounds):
        pairs = cKDTree(pos).query_pairs(reach, output_type="ndarray")
        if not len(pairs):
            break
        i, j = pairs[:, 0], pairs[:, 1]
        delta = pos[j] - pos[i]
        dist = np.sqrt((delta * delta).sum(axis=1))
        need = radii[i] + radii[j] + GAP
        over = dist < need
        if not over.any():
            break
        i, j, delta, dist, need = i[over], j[over], delta[over], dist[over], need[over]
        still = dist < 1e-9
        delta[still] = np.array([1.0, 0.618])
        dist[still] = float(np.hypot(1.0, 0.618))
        push = delta / dist[:, None] * ((need - dist) / 2 + 0.5)[:, None]  # a little past
        shift = np.zeros_like(pos)
        np.add.at(shift, j, push)
        np.add.at(shift, i, -push)
        pos += shift
    return pos


def overlapping_pairs(pos: np.ndarray, radii: np.ndarray) -> int:
    """How many pairs of discs overlap (the measure :func:`separate` drives to zero)."""
    if len(pos) < 2:
        return 0
    pairs = cKDTree(pos).query_pairs(2 * float(radii.max()), output_type="ndarray")
    if not len(pairs):
        return 0
    dist = np.sqrt(((pos[pairs[:, 0]] - pos[pairs[:, 1]]) ** 2).sum(axis=1))
    return int((dist < radii[pairs[:, 0]] + radii[pairs[:, 1]]).sum())


def _canonical(graph: nx.Graph) -> nx.Graph:
    """The same graph with nodes and edges inserted in sorted order (layout determinism)."""
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(graph.nodes))
    ordered.add_edges_from(sorted(tuple(sorted(e)) for e in graph.edges))
    return ordered


def _components(graph: nx.Graph) -> list[set[str]]:
    return sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))


def _component_layout(component: nx.Graph,
                      radii: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Positions centred on the origin, nodes about ``NODE_SPACING`` from their nearest,
    then spread apart by their footprints (:func:`separate`) when ``radii`` are given."""
    nodes = list(component.nodes)
    if len(nodes) == 1:
        return {nodes[0]: np.zeros(2)}
    if len(nodes) <= SPRING_LIMIT:
        raw = nx.spring_layout(component, seed=LAYOUT_SEED, iterations=80)
        pos = np.array([raw[n] for n in nodes])
    else:
        pos = _cutoff_force_layout(component, nodes)
    pos = (pos - pos.mean(axis=0)) * (NODE_SPACING / _typical_spacing(pos))
    if radii is not None:
        pos = separate(pos, np.array([radii.get(n, NODE_SPACING / 2) for n in nodes]))
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


def _pack(layouts: list[dict[str, np.ndarray]],
          radii: Mapping[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Place component layouts in rows of roughly square overall shape, largest first.

    A component's box holds its nodes' footprints (``radii``), so a long label at
    the edge of one component does not reach into the next.
    """
    boxes = []
    for pos in layouts:
        coords = np.array(list(pos.values()))
        reach = (np.array([radii.get(n, 0.0) for n in pos])[:, None] if radii is not None
                 else np.zeros((len(coords), 1)))
        low, high = (coords - reach).min(axis=0), (coords + reach).max(axis=0)
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
    """Give every node the laid-out core reaches a spot next to a placed neighbour.

    Breadth-first from the core; :func:`layout` places what it cannot reach.
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


def _below(positions: Mapping[str, tuple[float, float]],
           block: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """``block`` moved under ``positions``, left-aligned with them."""
    if not positions or not block:
        return block
    above = np.array(list(positions.values()))
    coords = np.array(list(block.values()))
    shift = (float(above[:, 0].min() - coords[:, 0].min()),
             float(above[:, 1].max() + 3 * EDGE_LENGTH - coords[:, 1].min()))
    return {n: (xy[0] + shift[0], xy[1] + shift[1]) for n, xy in block.items()}


def _grid_below(nodes: list[str], positions: Mapping[str, tuple[float, float]],
                net: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Rows under the laid-out nodes, grouped by class, then by label.

    Why a grid: these are nodes the core cannot reach (mostly entities without a
    relation); a ring of thousands of them was a wide circle of dots far from
    everything else, a grid is compact and reads like a list.
    """
    if not nodes:
        return {}
    coords = np.array(list(positions.values())) if positions else np.zeros((1, 2))
    left, top = float(coords[:, 0].min()), float(coords[:, 1].max()) + 3 * EDGE_LENGTH
    width = max(float(coords[:, 0].max()) - left, EDGE_LENGTH * 10)
    step = EDGE_LENGTH * 1.2
    per_row = max(1, int(width // step) + 1)
    ordered = sorted(nodes, key=lambda n: (net.nodes[n].get("cls", ""),
                                           net.nodes[n].get("label", ""), n))
    return {n: (left + step * (i % per_row), top + step * (i // per_row))
            for i, n in enumerate(ordered)}
