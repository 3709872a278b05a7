"""Injection: hostile parameters, UPDATE requests, hostile data in the HTML, the server's bind.

One small corpus whose titles, sentences, editor names and JSONL fields carry
SPARQL and HTML payloads is built with the real ``kg build`` (HTML included).
Then:

- named queries are run with parameter payloads, through ``kg query`` and
  through the library on both engines (Oxigraph and rdflib); the store must be
  unchanged afterwards and each result empty or exactly what the data says;
- ``kg query`` must refuse SPARQL UPDATE in every form;
- ``graph.html`` must contain the payloads only as inert text: parsed as a
  browser tokenises it, no element or event handler comes from the data
  (the headless-browser check is tests/explore/test_viz_browser.py);
- ``kg serve`` must listen on the loopback interface only, by default.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.errors import QueryError
from kg.store import named_queries, results
from kg.store import query as q
from kg.store.graphstore import GraphStore
from kg.store.server import DEFAULT_HOST, server_command

REPO = Path(__file__).resolve().parents[2]
KG = Path(sys.executable).parent / "kg"
MARKER = "__pwned"

HOSTILE_ARTICLE = (
    "枫泾镇“</script><script>window.__pwned=1</script>”党建品牌发布\n"
    "日前，上海市金山区枫泾镇党委与浙江省平湖市新埭镇党委签约，"
    "成立“<img src=x onerror=\"window.__pwned=2\">”党建联盟。\n"
    "“\"'><svg onload=window.__pwned=3>”公司入驻枫泾镇工业园区。\n"
    "金山区“红领LINK”党建品牌在枫泾镇举行活动，“a\\\"b\\\\c”联盟成员单位出席。\n"
    "(责编：<img src=x onerror=window.__pwned=9>、\"'韩庆)\n"
)
TRADITIONAL_ARTICLE = "楓涇鎮黨委與新埭鎮黨委共建長三角產業聯盟。\n"
HOSTILE_RECORD = {
    "id": 'x"><script>window.__pwned=4</script>',
    "title": "<script>window.__pwned=5</script>",
    "url": "javascript:window.__pwned=6",
    "text": "枫泾镇党委召开会议，“</script><img src=x onerror=window.__pwned=7>”项目启动。",
}

#: Parameter values that would change the store or the query if pasted into its text.
PAYLOADS = (
    '"} ; DROP ALL ; #',
    "> } INSERT DATA { <a> <b> <c> } #",
    '枫泾镇" } ; CLEAR ALL ; #',
    "枫泾镇\\\" . } DROP ALL #",
    "\\",
    "枫泾镇\n} ; DROP ALL ;\n#",
    "'''} ; DELETE WHERE { ?s ?p ?o } #",
    '""") } } ; DROP DEFAULT #',
    "?name",
    "$entity",
    "枫泾镇\u0000",
    "\u202e枫泾镇",
    "枫泾镇😀",
    "<https://w3id.org/kg-zh/id/place/310116102>",
)
#: Values in angle brackets that are not IRIs: refused before any query runs.
BAD_IRI_PAYLOADS = (
    "<https://x> } ; DROP ALL ; #>",
    "<a> <b> <c>",
    "<>",
)
UPDATES = (
    "DROP ALL",
    "CLEAR DEFAULT",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "CREATE GRAPH <urn:g>",
    "WITH <urn:g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "PREFIX kg: <https://w3id.org/kg-zh/ontology#>\nDELETE DATA { kg:a kg:b kg:c }",
)

LABEL_QUERY = """\
# Entities whose rdfs:label is exactly the given string (a test query).
# param: name — the label
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?name ?entity WHERE { ?entity rdfs:label ?label . FILTER (STR(?label) = ?name) }
ORDER BY ?entity
"""


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Built:
    out: Path
    graph: Graph


def kg(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(KG), *map(str, args)], capture_output=True, text=True,
                          timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("injection")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    (corpus / "traditional.txt").write_text(TRADITIONAL_ARTICLE, encoding="utf-8")
    (corpus / "records.jsonl").write_text(json.dumps(HOSTILE_RECORD) + "\n", encoding="utf-8")
    out = root / "out"
    kg("build", corpus, "-o", out)
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    return Built(out=out, graph=graph)


