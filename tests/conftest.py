"""Shared fixtures: where the repository and the shared data are, and one seed build.

Building the seed loads spaCy, jieba and the gazetteer (several seconds), so it
happens once per test session through the library (``kg.build.build``), and
the end-to-end tests read the same graph directory. Tests that change a graph
directory build their own in ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
SEEDS = REPO_ROOT / "seeds"
SEED_FILE = SEEDS / "000_7df76e14de67d081.txt"
SEED_GOLD = SHARED / "eval" / "seed.gold.json"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph directory built from ``seeds/`` (graph.ttl, graph.trig, graph.html, store/).

    Read it, do not change it: every end-to-end test of the session shares it.
    """
    from kg.build import build

    out = tmp_path_factory.mktemp("seed-build")
    report = build([SEEDS], out, write_html=True)
    assert report.ok, [str(f) for f in report.failures]
    assert report.built == 1
    return out


@pytest.fixture(scope="session")
def seed_graph(seed_build: Path) -> Graph:
    """The union graph of the seed build, as rdflib reads it from the store."""
    from kg.store.graphstore import GraphStore

    with GraphStore.open(seed_build, create=False, read_only=True) as store:
        return store.rdflib_graph()
