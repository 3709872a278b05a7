"""The house shows the pipeline: data flows down the stages and no stage imports a later one.

The stages, in the order a document goes through them (docs/architecture.md):

    foundations (kg, kg.errors, kg.model, kg.resources, kg.base)
    → kg.read → kg.extract → kg.graph → kg.store → kg.explore
    → the orchestrators (kg.build, kg.remove, kg.evaluate) → kg.cli

A module may import its own stage and the stages before it, never one after.
The check reads every module's source, so an import inside a function (kg
imports lazily to start fast) counts as much as one at the top.
"""

from __future__ import annotations

import ast
import importlib
import shutil
from pathlib import Path

import pytest

KG_DIR = Path(__file__).resolve().parents[1] / "kg"

#: Each stage, by the dotted prefixes of its modules, in the order data flows.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundations", ("kg", "kg.errors", "kg.model", "kg.resources", "kg.base")),
    ("read", ("kg.read",)),
    ("extract", ("kg.extract",)),
    ("graph", ("kg.graph",)),
    ("store", ("kg.store",)),
    ("explore", ("kg.explore",)),
    ("orchestrators", ("kg.build", "kg.remove", "kg.evaluate")),
    ("command line", ("kg.cli", "kg.__main__")),
)
#: What ``kg/`` may hold at its top besides its packages.
MAX_TOP_LEVEL_MODULES = 8
MAX_MODULE_LINES = 600
#: Files that are word lists, which the line limit leaves aside.
WORD_LISTS = frozenset({"kg/extract/lexicon.py"})


def stage_of(module: str) -> int:
    """The index in :data:`STAGES` of the stage ``module`` belongs to (the longest prefix wins)."""
    best, best_length = None, -1
    for index, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if best is None:
        raise AssertionError(f"{module} belongs to no stage: add it to STAGES")
    return best


def module_name(path: Path, root: Path) -> str:
    """``kg/read/clean.py`` → ``kg.read.clean``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, importer: str) -> list[tuple[int, str]]:
    """Every ``kg`` module ``source`` imports, with its line, wherever the import statement is."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importer's package
                base = importer.split(".")[: -node.level]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from kg.store import query`` imports the module kg.store.query
            found += [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return [(line, m) for line, m in found if m == "kg" or m.startswith("kg.")]


def upward_imports(root: Path) -> list[str]:
    """One line per import of a later stage by an earlier one, in the package at ``root``."""
    known = {module_name(p, root) for p in root.rglob("*.py")}
    problems = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(path, root)
        for line, imported in imported_modules(path.read_text(encoding="utf-8"), importer):
            if imported not in known:
                continue  # a name imported from a module, not a module
            if stage_of(imported) > stage_of(importer):
                problems.append(
                    f"{path.relative_to(root.parent)}:{line}: {importer} "
                    f"({STAGES[stage_of(importer)][0]}) imports {imported} "
                    f"({STAGES[stage_of(imported)][0]})"
                )
    return problems


def all_modules() -> list[str]:
    return sorted(module_name(p, KG_DIR) for p in KG_DIR.rglob("*.py"))


def test_every_module_imports() -> None:
    """Nothing is left behind by a move: every module of kg/ imports on its own."""
    for name in all_modules():
        if name == "kg.__main__":
            continue  # runs the command line when imported
        importlib.import_module(name)


def test_no_stage_imports_a_later_one() -> None:
    problems = upward_imports(KG_DIR)
    assert not problems, "imports against the flow of data:\n" + "\n".join(problems)


def test_a_planted_upward_import_is_caught(tmp_path: Path) -> None:
    """The check is not vacuous: reading code importing the viewer is reported, with its line."""
    copy = tmp_path / "kg"
    shutil.copytree(KG_DIR, copy, ignore=shutil.ignore_patterns("models", "assets", "__pycache__"))
    assert upward_imports(copy) == []
    clean = copy / "read" / "clean.py"
    lines = clean.read_text(encoding="utf-8").splitlines(keepends=True)
    planted = (
        "\n\ndef _planted():\n"
        "    from kg.explore.viz import write_html\n\n"
        "    return write_html\n"
    )
    lines.append(planted)
    clean.write_text("".join(lines), encoding="utf-8")
    problems = upward_imports(copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"kg/read/clean.py:{len(lines) + 3}: kg.read.clean (read)")
    assert problems[0].endswith("imports kg.explore.viz (explore)")


@pytest.mark.parametrize(
    ("importer", "imported", "upward"),
    [
        ("kg.read.clean", "kg.model", False),
        ("kg.extract.pipeline", "kg.read.normalise", False),
        ("kg.graph.document", "kg.extract.gazetteer", False),
        ("kg.extract.components", "kg.graph.terms", True),
        ("kg.store.merge", "kg.explore.netgraph", True),
        ("kg.base.vocab", "kg.read.normalise", True),
        ("kg.build", "kg.cli", True),
    ],
)
def test_stage_order(importer: str, imported: str, upward: bool) -> None:
    assert (stage_of(imported) > stage_of(importer)) is upward


def test_the_top_of_kg_holds_few_modules_and_every_stage_is_a_package() -> None:
    top = sorted(p.name for p in KG_DIR.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    for _, prefixes in STAGES[1:6]:
        package = KG_DIR / prefixes[0].split(".", 1)[1]
        assert (package / "__init__.py").is_file(), package
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "must not import" in doc.lower(), f"{package}/__init__.py: say what it " \
            "takes in, gives out and must not import"


def test_no_module_is_longer_than_a_sitting() -> None:
    too_long = []
    for path in sorted(KG_DIR.rglob("*.py")):
        relative = path.relative_to(KG_DIR.parent).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if relative not in WORD_LISTS and lines > MAX_MODULE_LINES:
            too_long.append(f"{relative}: {lines} lines")
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"
