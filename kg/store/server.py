"""A SPARQL endpoint over a build, and pushing a build to any SPARQL server.

``kg serve DIR`` runs Oxigraph's own HTTP server (the ``oxigraph`` console
script of the PyPI package ``oxigraph``, installed with ``kg[server]``) in
read-only mode on ``DIR/store``:

    oxigraph serve-read-only --location DIR/store --bind 127.0.0.1:7878

It listens on the loopback interface unless told otherwise, because it has no
authentication. Its endpoints are ``/query`` (SPARQL protocol) and ``/store``
(Graph Store Protocol, read only here); the page at ``/`` is a query editor.
The default graph is the union of the documents (kg.store.graphstore keeps it there).

A read-only server takes no lock, and Oxigraph does not support a writer and a
read-only reader on the same store at the same time: do not run ``kg build``
into DIR while ``kg serve DIR`` runs, and restart the server after a build to
see the new data. :func:`serve` refuses to start while a writer holds the store.

:func:`put_graph` and :func:`query_endpoint` talk to a running server over
HTTP with the standard protocols, so they work with Oxigraph, Fuseki, GraphDB
and others. Pass the URL of the endpoint itself:

=============  ==============================  ===============================
server         graph store (``put_graph``)     query (``query_endpoint``)
=============  ==============================  ===============================
Oxigraph       ``http://host:7878/store``      ``http://host:7878/query``
Fuseki         ``http://host:3030/DS/data``    ``http://host:3030/DS/sparql``
GraphDB        ``…/repositories/R/rdf-graphs/service``  ``…/repositories/R``
=============  ==============================  ===============================

A bare server address (``http://host:7878``, no path) is taken to be an
Oxigraph server and gets ``/store`` or ``/query`` appended; an Oxigraph URL
ending in ``/store`` or ``/query`` is accepted by both functions.
``put_graph`` uses HTTP PUT, which replaces the named graph: pushing a build
twice leaves one copy of each document, not two.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

import pyoxigraph as ox
from rdflib import URIRef

from kg.errors import QueryError, StoreError
from kg.graph.terms import Triple, ntriples, to_rdflib_term
from kg.store.graphstore import GraphStore, store_path
from kg.store.results import QueryResult

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
READY_TIMEOUT_S = 20.0
HTTP_TIMEOUT_S = 60.0

_JSON_RESULTS = "application/sparql-results+json"
_ACCEPT = f"{_JSON_RESULTS}, application/n-triples;q=0.9, text/turtle;q=0.8"


# --------------------------------------------------------------------------- the server process


def oxigraph_executable() -> Path:
    """The ``oxigraph`` program: next to this Python first, then on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise StoreError(
        "the `oxigraph` server program is not installed; install it with "
        "`pip install 'kg[server]'` (PyPI package `oxigraph`)"
    )


