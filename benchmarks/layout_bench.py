"""Which layout keeps the nodes of a cluster, and their labels, from overlapping (issue 22).

Why measured: on a 500-article corpus the viewer's clusters were piles of
overlapping nodes and labels. Three candidates are laid out on the same view
(the page's opening core of the genre corpus, see viz_bench.py) and compared:

* ``force``: the per-component force layout alone (networkx's spring layout up
  to ``SPRING_LIMIT`` nodes, the cut-off layout above), scaled so that nodes are
  ``NODE_SPACING`` from their nearest neighbour: the viewer before issue 22;
* ``force + separate``: the same, then :func:`kg.explore.layout.separate` on each node's
  footprint (its disc and its label), which is what the viewer does now;
* ``vis stabilised``: vis-network's own physics (Barnes-Hut) run once in
  headless Chromium from the ``force`` positions, then frozen.

For each: how many pairs of node discs overlap, how many pairs of footprints
(a label under its node) overlap, the area per node of the bounding box (what
the spreading costs in zoom), and the time.

Usage: ``python benchmarks/layout_bench.py [--genre 500]`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

from browser import chromium, wait_until_drawn  # noqa: E402
from viz_bench import OUT, genre_store  # noqa: E402

from kg.explore import layout as kg_layout  # noqa: E402
from kg.explore.analytics import pagerank  # noqa: E402
from kg.explore.netgraph import simple_undirected, to_networkx  # noqa: E402
from kg.explore.viz import _node_size, footprint, initial_view, write_html  # noqa: E402
from kg.store.graphstore import GraphStore  # noqa: E402


def measure(points: np.ndarray, sizes: np.ndarray, radii: np.ndarray) -> tuple[int, int, float]:
    low, high = points.min(axis=0), points.max(axis=0)
    area = float(np.prod(high - low)) / len(points)
    return (kg_layout.overlapping_pairs(points, sizes), kg_layout.overlapping_pairs(points, radii),
            area)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--genre", type=int, default=500)
    parser.add_argument("--max-nodes", type=int, default=1500)
    args = parser.parse_args()
    with GraphStore.open(genre_store(args.genre), read_only=True) as store:
        net = to_networkx(store.rdflib_graph())
    scores = pagerank(net)
    core, _ = initial_view(simple_undirected(net), scores, args.max_nodes)
    # the nodes of the core that keep a relation inside it (the page draws exactly these)
    inner = simple_undirected(net.subgraph(core))
    core = [n for n in core if inner.degree(n)]
    top = max(scores.values())
    sizes = {n: _node_size(net.nodes[n], scores[n] / top) for n in core}
    radii = {n: footprint(net.nodes[n]["label"], sizes[n]) for n in core}
    size_array = np.array([sizes[n] for n in core])
    radius_array = np.array([radii[n] for n in core])
    core_net = net.subgraph(core).copy()
    rows = []
    timings = {}
    for name, given in (("force", None), ("force + separate", radii)):
        started = time.perf_counter()
        positions = kg_layout.layout(core_net, core, given)
        timings[name] = time.perf_counter() - started
        points = np.array([positions[n] for n in core])
        rows.append((name, *measure(points, size_array, radius_array), timings[name]))
        if given is None:
            force_points = points

    # vis-network's stabilisation, from the force layout, in the browser
    page_path = OUT / "layout_bench.html"
    write_html(core_net, page_path, max_nodes=len(core))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(page_path.as_uri())
        wait_until_drawn(page, timeout_ms=120_000)
        iris = page.evaluate("window.kgView.data.nodes.map(n => n.iri)")
        where = {iri: i for i, iri in enumerate(iris)}
        start = {where[n]: {"x": float(force_points[k][0]), "y": float(force_points[k][1])}
                 for k, n in enumerate(core)}
        result = page.evaluate("""async (start) => {
            const v = window.kgView, net = v.network;
            Object.entries(start).forEach(([id, p]) => net.moveNode(Number(id), p.x, p.y));
            const t = performance.now();
            const done = new Promise(r => net.once('stabilizationIterationsDone', r));
            net.setOptions({physics: {enabled: true, solver: 'barnesHut',
                                      stabilization: {enabled: true, iterations: 1000}}});
            net.stabilize(1000);
            await done;
            const ms = performance.now() - t;
            net.setOptions({physics: {enabled: false}});
            return {ms: ms, positions: net.getPositions()};
        }""", start)
        page.close()
    points = np.array([[result["positions"][str(where[n])]["x"],
                        result["positions"][str(where[n])]["y"]] for n in core])
    rows.append(("vis stabilised (1000 iterations)",
                 *measure(points, size_array, radius_array), result["ms"] / 1000))
    print(f"View: the opening core of the genre corpus ({args.genre} articles): "
          f"{len(core)} nodes, {core_net.number_of_edges()} relations.\n")
    print("| layout | overlapping nodes | overlapping node+label | px² per node | time s |")
    print("|---|---|---|---|---|")
    for name, nodes, labels, area, seconds in rows:
        print(f"| {name} | {nodes} | {labels} | {area:,.0f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
