"""The command line: help with examples, exit codes, one-line errors.

Commands run in-process through ``typer.testing.CliRunner`` (fast, and the
library is the same); ``python -m kg`` runs as a real subprocess once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from conftest import REPO_ROOT, SEED_GOLD
from typer.testing import CliRunner, Result

from kg.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def run(*args: str) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_one_line_error(result: Result, *names: str) -> str:
    """Exit code 1 and exactly one ``error:`` line on stderr that names each of ``names``."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = error_lines(result)
    assert len(lines) == 1, lines
    [line] = lines
    assert line.startswith("error: "), line
    for name in names:
        assert name in line, (name, line)
    assert "Traceback" not in result.output
    return line


def test_the_expected_commands_exist() -> None:
    assert {"build", "query", "viz", "validate", "eval", "remove", "stats", "export", "serve",
            "train-ner", "eval-ner"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.stdout
    example = result.stdout.split("Example:", 1)[1].split()
    assert example[:2] == ["kg", command], example[:4]


def test_top_level_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_python_dash_m_kg_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "--help"], capture_output=True, text=True, timeout=120,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and "build" in done.stdout


# --------------------------------------------------------------------------- success


def test_query_succeeds_in_every_format(seed_build: Path) -> None:
    table = run("query", seed_build, "--named", "cross-regional-alliances")
    assert table.exit_code == 0, table.output
    assert "长三角产业集群联盟" in table.stdout and "平湖市" in table.stdout

    csv_result = run("query", seed_build, "--named", "entities", "--format", "csv")
    assert csv_result.exit_code == 0
    assert "枫泾镇" in csv_result.stdout

    sparql = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/kg-zh/ontology#Township> }"
    as_json = run("query", seed_build, sparql, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    bindings = json.loads(as_json.stdout)["results"]["bindings"]
    assert int(bindings[0]["n"]["value"]) >= 4


def test_query_plan_prints_the_reordered_query(seed_build: Path) -> None:
    mentions, located = "?m kg:mentionOf ?e .", "?e kg:locatedIn ?place ."
    province = "?place kg:province ?p ."
    sparql = (f"SELECT ?p (COUNT(?m) AS ?n) WHERE {{\n  {mentions}\n  {located}\n"
              f"  {province}\n}} GROUP BY ?p")
    planned = run("query", seed_build, sparql, "--plan")
    assert planned.exit_code == 0, planned.output
    lines = [line.strip() for line in planned.stdout.splitlines()]
    # mentions outnumber places: the mentions pattern moves last
    assert lines[1:4] in ([located, province, mentions], [province, located, mentions])
    # a one-step path in parentheses means the same but is sent as written
    as_written = sparql.replace("kg:province", "(kg:province)")
    assert run("query", seed_build, as_written, "--plan").stdout.strip() == as_written
    answers = [sorted(run("query", seed_build, text, "--format", "csv").stdout.splitlines())
               for text in (sparql, as_written)]
    assert answers[0] == answers[1] and len(answers[0]) >= 2
    refused = run("query", "--endpoint", "http://127.0.0.1:9", sparql, "--plan")
    assert refused.exit_code != 0 and "--plan" in refused.output
    named = run("query", seed_build, "--named", "evidence", "--param", "name=枫泾镇", "--plan")
    assert named.exit_code == 0 and "?statement a kg:Statement" in named.stdout
    assert_one_line_error(run("query", seed_build, "--named", "evidence", "--plan"), "name")


def test_query_with_a_parameter(seed_build: Path) -> None:
    result = run("query", seed_build, "--named", "evidence", "--param", "name=枫泾镇",
                 "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "长三角产业集群联盟" in result.stdout


def test_validate_and_eval_succeed_on_the_seed(seed_build: Path) -> None:
    validated = run("validate", seed_build)
    assert validated.exit_code == 0, validated.output
    assert "conforms" in validated.stdout

    scored = run("eval", SEED_GOLD, seed_build, "--no-misses")
    assert scored.exit_code == 0, scored.output
    assert "entities typed" in scored.stdout


def test_remove_deletes_one_document(tmp_path: Path) -> None:
    records = tmp_path / "two.jsonl"
    records.write_text(
        '{"id": "one", "text": "江苏省苏州市吴中区木渎镇举行项目签约仪式。"}\n'
        '{"id": "two", "text": "浙江省嘉兴市嘉善县西塘镇举办文化节。"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert run("build", records, "-o", out, "--no-html").exit_code == 0
    removed = run("remove", out, "one")
    assert removed.exit_code == 0, removed.output
    listed = run("query", out, "--named", "documents", "--format", "csv")
    assert "doc/two" in listed.stdout and "doc/one" not in listed.stdout
    assert_one_line_error(run("remove", out, "one"), "one")


# --------------------------------------------------------------------------- errors


def test_unknown_named_query(seed_build: Path) -> None:
    line = assert_one_line_error(run("query", seed_build, "--named", "no-such-query"),
                                 "no-such-query")
    assert "cross-regional-alliances" in line, "the message lists the known queries"


def test_bad_format(seed_build: Path) -> None:
    assert_one_line_error(run("query", seed_build, "--named", "entities", "--format", "xml"),
                          "xml", "table")


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for command in (["query", missing, "--named", "entities"], ["validate", missing],
                    ["stats", missing]):
        assert_one_line_error(run(*command), str(missing))
    assert not missing.exists(), "a read command must not create the directory"


def test_sparql_syntax_error(seed_build: Path) -> None:
    line = assert_one_line_error(run("query", seed_build, "SELECT ?x WHERE { ?x "), "syntax")
    assert len(line) < 2000


def test_missing_query_argument(seed_build: Path) -> None:
    assert_one_line_error(run("query", seed_build), "--named")


def test_unknown_parameter_of_a_named_query(seed_build: Path) -> None:
    assert_one_line_error(
        run("query", seed_build, "--named", "evidence", "--param", "colour=red"), "colour"
    )


def test_missing_input_file_of_build(tmp_path: Path) -> None:
    result = run("build", tmp_path / "absent.txt", "-o", tmp_path / "out", "--no-html")
    assert result.exit_code == 1
    [line] = [x for x in error_lines(result) if x.startswith("error:")]
    assert str(tmp_path / "absent.txt") in line


def test_build_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    target.write_text("not a directory", encoding="utf-8")
    source = tmp_path / "a.txt"
    source.write_text("江苏省苏州市吴中区木渎镇举行项目签约仪式。", encoding="utf-8")
    assert_one_line_error(run("build", source, "-o", target, "--no-html"), str(target))


def test_remove_finds_a_document_by_a_non_ascii_id(tmp_path: Path) -> None:
    records = tmp_path / "one.jsonl"
    records.write_text('{"id": "吴中-1", "text": "江苏省苏州市吴中区木渎镇举行项目签约仪式。"}\n',
                       encoding="utf-8")
    out = tmp_path / "out"
    assert run("build", records, "-o", out, "--no-html").exit_code == 0
    removed = run("remove", out, "吴中-1")
    assert removed.exit_code == 0, removed.output
