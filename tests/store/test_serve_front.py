"""``kg serve`` as a user runs it: its pages work offline, and it stops with its Oxigraph child.

Each test starts the real command in a process of its own, on a free port,
and reads the Oxigraph child's pid from /proc (Linux).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import chromium, require_chromium

from kg.store.server import free_port

REPO = Path(__file__).resolve().parents[2]


def start_serve(directory: Path) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", str(directory), "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"kg serve exited: {process.stderr.read() if process.stderr else ''}")
        if listening(port) and children(process.pid) and serves_kg_page(port):
            return process, port
        time.sleep(0.1)
    process.kill()
    pytest.fail("kg serve did not listen within 30 s")


def serves_kg_page(port: int) -> bool:
    """Whether kg's own front answers on ``port`` (not just anything listening there)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
            return b"kg SPARQL" in answer.read()
    except OSError:
        return False


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def wait_gone(pid: int, port: int, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid) and not listening(port):
            return
        time.sleep(0.05)
    pytest.fail(f"pid {pid} alive={alive(pid)}, port {port} open={listening(port)}")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL])
def test_stopping_kg_serve_stops_oxigraph(seed_build: Path, how: signal.Signals) -> None:
    process, port = start_serve(seed_build)
    [oxigraph] = children(process.pid)
    backend = next(
        int(arg.rsplit(":", 1)[1])
        for arg in Path(f"/proc/{oxigraph}/cmdline").read_text().split("\0") if ":" in arg
    )
    assert listening(backend)
    process.send_signal(how)
    process.wait(timeout=10)
    wait_gone(oxigraph, backend)
    assert not listening(port)
    if how != signal.SIGKILL:
        assert process.returncode == 0, process.stderr.read() if process.stderr else ""


@pytest.mark.browser
def test_the_root_page_works_offline_in_chromium(seed_build: Path) -> None:
    require_chromium()
    process, port = start_serve(seed_build)
    base = f"http://127.0.0.1:{port}"
    try:
        with urllib.request.urlopen(f"{base}/query?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D") as answer:
            assert b"true" in answer.read()
        requests: list[str] = []
        with chromium() as browser:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(f"{base}/")
            page.select_option("#named", "mentions")
            page.fill("input[data-param=name]", "枫泾镇")
            page.click("#run")
            page.wait_for_function("() => document.body.dataset.rows !== undefined")
            assert page.evaluate("document.body.dataset.rows") not in ("0", "error"), (
                page.inner_text("#error"))
            assert "枫泾镇" in page.inner_text("#results")
            assert "kg:" in page.input_value("#sparql")  # the prefixes are known
            page.goto(f"{base}/viewer")
            page.wait_for_function("() => window.__kgReady !== undefined", timeout=30_000)
        outside = [url for url in requests
                   if not url.startswith((base, "data:", "blob:", "about:"))]
        assert requests and not outside, outside
    finally:
        process.terminate()
        process.wait(timeout=10)
