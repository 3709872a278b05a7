"""kg.explore.viz without a browser: page structure, safe embedded data, determinism, layout."""

from __future__ import annotations

import json
import math
import random
import re
import shutil

import networkx as nx
import numpy as np
import pytest
from conftest import SEEDS
from rdflib import Graph
from sample_graph import (
    ARTICLE_TITLE,
    FENGJING,
    FORGING,
    HOSTILE,
    JINSHAN,
    PAPER,
    PERSON,
    SECOND_TITLE,
    SHANGHAI,
    THIRD_TITLE,
    GraphBuilder,
    corpus_graph,
    hostile_graph,
    place_iri,
    sample_graph,
    star_graph,
)

from kg.errors import KgError
from kg.explore import layout, viz
from kg.explore.analytics import graph_stats, pagerank
from kg.explore.netgraph import entity_count, simple_undirected, to_networkx

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


# --------------------------------------------------------------------------- corpus view (issue 22)


def test_the_page_opens_on_the_connected_core_not_on_unrelated_entities():
    data = payload_of(viz.render_html(corpus_graph()))
    iris = [n["iri"] for n in data["nodes"]]
    initial = {iris[i] for i in data["initial"]}
    assert str(PERSON) not in initial and str(PAPER) not in initial
    assert len(initial) == 14 and data["capped"] is False
    # capped: the largest component first, by PageRank within it
    capped = payload_of(viz.render_html(corpus_graph(), max_nodes=3))
    assert capped["capped"] is True
    net = to_networkx(corpus_graph())
    expected, _ = viz.initial_view(simple_undirected(net), pagerank(net), 3)
    assert sorted(iris[i] for i in capped["initial"]) == sorted(expected)
    assert str(PERSON) not in expected


def test_a_graph_without_relations_opens_on_its_entities():
    b = GraphBuilder()
    for n in range(3):
        b.entity(place_iri(f"11000{n}"), "Province", f"省{n}", level=1)
    data = payload_of(viz.render_html(b.graph))
    assert data["initial"] == [0, 1, 2]


def test_nodes_carry_their_mentions_and_the_page_every_article():
    data = payload_of(viz.render_html(corpus_graph()))
    titles = [d.get("title") for d in data["documents"]]
    assert titles == [ARTICLE_TITLE, SECOND_TITLE, THIRD_TITLE]  # by date
    node = next(n for n in data["nodes"] if n["iri"] == str(FENGJING))
    rows = sorted(node["m"])
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [(0, 22, 25, ""), (1, 4, 7, "楓涇鎮")]
    assert data["rules"][rows[0][5]] == "entity.admin_suffix"
    assert data["sentences"][rows[0][3]].startswith("日前，金山区")
    person = next(n for n in data["nodes"] if n["iri"] == str(PERSON))
    assert len(person["m"]) == 3 and person["com"] == -1  # alone: in no named community


def test_communities_are_those_of_kg_stats_named_by_their_central_member():
    graph = corpus_graph()
    data = payload_of(viz.render_html(graph))
    stats = graph_stats(graph)
    named = [c for c in stats.communities if c.size > 1]
    assert [c["name"] for c in data["communities"]] == [c.name for c in named]
    assert [c["size"] for c in data["communities"]] == [c.size for c in named]
    iris = [n["iri"] for n in data["nodes"]]
    for n, community in enumerate(named):
        assert iris[data["communities"][n]["central"]] == community.central
        assert all(data["nodes"][iris.index(m)]["com"] == n for m in community.members)


def test_separate_leaves_no_overlapping_discs_and_is_deterministic():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(400, 2)) * 40
    points[:5] = 0.0  # coincident nodes too
    radii = rng.uniform(8, 40, size=400)
    assert layout.overlapping_pairs(points, radii) > 100
    spread = layout.separate(points, radii, rounds=400)
    assert layout.overlapping_pairs(spread, radii) == 0
    assert (layout.separate(points, radii, rounds=400) == spread).all()


def test_nodes_and_their_labels_do_not_overlap_in_a_crowded_cluster():
    graph = star_graph()
    net = to_networkx(graph)
    data = payload_of(viz.render_html(graph))
    points = np.array([(n["vis"]["x"], n["vis"]["y"]) for n in data["nodes"]])
    radii = np.array([viz.footprint(net.nodes[n["iri"]]["label"], n["vis"]["size"])
                      for n in data["nodes"]])
    assert layout.overlapping_pairs(points, radii * 0.98) == 0  # positions are rounded


def test_unreached_entities_go_in_a_grid_below_the_core():
    net = to_networkx(corpus_graph())
    positions = layout.layout(net, [str(FENGJING), str(JINSHAN)])
    lonely = [positions[str(PERSON)], positions[str(PAPER)]]
    core_bottom = max(positions[str(FENGJING)][1], positions[str(JINSHAN)][1])
    assert all(y > core_bottom for _, y in lonely)
    assert lonely[0][1] == lonely[1][1]  # one row


def test_a_large_store_gets_a_page_that_says_to_run_kg_viz(seed_build, tmp_path, monkeypatch):
    """Issue 22: above the limit, a build leaves the viewer to ``kg viz`` and says so."""
    from typer.testing import CliRunner

    from kg.build import build
    from kg.cli import app

    copy = tmp_path / "build"
    shutil.copytree(seed_build, copy)
    (copy / "graph.html").unlink()
    report = build([SEEDS], copy, html_limit=10)
    assert report.built == 0 and report.html_deferred > 10
    note = (copy / "graph.html").read_text(encoding="utf-8")
    assert f"kg viz {copy}" in note and 'id="kg-data"' not in note
    assert "default-src 'none'" in note
    result = CliRunner().invoke(app, ["viz", str(copy)])
    assert result.exit_code == 0, result.output
    assert 'id="kg-data"' in (copy / "graph.html").read_text(encoding="utf-8")
    # the command says so
    (copy / "graph.html").unlink()
    monkeypatch.setattr("kg.build.HTML_TRIPLE_LIMIT", 10)
    result = CliRunner().invoke(app, ["build", str(SEEDS), "-o", str(copy)])
    assert result.exit_code == 0, result.output
    assert f"write it with `kg viz {copy}`" in result.output
    assert 'id="kg-data"' not in (copy / "graph.html").read_text(encoding="utf-8")
    monkeypatch.undo()
    # below the limit (the default for the seed), a build writes the viewer itself
    (copy / "graph.html").unlink()
    assert build([SEEDS], copy).html_deferred == 0
    assert 'id="kg-data"' in (copy / "graph.html").read_text(encoding="utf-8")
