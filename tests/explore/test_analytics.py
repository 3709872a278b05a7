"""kg.explore.analytics: statistics of the sample graph, the text report, and the exports."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from sample_graph import ALLIANCE, FENGJING, FORGING, KEMAO, sample_graph

from kg.errors import KgError
from kg.explore.analytics import (
    ExportError,
    display_width,
    export,
    format_stats,
    graph_stats,
    pagerank,
    ranked,
)
from kg.explore.netgraph import to_networkx


@pytest.fixture(scope="module")
def stats():
    return graph_stats(sample_graph())


def test_counts_by_class_and_relation(stats):
    assert (stats.entities, stats.relations, stats.statements, stats.documents) == (13, 14, 10, 2)
    assert stats.by_class["Township"] == 3
    assert stats.by_class["Province"] == 2
    assert sum(stats.by_class.values()) == 13
    assert stats.by_relation == {"locatedIn": 8, "cooperatesWith": 2, "memberOf": 2,
                                 "brandOf": 1, "launched": 1}


def test_top_entities(stats):
    assert stats.top_degree[0].iri == str(FENGJING)
    assert stats.top_degree[0].score == 5
    assert stats.top_pagerank[0].label == "枫泾镇"
    assert stats.top_betweenness[0].iri == str(FENGJING)
    assert stats.betweenness_sample is None  # small graph: exact
    scores = [e.score for e in stats.top_pagerank]
    assert scores == sorted(scores, reverse=True)
    assert len(stats.top_degree) == 10


def test_communities_cover_every_entity_once_and_are_named_by_their_centre(stats):
    members = [iri for c in stats.communities for iri in c.members]
    assert sorted(members) == sorted(to_networkx(sample_graph()).nodes)
    pr = pagerank(to_networkx(sample_graph()))
    for community in stats.communities:
        assert community.central == ranked({m: pr[m] for m in community.members})[0]
        assert community.size == len(community.members)
    assert graph_stats(sample_graph()).communities == stats.communities  # seeded


def test_cross_regional_links_and_alliances(stats):
    (link,) = stats.cross_regional_links
    assert (link.subject, link.predicate, link.object) == (str(FORGING), "cooperatesWith",
                                                           str(KEMAO))
    assert link.provinces == ("上海市", "浙江省")
    (alliance,) = stats.cross_regional_alliances
    assert alliance.iri == str(ALLIANCE)
    assert alliance.provinces == ("上海市", "浙江省")
    assert set(alliance.members) == {"枫泾镇", "新埭镇"}


def test_graph_stats_accepts_a_converted_network(stats):
    assert graph_stats(to_networkx(sample_graph())) == stats


def test_format_stats_aligns_chinese_columns(stats):
    text = format_stats(stats)
    assert "Cross-regional alliances: 1" in text
    assert "长三角产业集群联盟" in text
    lines = text.splitlines()
    start = lines.index("Top by degree:") + 1
    table = lines[start:start + 10]
    # The class column starts at the same terminal column on every row, CJK counted double.
    columns = {display_width(row[: row.index(cls)])
               for row, cls in zip(table, [e.cls for e in stats.top_degree], strict=True)}
    assert len(columns) == 1


def test_display_width_counts_wide_characters_twice():
    assert display_width("枫泾镇") == 6
    assert display_width("ab枫") == 4


def test_export_graphml_has_only_string_attributes(tmp_path):
    path = export(sample_graph(), tmp_path / "g.graphml", "graphml")
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == 13
    assert back.number_of_edges() == 14
    node = back.nodes[str(FENGJING)]
    assert node["label"] == "枫泾镇" and node["label_en"] == "Fengjing Town"
    assert node["admin_level"] == "4"
    for _, attrs in back.nodes(data=True):
        assert all(isinstance(v, str) for v in attrs.values())
    for _, _, attrs in back.edges(data=True):
        assert all(isinstance(v, str) for v in attrs.values())
        assert len(json.loads(attrs["evidence"])) == int(attrs["evidence_count"])


def test_export_gexf_reads_back(tmp_path):
    path = export(sample_graph(), tmp_path / "g.gexf", "gexf")
    back = nx.read_gexf(path)
    assert back.number_of_nodes() == 13
    assert back.number_of_edges() == 14
    labels = {attrs["label"] for _, attrs in back.nodes(data=True)}
    assert "长三角产业集群联盟" in labels


def test_export_jsonld_round_trips(tmp_path):
    graph = sample_graph()
    path = export(graph, tmp_path / "g.jsonld", "jsonld")
    assert isomorphic(Graph().parse(path, format="json-ld"), graph)


def test_export_nquads_of_a_plain_graph_round_trips(tmp_path):
    graph = sample_graph()
    path = export(graph, tmp_path / "g.nq", "nquads")
    back = Dataset()
    back.parse(path, format="nquads")
    assert len(list(back.quads((None, None, None, None)))) == len(graph)


def test_export_nquads_keeps_named_graphs(tmp_path):
    dataset = Dataset()
    name = URIRef("https://w3id.org/kg-zh/id/doc/7df76e14de67d081")
    for triple in sample_graph():
        dataset.graph(name).add(triple)
    path = export(dataset, tmp_path / "g.nq", "nquads")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) == len(dataset.graph(name))
    assert all(line.endswith(f"<{name}> .") for line in lines)


def test_unknown_format_is_a_kg_error(tmp_path):
    with pytest.raises(ExportError, match="graphml, gexf, jsonld, nquads") as err:
        export(sample_graph(), tmp_path / "g.xyz", "xyz")
    assert isinstance(err.value, KgError)
    assert not (tmp_path / "g.xyz").exists()


def test_export_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "g.graphml"
    target.write_text("old", encoding="utf-8")
    export(sample_graph(), target, "graphml")
    assert target.read_text(encoding="utf-8").startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir()] == ["g.graphml"]


def test_empty_graph_has_empty_stats():
    empty = graph_stats(Graph())
    assert (empty.entities, empty.communities, empty.top_degree) == (0, (), ())
    assert "Entities: 0" in format_stats(empty)
