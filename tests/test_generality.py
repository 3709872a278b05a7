"""kg/ must not know the articles it is scored on.

The extractor is judged on articles nobody here has seen, so its knowledge has
to come from general rules, the gazetteer and the trained model. This test
reads every entity name of the seed's and the dev set's reference annotations
and fails when one of them is written anywhere in kg/'s code or data (the
trained model's files aside: they hold MSRA's vocabulary, not ours).

A few names are general vocabulary that any rule set for this genre has to
write, and are allowed by kind, not by article: provinces (level-1 divisions
of the official list), the region named in the issue itself (长三角), head
words that close a name (党建联盟, 联合党委, 镇党委) and national news sites that scraped pages
carry in their chrome.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SHARED

KG_DIR = Path(__file__).resolve().parents[1] / "kg"
SOURCE_SUFFIXES = {".py", ".cfg", ".json", ".txt", ".md", ".rq", ".ttl", ".toml"}

#: General vocabulary that also happens to be annotated in some article.
GENERAL_WORDS = {
    "长三角", "党建联盟", "联合党委", "联村党委", "镇党委", "人民网", "人民網", "新华网",
}


def gold_names() -> set[str]:
    names: set[str] = set()
    dev = sorted((SHARED / "eval" / "dev").glob("*.gold.json"))
    files = [SHARED / "eval" / "seed.gold.json", *dev]
    for path in files:
        for entity in json.loads(path.read_text(encoding="utf-8"))["entities"]:
            names.update(entity.get(key) or "" for key in ("text", "surface", "canonical"))
            names.update(entity.get("aliases", []))
    return {name for name in names if len(name) >= 3}


def allowed(name: str) -> bool:
    from kg.extract.gazetteer import PROVINCE, get_gazetteer

    if name in GENERAL_WORDS:
        return True
    return any(d.level == PROVINCE for d in get_gazetteer().candidates(name))


def kg_files() -> list[Path]:
    return [
        path
        for path in sorted(KG_DIR.rglob("*"))
        if path.is_file() and path.suffix in SOURCE_SUFFIXES and "models" not in path.parts
    ]


def test_reference_annotations_are_there_to_check_against():
    if not (SHARED / "eval" / "seed.gold.json").is_file():
        pytest.fail(f"{SHARED / 'eval'} is missing: the generality check needs the annotations")
    assert len(gold_names()) > 100


def names_written_in(files: list[Path], names: list[str]) -> list[str]:
    """``file: name`` for every name some file's text contains."""
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path}: {name}" for name in names if name in text]
    return found


def test_no_seed_or_dev_entity_is_named_in_kg():
    names = sorted(n for n in gold_names() if not allowed(n))
    found = names_written_in(kg_files(), names)
    assert not found, "article entities named in kg/:\n" + "\n".join(found)


def test_the_scan_catches_a_name_planted_in_a_rule_file(tmp_path: Path):
    names = sorted(n for n in gold_names() if not allowed(n))
    planted = tmp_path / "rules.py"
    planted.write_text(f"KNOWN_PLACES = [{names[0]!r}]\n", encoding="utf-8")
    clean = tmp_path / "other.py"
    clean.write_text("SUFFIXES = ['镇', '街道']\n", encoding="utf-8")
    found = names_written_in([planted, clean], names)
    assert f"{planted}: {names[0]}" in found
    assert not [line for line in found if line.startswith(str(clean))]
