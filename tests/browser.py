"""Headless Chromium for the viewer tests and the viz benchmark.

Debian's Chromium (``/usr/bin/chromium``) is driven through Playwright's sync API
instead of a Playwright-downloaded browser, so nothing is fetched at test time.
Without Chromium the browser tests skip with the reason, except under ``CI=true``
where a missing browser is a failure: CI must run them.

The viewer's Content Security Policy forbids ``eval``, so predicates passed to
``page.wait_for_function`` must be function strings (``"() => …"``), which
Playwright calls directly, not bare expressions, which it evaluates.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("KG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def require_chromium() -> None:
    """Skip (or fail under CI=true) when Chromium or Playwright is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found; install it with `apt-get install chromium`"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed; pip install playwright"
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {problem}")
    pytest.skip(problem)


@contextmanager
def chromium() -> Iterator[object]:
    """One headless Chromium for the duration of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_drawn(page, timeout_ms: int = 30_000) -> float:
    """Wait for the viewer's first drawing; return its time in ms since navigation start."""
    page.wait_for_function("() => window.__kgReady !== undefined", timeout=timeout_ms)
    return float(page.evaluate("window.__kgReady"))


def click_node(page, node_id: int, *, double: bool = False) -> None:
    """Click a drawn node where it is on screen, as a user would."""
    point = page.evaluate(
        """(id) => {
            const net = window.kgView.network;
            const dom = net.canvasToDOM(net.getPositions([id])[id]);
            const rect = document.getElementById('kg-network').getBoundingClientRect();
            return {x: rect.left + dom.x, y: rect.top + dom.y};
        }""",
        node_id,
    )
    if double:
        page.mouse.dblclick(point["x"], point["y"])
    else:
        page.mouse.click(point["x"], point["y"])