def store_state(out: Path) -> tuple[int, frozenset]:
    with GraphStore.open(out, create=False, read_only=True) as store:
        return store.triple_count(), frozenset(store.quads())


def labels_equal_to(graph: Graph, name: str) -> set[URIRef]:
    """Entities one of whose labels is ``name``, found without SPARQL."""
    props = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
    return {s for p in props for s, o in graph.subject_objects(p) if str(o) == name}


# --------------------------------------------------------------------------- parameters


def test_the_payloads_reached_the_graph(built: Built) -> None:
    """Otherwise the tests below would prove nothing."""
    texts = [str(o) for o in built.graph.objects() if isinstance(o, Literal)]
    assert sum(MARKER in t for t in texts) >= 5
    assert labels_equal_to(built.graph, "\"'韩庆"), "a label with quotes is needed below"


@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_kg_query_binds_payloads_as_strings(built: Built, payload: str) -> None:
    before = store_state(built.out)
    ttl = (built.out / "graph.ttl").read_bytes()
    done = kg("query", built.out, "--named", "evidence", "--param", f"name={payload}",
              "--format", "json")
    result = json.loads(done.stdout)
    assert result["results"]["bindings"] == []
    assert store_state(built.out) == before
    assert (built.out / "graph.ttl").read_bytes() == ttl


def test_kg_query_refuses_a_bracketed_value_that_is_not_an_iri(built: Built) -> None:
    done = kg("query", built.out, "--named", "evidence", "--param",
              f"name={BAD_IRI_PAYLOADS[0]}", check=False)
    assert done.returncode == 1
    assert "is not a valid IRI" in done.stderr
    for payload in BAD_IRI_PAYLOADS:
        with pytest.raises(QueryError, match="is not a valid IRI"):
            named_queries.run_named_query(built.graph, "evidence", {"name": payload})


def _entities(result: results.QueryResult) -> set:
    return set(result.column("entity"))


def test_payloads_on_both_engines_match_the_data(built: Built, tmp_path: Path) -> None:
    """Each payload (and each real label) gives exactly the entities that carry it."""
    (tmp_path / "label-lookup.rq").write_text(LABEL_QUERY, encoding="utf-8")
    hostile_labels = sorted(
        str(o) for o in built.graph.objects(None, RDFS.label) if any(c in str(o) for c in "\"'<>")
    )
    names = [*PAYLOADS, "枫泾镇", "楓涇鎮", *hostile_labels]
    before = store_state(built.out)
    with GraphStore.open(built.out, create=False, read_only=True) as store:
        for name in names:
            expected = {e for e, o in built.graph.subject_objects(RDFS.label) if str(o) == name}
            for source in (store, built.graph):
                found = named_queries.run_named_query(
                    source, "label-lookup", {"name": name}, folder=tmp_path
                )
                assert _entities(found) == expected, (name, type(source).__name__)
                evidence = named_queries.run_named_query(source, "evidence", {"name": name})
                assert _entities(evidence) <= labels_equal_to(built.graph, name)
    assert store_state(built.out) == before


def test_a_real_name_gives_its_statements(built: Built) -> None:
    """The binding is not just refusing everything: 枫泾镇 and its Traditional form match."""
    with GraphStore.open(built.out, create=False, read_only=True) as store:
        simplified = named_queries.run_named_query(store, "evidence", {"name": "枫泾镇"})
        traditional = named_queries.run_named_query(store, "evidence", {"name": "楓涇鎮"})
    township = URIRef("https://w3id.org/kg-zh/id/place/310116102")
    assert _entities(simplified) == {township}
    assert _entities(traditional) == {township}
    statements = set(built.graph.subjects(RDF.subject, township)) | set(
        built.graph.subjects(RDF.object, township))
    assert statements and set(simplified.column("statement")) == statements


