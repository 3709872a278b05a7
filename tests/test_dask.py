"""Parallel and distributed extraction (issue 6): the same graph however it is computed.

``--workers 2`` runs two local processes; ``--dask`` sends batches to a real
``distributed.LocalCluster`` of two worker processes on the loopback
interface, started here and stopped at the end. Both must give graph.ttl and
graph.trig byte for byte equal to a build in one process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_incremental import graph_files, run, write_news
from typer.testing import CliRunner

from kg.cli import app


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_news(tmp_path_factory.mktemp("news") / "docs")


@pytest.fixture(scope="module")
def single_process(docs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("one") / "g"
    assert run([docs], out).built == 4
    return out


def test_two_worker_processes_give_the_same_graph(docs: Path, single_process: Path, tmp_path):
    out = tmp_path / "g"
    assert run([docs], out, workers=2).built == 4
    assert graph_files(out) == graph_files(single_process)


def test_a_dask_cluster_gives_the_same_graph(docs: Path, single_process: Path, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "g"
        result = CliRunner().invoke(
            app, ["build", str(docs), "-o", str(out), "--dask", address, "--no-html"]
        )
        assert result.exit_code == 0, result.output
        assert "documents: 4 built, 0 unchanged, 0 failed" in result.output
        with Client(address) as client:
            # the pipeline was loaded at most once in each worker process
            loads = client.run(
                lambda: __import__("kg.extract.pipeline", fromlist=["default_pipeline"])
                .default_pipeline.cache_info().misses
            )
            assert len(loads) == 2 and set(loads.values()) <= {0, 1}
            assert sum(loads.values()) >= 1
    assert graph_files(out) == graph_files(single_process)


def test_an_unreachable_scheduler_is_a_clear_error(docs: Path, tmp_path):
    result = CliRunner().invoke(
        app, ["build", str(docs), "-o", str(tmp_path / "g"), "--dask", "tcp://127.0.0.1:9",
              "--no-html"]
    )
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
