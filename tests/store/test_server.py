"""Tests of kg.store.server against real ``oxigraph`` server processes on free loopback ports.

The ``oxigraph`` program comes from the PyPI package of that name (a test
dependency). When it is missing these tests fail with a message saying so;
they are never skipped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_store import DOC_A, DOC_B, fill_store, sample_documents, union_of

from kg.errors import QueryError, StoreError
from kg.store.graphstore import GraphStore, store_path
from kg.store.server import (
    graph_store_url,
    oxigraph_executable,
    push_store,
    put_graph,
    query_endpoint,
    query_url,
    serve,
    start_server,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def oxigraph_installed() -> None:
    try:
        oxigraph_executable()
    except StoreError as exc:
        pytest.fail(f"these tests need the oxigraph server: {exc}")


@pytest.fixture
def writable_server(tmp_path: Path):
    """A read-write ``oxigraph serve`` on an empty store, standing in for any SPARQL server."""
    with start_server(tmp_path / "remote", port=free_port(), read_only=False) as server:
        yield server


def _counts(url: str) -> dict[str, int]:
    result = query_endpoint(url, COUNT_PER_GRAPH)
    return {str(r["g"]): r["n"].toPython() for r in result.records()}


def _post(url: str, body: str, content_type: str) -> int:
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_put_replaces_graphs_instead_of_duplicating(writable_server) -> None:
    docs = sample_documents()
    url = writable_server.url
    assert put_graph(url, DOC_A, docs[DOC_A]) == len(set(docs[DOC_A]))
    put_graph(url + "/store", DOC_B, docs[DOC_B])
    assert _counts(url) == {str(DOC_A): len(set(docs[DOC_A])), str(DOC_B): len(set(docs[DOC_B]))}

    smaller = docs[DOC_A][:10]
    put_graph(url, DOC_A, smaller)  # a re-run with changed content
    put_graph(url, DOC_B, docs[DOC_B])  # a re-run with the same content
    assert _counts(url + "/query") == {str(DOC_A): 10, str(DOC_B): len(set(docs[DOC_B]))}

    labels = query_endpoint(
        url,
        'SELECT ?label WHERE { GRAPH ?g { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?label '
        'FILTER (STR(?label) = "石化街道") } }',
    )
    assert [str(v) for v in labels.column("label")] == ["石化街道"]
    assert labels.rows[0][0].language == "zh-Hans"


def test_push_store_sends_every_document(tmp_path: Path, writable_server) -> None:
    with GraphStore.open(tmp_path / "build") as store:
        fill_store(store)
        assert push_store(store, writable_server.url) == 2
        assert push_store(store, writable_server.url) == 2
    docs = sample_documents()
    assert _counts(writable_server.url) == {str(d): len(set(t)) for d, t in docs.items()}


def test_endpoint_errors_and_construct_results(writable_server) -> None:
    with pytest.raises(StoreError, match="cannot reach .* is the SPARQL server running"):
        put_graph(f"http://127.0.0.1:{free_port()}", DOC_A, [], timeout=5)
    with pytest.raises(QueryError, match="HTTP 400"):
        query_endpoint(writable_server.url, "SELEKT nothing")
    put_graph(writable_server.url, DOC_B, sample_documents()[DOC_B])
    built = query_endpoint(
        writable_server.url, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    assert built.columns == ("subject", "predicate", "object")
    assert set(built.rows) == set(sample_documents()[DOC_B])


def test_url_forms() -> None:
    assert graph_store_url("http://h:7878") == "http://h:7878/store"
    assert graph_store_url("http://h:7878/") == "http://h:7878/store"
    assert graph_store_url("http://h:7878/query") == "http://h:7878/store"
    assert graph_store_url("http://h:3030/ds/data") == "http://h:3030/ds/data"
    assert query_url("http://h:7878") == "http://h:7878/query"
    assert query_url("http://h:7878/store") == "http://h:7878/query"
    assert query_url("http://h:3030/ds/sparql") == "http://h:3030/ds/sparql"
    assert query_url("http://h/repositories/r") == "http://h/repositories/r"


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    with GraphStore.open(tmp_path / "build") as store:
        fill_store(store)
    return tmp_path / "build"


def test_read_only_server_answers_queries_and_refuses_writes(build_dir: Path) -> None:
    expected = len(union_of(sample_documents()))
    with start_server(store_path(build_dir), port=free_port(), read_only=True) as server:
        count = query_endpoint(server.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert count.rows[0][0].toPython() == expected  # default graph = the union, no duplicates
        assert _post(server.url + "/update", "DROP ALL", "application/sparql-update") == 403
        with pytest.raises(StoreError, match="HTTP 403"):
            put_graph(server.url, DOC_A, [])
        assert _counts(server.url) == {
            str(d): len(set(t)) for d, t in sample_documents().items()
        }


_SERVE = """
import sys
from kg.store.server import serve
sys.exit(serve(sys.argv[1], port=int(sys.argv[2])))
"""


def test_serve_runs_a_read_only_endpoint_until_stopped(build_dir: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_SERVE), str(build_dir), str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # one process group: the wrapper and oxigraph
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, "kg.store.server.serve exited early"
            assert time.monotonic() < deadline, "serve() did not answer within 20 s"
            with contextlib.suppress(QueryError):
                result = query_endpoint(url, "ASK { ?s ?p ?o }", timeout=2)
                break
            time.sleep(0.1)
        assert result.boolean is True
        assert _post(url + "/update", "DROP ALL", "application/sparql-update") == 403
        assert query_endpoint(url, "ASK { ?s ?p ?o }").boolean is True
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


_WRITER = """
import sys, time
from kg.store.graphstore import GraphStore
store = GraphStore.open(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_serve_refuses_a_store_being_written(build_dir: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_WRITER), str(build_dir)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="in use by another process"):
            serve(build_dir, port=free_port())
    finally:
        writer.kill()
        writer.wait(timeout=20)


def test_serve_refuses_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a kg build directory"):
        serve(tmp_path, port=free_port())


def test_a_server_that_cannot_start_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="oxigraph server exited"):
        start_server(tmp_path / "nothing-here", port=free_port(), read_only=True)