def test_endpoint_queries_inline_payloads_as_terms(built: Built) -> None:
    """``kg query --endpoint`` writes parameters into a VALUES block: same answers, no update."""
    before = store_state(built.out)
    with GraphStore.open(built.out, create=False, read_only=True) as store:
        for name in (*PAYLOADS, "枫泾镇", "楓涇鎮", "\"'韩庆"):
            inlined = named_queries.standalone_named_query("evidence", {"name": name})
            bound = named_queries.run_named_query(store, "evidence", {"name": name})
            assert q.run_query(store, inlined).rows == bound.rows, name
    assert store_state(built.out) == before


def test_parameter_and_query_names_cannot_smuggle_text() -> None:
    with pytest.raises(QueryError, match="bad parameter"):
        q.parse_params(["name} ; DROP ALL ; #=x"])
    with pytest.raises(QueryError, match="unknown named query"):
        named_queries.load_named_query("../queries/evidence")
    with pytest.raises(QueryError, match="no parameter"):
        named_queries.run_named_query(Graph(), "evidence", {"name": "x", "other": "y"})


# --------------------------------------------------------------------------- updates


@pytest.mark.parametrize("update", UPDATES)
def test_the_library_refuses_updates(built: Built, update: str) -> None:
    before = store_state(built.out)
    with GraphStore.open(built.out, create=False, read_only=True) as store, \
            pytest.raises(QueryError, match="read-only|syntax error"):
        q.run_query(store, update)
    with pytest.raises(QueryError, match="read-only|syntax error"):
        q.run_query(built.graph, update)
    assert store_state(built.out) == before


def test_kg_query_refuses_update(built: Built, tmp_path: Path) -> None:
    before = store_state(built.out)
    done = kg("query", built.out, "DROP ALL", check=False)
    assert done.returncode == 1
    assert "SPARQL UPDATE" in done.stderr and "read-only" in done.stderr
    update_file = tmp_path / "drop.rq"
    update_file.write_text("INSERT DATA { <urn:a> <urn:b> <urn:c> }", encoding="utf-8")
    done = kg("query", built.out, "--file", update_file, check=False)
    assert done.returncode == 1
    assert "SPARQL UPDATE" in done.stderr
    assert store_state(built.out) == before


# --------------------------------------------------------------------------- the HTML page


class _Tokens(HTMLParser):
    """Elements, attributes and script bodies, as an HTML tokeniser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def test_graph_html_holds_the_payloads_only_as_text(built: Built) -> None:
    page = (built.out / "graph.html").read_text(encoding="utf-8")
    assert MARKER in page, "the hostile data should be in the page (escaped)"
    tokens = _Tokens()
    tokens.feed(page)
    tokens.close()
    for tag, attrs in tokens.tags:
        for name, value in attrs.items():
            assert not (name.startswith("on") and value and MARKER in value), (tag, name, value)
            assert not (value and value.strip().lower().startswith("javascript:")), (tag, name)
        assert tag not in ("img", "svg") or not any(k.startswith("on") for k in attrs), tag
    for body in tokens.scripts:
        assert not body.strip().startswith("window." + MARKER), "a script element from the data"
    for raw in ("</script><script>window.__pwned", "<img src=x onerror", "<svg onload"):
        assert raw not in page, f"unescaped {raw!r} in graph.html"


# --------------------------------------------------------------------------- kg serve


def test_serve_defaults_to_loopback() -> None:
    assert DEFAULT_HOST == "127.0.0.1"
    command = server_command(Path("store"), DEFAULT_HOST, 7878)
    assert "serve-read-only" in command
    assert command[command.index("--bind") + 1] == "127.0.0.1:7878"
    help_text = kg("serve", "--help").stdout
    assert "127.0.0.1" in help_text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of TCP sockets in LISTEN state on ``port`` (from /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                address, hex_port = fields[1].split(":")
                if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                    found.add(address)
    return found


def test_kg_serve_listens_on_loopback_only(built: Built) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [str(KG), "serve", str(built.out), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _listening_addresses(port):
            assert process.poll() is None, "kg serve exited early"
            assert time.monotonic() < deadline, "kg serve did not listen within 30 s"
            time.sleep(0.1)
        # 0100007F is 127.0.0.1 in /proc's byte order; nothing else may listen.
        assert _listening_addresses(port) == {"0100007F"}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
