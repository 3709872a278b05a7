"""kg.viz without a browser: page structure, safety of the embedded data, determinism, layout."""

from __future__ import annotations

import json
import math
import random
import re

import networkx as nx
import pytest
from rdflib import Graph
from sample_graph import (
    FENGJING,
    FORGING,
    HOSTILE,
    SHANGHAI,
    hostile_graph,
    sample_graph,
)

from kg import layout, viz
from kg.errors import KgError
from kg.netgraph import entity_count, to_networkx

DATA_BLOCK = re.compile(r'<script type="application/json" id="kg-data">(.*?)</script>', re.S)


def payload_of(page: str) -> dict:
    (block,) = DATA_BLOCK.findall(page)
    return json.loads(block)


@pytest.fixture(scope="module")
def page() -> str:
    return viz.render_html(sample_graph())


def test_page_embeds_every_entity_once(page):
    data = payload_of(page)
    assert len(data["nodes"]) == entity_count(sample_graph()) == 13
    assert data["initial"] == list(range(13))
    assert data["capped"] is False
    assert {n["iri"] for n in data["nodes"]} == set(to_networkx(sample_graph()).nodes)
    assert all(e["vis"]["from"] in range(13) and e["vis"]["to"] in range(13)
               for e in data["edges"])


def test_page_is_self_contained(page):
    assert "vis-network" in page and "@version 9.1.2" in page  # the library is inlined
    lowered = page.lower()
    for pattern in (r"<script[^>]+src=", r"<link[^>]+href=", r"@import",
                    r"url\(\s*['\"]?(https?:)?//", r"<iframe", r"<img"):
        assert not re.search(pattern, lowered), pattern
    assert "default-src 'none'" in page  # the CSP forbids requests as a second line of defence
    assert page.count("</script>") == 3  # data, vis-network, viewer


def test_page_uses_a_cjk_font_stack(page):
    assert '"Noto Sans CJK SC"' in page
    assert '"Microsoft YaHei"' in page
    assert "fonts.googleapis" not in page


def test_legend_lists_classes_with_colour_shape_and_ontology_labels(page):
    data = payload_of(page)
    by_name = {c["name"]: c for c in data["classes"]}
    assert by_name["Township"]["zh"] == "镇/乡" and by_name["Township"]["count"] == 3
    assert by_name["Alliance"]["shape"] == "star"
    assert len({c["color"] for c in data["classes"]}) == len(data["classes"])
    relations = {r["name"]: r for r in data["relations"]}
    assert relations["memberOf"]["en"] == "member of"


def test_places_are_sized_by_rank_and_others_by_pagerank(page):
    data = payload_of(page)
    size = {n["iri"]: n["vis"]["size"] for n in data["nodes"]}
    assert size[str(SHANGHAI)] > size[str(FENGJING)]
    assert size[str(SHANGHAI)] == viz.SIZE_BY_LEVEL[1]
    assert viz.MIN_SIZE <= size[str(FORGING)] <= viz.MIN_SIZE + viz.SIZE_RANGE


def test_hostile_text_cannot_leave_the_data_block():
    page = viz.render_html(hostile_graph(), title=HOSTILE[1])
    (block,) = DATA_BLOCK.findall(page)
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\u2028" not in block and "\u2029" not in block
    assert page.count("</script>") == 3
    assert "<script>window.__xss" not in page
    # Escaping loses nothing: every hostile string comes back exactly.
    text = json.dumps(json.loads(block), ensure_ascii=False)
    for hostile in HOSTILE:
        assert json.dumps(hostile, ensure_ascii=False)[1:-1] in text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title == "&lt;script&gt;window.__xss=1&lt;/script&gt;"


def test_script_json_escapes_markup_and_line_separators():
    out = viz.script_json({"a": "</script><!--&\u2028\u2029"})
    assert out == '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029"}'
    assert json.loads(out) == {"a": "</script><!--&\u2028\u2029"}


