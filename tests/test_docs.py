"""The README tells a new user how to start, and documents every command."""

from __future__ import annotations

import re

import pytest
import typer
from conftest import REPO_ROOT

from kg.cli import app

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_readme_starts_with_make_demo_and_make_test() -> None:
    lines = [line.strip() for line in README.splitlines() if line.strip()]
    # the title, then the first code block
    assert lines[0].startswith("# ")
    assert lines[1].startswith("```")
    assert lines[2].split("#", 1)[0].split() == ["make", "demo"], lines[2]
    assert lines[3].split("#", 1)[0].split() == ["make", "test"], lines[3]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    # `kg eval` must not be satisfied by `kg eval-ner`
    pattern = rf"\bkg {re.escape(command)}(?![\w-])"
    assert re.search(pattern, README), f"README.md does not mention `kg {command}`"


def test_readme_example_commands_exist() -> None:
    """Every `kg NAME` the README shows is a real command."""
    shown = set(re.findall(r"(?:^|[`\s/])kg ([a-z][a-z-]*)", README, flags=re.MULTILINE))
    assert shown, "the README shows no kg command"
    assert shown <= set(COMMANDS), shown - set(COMMANDS)


def test_the_notebook_is_committed_without_outputs():
    """The walkthrough runs in the suite (nbmake); what is committed is only its source."""
    import json

    notebook = json.loads((REPO_ROOT / "notebooks" / "walkthrough.ipynb").read_text("utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(code) >= 8
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