def bind_address(host: str, port: int) -> str:
    """``host:port``, with brackets around an IPv6 address."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def server_command(location: Path, host: str, port: int, read_only: bool = True) -> list[str]:
    """The command line that serves the Oxigraph store in ``location``."""
    mode = "serve-read-only" if read_only else "serve"
    return [
        str(oxigraph_executable()), mode,
        "--location", str(location),
        "--bind", bind_address(host, port),
    ]


@dataclass
class ServerProcess:
    """A running ``oxigraph`` server; a context manager that stops it on exit."""

    process: subprocess.Popen[bytes]
    url: str
    _log: IO[bytes] | None = field(default=None, repr=False)

    def log_text(self) -> str:
        """What the server wrote to stderr so far (when it was started quietly)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """Terminate the server and wait for it (kill it if it does not stop)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _wait_until_ready(server: ServerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise StoreError(
                f"the oxigraph server exited with status {server.process.returncode}: "
                f"{server.log_text().strip() or '(no message)'}"
            )
        try:
            with urllib.request.urlopen(server.url + "/", timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    server.stop()
    raise StoreError(f"the oxigraph server did not answer at {server.url} within {timeout:.0f} s")


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies.

    Why: SIGTERM, SIGINT and SIGHUP reach ``kg serve``, which stops its
    child; SIGKILL cannot be caught, and without this the child would go on
    serving with no parent (PR_SET_PDEATHSIG, prctl(2)).
    """
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def start_server(
    location: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    read_only: bool = True,
    quiet: bool = True,
    timeout: float = READY_TIMEOUT_S,
    die_with_parent: bool = False,
) -> ServerProcess:
    """Start ``oxigraph`` on the store folder ``location`` and wait until it answers.

    ``quiet`` keeps its messages in a temporary file (see
    :meth:`ServerProcess.log_text`) instead of the terminal. With
    ``die_with_parent`` (Linux), the server stops when this process dies,
    even by SIGKILL.
    """
    command = server_command(location, host, port, read_only)
    # closed by ServerProcess.stop()
    log = tempfile.TemporaryFile() if quiet else None  # noqa: SIM115
    linux = sys.platform.startswith("linux")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log if quiet else None,
        stderr=log if quiet else None,
        preexec_fn=_die_with_parent if die_with_parent and linux else None,  # noqa: PLW1509
    )
    server = ServerProcess(process=process, url=f"http://{bind_address(host, port)}", _log=log)
    try:
        _wait_until_ready(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _check_no_writer(build_dir: Path) -> None:
    """Fail if a build is writing into ``build_dir`` (its lock is held)."""
    store = GraphStore.open(build_dir, create=False)
    store.close()


class _Stop(Exception):  # noqa: N818 - a signal, not an error
    """Raised in the main thread by SIGTERM or SIGHUP, so that ``finally`` blocks run."""


@contextlib.contextmanager
def _signals_stop() -> Iterator[None]:
    """Turn SIGTERM, SIGINT and SIGHUP into :class:`_Stop`.

    SIGINT too, although Python makes it KeyboardInterrupt: a process started
    in the background of a shell inherits SIGINT ignored, and Python then
    leaves it ignored.
    """

    def stop(signum: int, frame: object) -> None:
        raise _Stop(signal.Signals(signum).name)

    wanted = [signal.SIGTERM, signal.SIGINT]
    wanted += [signal.SIGHUP] if hasattr(signal, "SIGHUP") else []
    previous = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve(
    dir: Path | str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    announce: Callable[[str], None] | None = None,
) -> int:
    """Serve build directory ``dir`` read-only until interrupted; return 0 when stopped.

    Oxigraph runs on a private loopback port behind kg's front
    (:mod:`kg.store.front`), which listens on ``host:port``. SIGTERM, SIGINT and
    SIGHUP stop both; so does the death of this process (SIGKILL included,
    on Linux). ``announce`` is told the address once it answers.
    """
    from kg.store.front import FrontServer

    build_dir = Path(dir)
    _check_no_writer(build_dir)
    with _signals_stop():
        backend = ("127.0.0.1", free_port())
        server = start_server(store_path(build_dir), *backend, read_only=True, quiet=True,
                              die_with_parent=True)
        front = None
        try:
            try:
                front = FrontServer((host, port), backend, build_dir / "graph.html")
            except OSError as exc:
                raise StoreError(
                    f"cannot listen on {bind_address(host, port)}: {exc.strerror}; "
                    "is another server using the port? choose another with --port"
                ) from exc
            front.serve_in_thread()
            if announce is not None:
                announce(f"http://{bind_address(host, port)}")
            status = server.process.wait()
            if status != 0:
                raise StoreError(
                    f"the oxigraph server stopped with status {status}: "
                    f"{server.log_text().strip()[-300:] or '(no message)'}"
                )
            return 0
        except (KeyboardInterrupt, _Stop):
            return 0
        finally:
            if front is not None:
                front.shutdown()
                front.server_close()
            server.stop()


# --------------------------------------------------------------------------- HTTP clients


def _with_path(url: str, path: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=path))


