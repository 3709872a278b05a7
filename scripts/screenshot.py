"""Save a screenshot of a built graph's HTML, e.g. for docs/seed-graph.png.

Usage: python scripts/screenshot.py build/graph.html docs/seed-graph.png
Drives Debian's Chromium (/usr/bin/chromium) through Playwright, offline.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def main(html: str, png: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(Path(html).resolve().as_uri())
        page.wait_for_timeout(2500)
        page.screenshot(path=png)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
