"""Building into a real SPARQL server and querying it (issue 6).

A read-write ``oxigraph serve --location TMP --bind 127.0.0.1:PORT`` stands in
for any Graph Store Protocol server (Fuseki, GraphDB, …). ``kg build
--endpoint`` PUTs each document graph, the merges graph and the union (as the
default graph); ``kg query --endpoint`` must then answer the named queries
exactly as the local store does. The server is a real process, started and
stopped here; if the ``oxigraph`` program is missing the tests fail, they are
never skipped.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from test_incremental import NEWS, write_news
from typer.testing import CliRunner

from kg.cli import app
from kg.store.graphstore import GraphStore
from kg.store.server import query_endpoint, start_server

QUADS_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
DEFAULT_GRAPH_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    with start_server(tmp_path / "server-store", port=free_port(), read_only=False) as running:
        assert running.process.args[1] == "serve"  # read-write, on a store folder
        yield running


def kg(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def graph_sizes(url: str) -> dict[str, int]:
    rows = query_endpoint(url, QUADS_PER_GRAPH).records()
    sizes = {str(r["g"]): r["n"].toPython() for r in rows}
    return {g: n for g, n in sizes.items() if n}


def local_sizes(out: Path) -> dict[str, int]:
    with GraphStore.open(out, create=False, read_only=True) as store:
        return {str(g): len(store.document_triples(g)) for g in store.document_iris()}


def test_build_into_a_server_and_query_it(server, tmp_path: Path):
    docs = write_news(tmp_path / "docs")
    out = tmp_path / "g"
    printed = kg("build", str(docs), "-o", str(out), "--no-html", "--endpoint", server.url)
    assert "documents: 4 built" in printed

    # the server holds what the local store holds: every graph, and the union by default
    expected = local_sizes(out)
    assert graph_sizes(server.url) == expected
    with GraphStore.open(out, create=False, read_only=True) as store:
        union = store.triple_count()
    assert query_endpoint(server.url, DEFAULT_GRAPH_SIZE).rows[0][0].toPython() == union

    # named queries answer the same through the endpoint as on the directory
    for name, params in (("documents", []), ("entities", []), ("evidence", ["name=泗泾镇"])):
        options = [p for value in params for p in ("--param", value)]
        remote = kg("query", "--endpoint", server.url, "--named", name, "--format", "json",
                    *options)
        local = kg("query", str(out), "--named", name, "--format", "json", *options)
        assert json.loads(remote) == json.loads(local), name
        assert json.loads(remote)["results"]["bindings"], f"{name} found nothing"

    # a second build of the same documents (a fresh directory) replaces, never duplicates
    kg("build", str(docs), "-o", str(tmp_path / "again"), "--no-html", "--endpoint", server.url)
    assert graph_sizes(server.url) == expected
    assert query_endpoint(server.url, DEFAULT_GRAPH_SIZE).rows[0][0].toPython() == union

    # an edited document replaces its previous version on the server too
    edited = NEWS["qingpu-meeting.txt"].replace("朱家角镇", "青浦区赵巷镇")
    (docs / "qingpu-meeting.txt").write_text(edited, encoding="utf-8")
    kg("build", str(docs), "-o", str(out), "--no-html", "--endpoint", server.url)
    assert graph_sizes(server.url) == local_sizes(out)
    towns = kg("query", "--endpoint", server.url, "--format", "csv",
               "SELECT DISTINCT ?l WHERE { ?t a kg:Township ; rdfs:label ?l } ORDER BY ?l")
    assert "赵巷镇" in towns and "朱家角镇" not in towns

    # kg remove --endpoint takes the document off the server as well
    kg("remove", str(out), str(docs / "qingpu-meeting.txt"), "--endpoint", server.url)
    assert graph_sizes(server.url) == local_sizes(out)
    towns = kg("query", "--endpoint", server.url, "--format", "csv",
               "SELECT DISTINCT ?l WHERE { ?t a kg:Township ; rdfs:label ?l } ORDER BY ?l")
    assert "赵巷镇" not in towns


def test_query_parameters_need_the_declared_names(server):
    result = CliRunner().invoke(
        app, ["query", "--endpoint", server.url, "--named", "evidence", "--param", "label=x"]
    )
    assert result.exit_code == 1
    assert "query 'evidence' has no parameter 'label'; its parameters: name" in result.output
