"""The walkthrough runs from any working directory, and says how to fix it when it cannot.

nbmake runs ``notebooks/walkthrough.ipynb`` with the kernel in the notebook's own folder,
as Jupyter does, so it cannot show what happens anywhere else. These tests start the
kernel in ``tmp_path`` (nbclient's ``metadata.path``), the way papermill or a script
running the notebook from another folder would, and control the two ways the notebook
has of finding the repository: ``KG_REPO`` and Jupyter Server's ``JPY_SESSION_NAME``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import REPO_ROOT
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK = REPO_ROOT / "notebooks" / "walkthrough.ipynb"


def run(cwd: Path, *, first_cell_only: bool = False) -> str:
    """Execute the notebook (or only its first code cell) in ``cwd``; the cells' text output."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    if first_cell_only:
        first = next(c for c in notebook.cells if c.cell_type == "code")
        notebook.cells = [first, nbformat.v4.new_code_cell("print('ROOT =', ROOT)")]
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(cwd)}}).execute()
    return "".join(
        output.get("text", "")
        for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.outputs
    )


@pytest.fixture
def no_location(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment that names no notebook and no repository (the test sets what it needs)."""
    monkeypatch.delenv("KG_REPO", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    return monkeypatch


def test_the_whole_notebook_runs_from_another_folder_with_kg_repo(tmp_path, no_location):
    no_location.setenv("KG_REPO", str(REPO_ROOT))
    output = run(tmp_path)
    assert f"repository: {REPO_ROOT}" in output
    assert "documents built: 4 failed: 0" in output  # the corpus it writes itself
    assert list(tmp_path.iterdir()) == []  # it writes into a folder of its own, not the cwd


def test_it_finds_itself_from_jupyter_servers_session_name(tmp_path, no_location):
    no_location.setenv("JPY_SESSION_NAME", str(NOTEBOOK))
    assert f"ROOT = {REPO_ROOT}" in run(tmp_path, first_cell_only=True)


def test_it_finds_the_repository_above_its_own_folder(no_location):
    assert f"ROOT = {REPO_ROOT}" in run(NOTEBOOK.parent, first_cell_only=True)


def test_without_a_location_it_says_how_to_fix_it(tmp_path, no_location):
    with pytest.raises(CellExecutionError) as failure:
        run(tmp_path, first_cell_only=True)
    assert failure.value.ename == "FileNotFoundError"
    message = failure.value.evalue
    assert message.startswith("cannot find the kg repository: no kg checkout at or above ")
    assert str(tmp_path.resolve()) in message and "set KG_REPO" in message


def test_a_kg_repo_that_is_no_repository_is_named(tmp_path, no_location):
    no_location.setenv("KG_REPO", str(tmp_path))
    with pytest.raises(CellExecutionError) as failure:
        run(REPO_ROOT, first_cell_only=True)  # an explicit KG_REPO wins over the cwd
    assert failure.value.ename == "FileNotFoundError"
    assert failure.value.evalue.startswith(f"KG_REPO={tmp_path} is not a kg repository")
