"""The HTTP front of ``kg serve``: kg's own pages, and the SPARQL protocol passed to Oxigraph.

Why a front at all: Oxigraph's server answers SPARQL well, but its root page
is a query editor that fetches prefixes from an outside host, which fails
offline and leaks what a researcher works on. ``kg serve`` therefore puts
this small server on the port the user asked for, and runs Oxigraph on a
private loopback port behind it:

``/``
    kg's query page (``kg/assets/query.html``): kg's prefixes, the named
    queries with their parameters, results as a table. It talks to ``/query``
    on the same server and nowhere else (its Content Security Policy says so).
``/viewer``
    the build's ``graph.html``: kg's offline network viewer.
``/query``, ``/store`` and every other path
    passed to Oxigraph unchanged (method, headers, body), so SPARQL clients
    see Oxigraph's endpoint.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kg.store.named_queries import list_named_queries
from kg.store.trig import SERIALISATION_PREFIXES

ASSETS = Path(__file__).resolve().parents[1] / "assets"
_DATA_MARK = "/*KG-DATA*/"
#: Headers that describe one connection, not the message (RFC 9110 §7.6.1).
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "content-length",
})


def query_page() -> bytes:
    """The query page with kg's prefixes and named queries written into it."""
    queries = [
        {"name": q.name, "summary": q.summary, "description": q.description,
         "params": q.params, "sparql": q.sparql}
        for q in list_named_queries()
    ]
    data = json.dumps({"prefixes": SERIALISATION_PREFIXES, "queries": queries},
                      ensure_ascii=False).replace("</", "<\\/")
    page = (ASSETS / "query.html").read_text(encoding="utf-8")
    before, _, rest = page.partition(_DATA_MARK)
    _, _, after = rest.partition(_DATA_MARK)
    return f"{before}{data}{after}".encode()


class FrontServer(ThreadingHTTPServer):
    """Serves kg's pages and forwards everything else to the Oxigraph server at ``backend``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], backend: tuple[str, int], viewer: Path) -> None:
        super().__init__(address, _Handler)
        self.backend = backend
        self.viewer = viewer
        self.page = query_page()

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="kg-front", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: FrontServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass  # the terminal shows Oxigraph's own log; one line per request is noise

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _local(self) -> bool:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._send(200, self.server.page, "text/html; charset=utf-8")
            return True
        if path in ("/viewer", "/viewer/", "/graph.html"):
            viewer = self.server.viewer
            if viewer.is_file():
                self._send(200, viewer.read_bytes(), "text/html; charset=utf-8")
            else:
                message = (f"{viewer} does not exist: build without --no-html, or run "
                           f"`kg viz DIR -o {viewer}`").encode()
                self._send(404, message, "text/plain; charset=utf-8")
            return True
        return False

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["Host"] = "{}:{}".format(*self.server.backend)
        connection = http.client.HTTPConnection(*self.server.backend, timeout=600)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except OSError as exc:
            self._send(502, f"the Oxigraph server did not answer: {exc}".encode(), "text/plain")
            return
        finally:
            connection.close()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if not self._local():
            self._forward()

    def do_HEAD(self) -> None:  # noqa: N802
        if not self._local():
            self._forward()

    def do_POST(self) -> None:  # noqa: N802
        self._forward()

    def do_PUT(self) -> None:  # noqa: N802
        self._forward()

    def do_DELETE(self) -> None:  # noqa: N802
        self._forward()