def _service_url(url: str, service: str, sibling: str) -> str:
    """``url`` pointed at Oxigraph's ``/service``: a bare host gets it, ``/sibling`` is swapped."""
    path = urllib.parse.urlsplit(url).path
    if path in ("", "/"):
        return _with_path(url, f"/{service}")
    if path.endswith(f"/{sibling}"):
        return _with_path(url, path[: -len(sibling)] + service)
    return url


def graph_store_url(url: str) -> str:
    """The Graph Store Protocol URL for what the user passed (see the module docstring)."""
    return _service_url(url, "store", "query")


def query_url(url: str) -> str:
    """The SPARQL query URL for what the user passed (see the module docstring)."""
    return _service_url(url, "query", "store")


def _add_query_parameter(url: str, name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(url)
    extra = urllib.parse.urlencode({name: value})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urllib.parse.urlunsplit(parts._replace(query=query))


def _send(request: urllib.request.Request, timeout: float) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()[:300]
        raise StoreError(
            f"{request.get_method()} {request.full_url} was refused: HTTP {exc.code} "
            f"{exc.reason}{': ' + detail if detail else ''}"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(
            f"cannot reach {request.full_url}: {reason}; is the SPARQL server running?"
        ) from exc


def put_graph(
    endpoint_url: str,
    graph_iri: URIRef,
    triples: Iterable[Triple],
    timeout: float = HTTP_TIMEOUT_S,
) -> int:
    """Replace the named graph ``graph_iri`` on a server with ``triples``; return their number.

    Uses an HTTP PUT of N-Triples to the Graph Store Protocol endpoint.
    """
    body = ntriples(triples)
    target = _add_query_parameter(graph_store_url(endpoint_url), "graph", str(graph_iri))
    request = urllib.request.Request(
        target,
        data=body.encode("utf-8"),
        method="PUT",
        headers={"Content-Type": "application/n-triples; charset=utf-8"},
    )
    _send(request, timeout)
    return body.count("\n")


def push_store(store: GraphStore, endpoint_url: str, timeout: float = HTTP_TIMEOUT_S) -> int:
    """PUT every document graph of ``store`` to a server; return how many were sent."""
    documents = store.document_iris()
    for doc in documents:
        put_graph(endpoint_url, doc, store.document_triples(doc), timeout)
    return len(documents)


def _triples_result(payload: bytes, media_type: str, url: str) -> QueryResult:
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    if rdf_format is None:
        raise QueryError(f"{url} answered {media_type or 'no content type'}, which kg cannot read")
    try:
        quads = ox.parse(payload, rdf_format)
        rows = tuple(
            (to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object))
            for q in quads
        )
    except (SyntaxError, ValueError) as exc:
        raise QueryError(f"{url} answered with invalid {media_type}: {exc}") from exc
    return QueryResult(columns=("subject", "predicate", "object"), rows=rows)


def query_endpoint(endpoint_url: str, sparql: str, timeout: float = HTTP_TIMEOUT_S) -> QueryResult:
    """Run a query on a SPARQL endpoint (SPARQL protocol, POST).

    SELECT and ASK answers are read as SPARQL JSON results; CONSTRUCT and
    DESCRIBE answers as N-Triples or Turtle, giving subject/predicate/object rows.
    """
    request = urllib.request.Request(
        query_url(endpoint_url),
        data=sparql.encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": _ACCEPT},
    )
    try:
        _, content_type, payload = _send(request, timeout)
    except StoreError as exc:
        raise QueryError(str(exc)) from exc
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in (_JSON_RESULTS, "application/json"):
        return _triples_result(payload, media_type, request.full_url)
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise QueryError(f"{request.full_url} answered with invalid JSON: {exc}") from exc
    return QueryResult.from_sparql_json(data)