def test_vis_never_receives_title_strings(page):
    data = payload_of(page)
    assert all("title" not in n["vis"] for n in data["nodes"])
    assert all("title" not in e["vis"] for e in data["edges"])
    script = (viz.ASSETS / "viewer.js").read_text(encoding="utf-8")
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


def test_same_graph_gives_the_same_page(page):
    triples = sorted(sample_graph())
    random.Random(5).shuffle(triples)
    shuffled = Graph()
    for triple in triples:
        shuffled.add(triple)
    assert viz.render_html(shuffled) == page


def test_capped_view_starts_on_top_pagerank_nodes():
    data = payload_of(viz.render_html(sample_graph(), max_nodes=5))
    assert data["capped"] is True
    assert len(data["initial"]) == 5
    assert len(data["nodes"]) == 13  # the rest stay in the page for expansion and search
    ranks = sorted(((n["pr"], -i) for i, n in enumerate(data["nodes"])), reverse=True)
    assert sorted(-i for _, i in ranks[:5]) == data["initial"]
    for node in data["nodes"]:
        assert math.isfinite(node["vis"]["x"]) and math.isfinite(node["vis"]["y"])


def test_max_nodes_must_be_positive():
    with pytest.raises(KgError, match="max_nodes"):
        viz.render_html(sample_graph(), max_nodes=0)


def test_write_html_is_utf8_atomic_and_leaves_nothing_else(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # pyvis's own writer uses the platform encoding and creates lib/; it must not be used.
    monkeypatch.setattr(viz.Network, "write_html", _forbidden)
    monkeypatch.setattr(viz.Network, "show", _forbidden)
    target = tmp_path / "out" / "graph.html"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    viz.write_html(sample_graph(), target)
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and "枫泾镇" in text
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["graph.html", "out"]


def _forbidden(*args, **kwargs):
    raise AssertionError("pyvis must not write files")


def test_positions_are_distinct_and_spaced(page):
    data = payload_of(page)
    points = [(n["vis"]["x"], n["vis"]["y"]) for n in data["nodes"]]
    assert len(set(points)) == len(points)
    nearest = [min(math.dist(p, q) for q in points if q is not p) for p in points]
    assert min(nearest) > 15


def test_large_components_use_the_cutoff_layout_deterministically():
    graph = nx.random_labeled_tree(layout.SPRING_LIMIT * 2, seed=4)
    graph = nx.relabel_nodes(graph, {n: f"n{n:04d}" for n in graph})
    nodes = sorted(graph)
    first = layout._cutoff_force_layout(graph, nodes)
    second = layout._cutoff_force_layout(graph, nodes)
    assert (first == second).all()
    assert len({tuple(p) for p in first.round(6)}) == len(nodes)
    spacing = layout._typical_spacing(first)
    # Neighbours end up closer than random pairs: the layout follows the edges.
    where = {n: i for i, n in enumerate(nodes)}
    edge_length = sum(math.dist(first[where[u]], first[where[v]]) for u, v in graph.edges)
    edge_length /= graph.number_of_edges()
    rng = random.Random(1)
    pairs = [rng.sample(range(len(nodes)), 2) for _ in range(500)]
    random_length = sum(math.dist(first[a], first[b]) for a, b in pairs) / len(pairs)
    assert edge_length < random_length / 3
    assert spacing > 0


def test_nodes_outside_the_core_are_placed_next_to_a_neighbour():
    net = to_networkx(sample_graph())
    core = [str(FENGJING)]
    positions = layout.layout(net, core)
    assert set(positions) == set(net.nodes)
    for iri, (x, y) in positions.items():
        assert math.isfinite(x) and math.isfinite(y), iri


def test_empty_graph_renders_an_empty_viewer():
    data = payload_of(viz.render_html(Graph()))
    assert data["nodes"] == [] and data["edges"] == [] and data["initial"] == []
