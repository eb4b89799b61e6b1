"""`twins import` through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner, Result

from recorder.trace import read_jsonl
from tests.recorder.fixtures import govcr_yaml, ruby_vcr_yaml, vcrpy_yaml, write, write_har
from twins.cli import app


def run(*args: str) -> Result:
    """Invoke `twins import ARGS` (Typer runs a lone command without its name)."""
    commands = getattr(typer.main.get_command(app), "commands", {})
    prefix = ["import"] if "import" in commands else []
    return CliRunner().invoke(app, [*prefix, *args])


def inputs(folder: Path) -> list[Path]:
    return [
        write(folder, "oie-00.yaml", govcr_yaml()),
        write(folder, "jira_issue.yaml", vcrpy_yaml()),
        write(folder, "conversations_info.yml", ruby_vcr_yaml()),
        write_har(folder, "browser.har"),
    ]


def test_import_writes_trace_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "out" / "trace.jsonl"
    result = run(*map(str, inputs(tmp_path)), "-o", str(out))
    assert result.exit_code == 0, result.output
    exchanges = list(read_jsonl(out))
    assert len(exchanges) == 11
    assert [e.seq for e in exchanges] == list(range(11))
    assert {e.session for e in exchanges} == {"oie-00", "jira_issue", "conversations_info", "browser"}
    for expected in ("okta", "jira", "slack", "unknown", "total", "11", "go-vcr files", "har files"):
        assert expected in result.stdout
    assert [p.name for p in out.parent.iterdir()] == ["trace.jsonl"]  # no temp file left


def test_summary_counts_distinct_endpoints(tmp_path: Path) -> None:
    result = run(str(write(tmp_path, "oie-00.yaml", govcr_yaml())), "-o", str(tmp_path / "t.jsonl"))
    rows = {cells[0]: cells[1:] for cells in _table_rows(result.stdout)}
    assert rows["okta"] == ["3", "3"]  # GET users/{id}, POST groups, DELETE groups/{id}
    assert rows["total"] == ["3", "3"]
    assert rows["go-vcr files"] == ["1", ""]


def _table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]


def test_error_is_one_line_and_leaves_no_output(tmp_path: Path) -> None:
    good = write(tmp_path, "oie-00.yaml", govcr_yaml())
    bad = write(tmp_path, "broken.yaml", "interactions: [\n")
    out = tmp_path / "trace.jsonl"
    result = run(str(good), str(bad), "-o", str(out))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "broken.yaml: not valid YAML" in lines[0] and "; fix the YAML" in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml", "oie-00.yaml"]


def test_missing_input(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.har"), "-o", str(tmp_path / "t.jsonl"))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.har'}: no such file; check the path"


def test_existing_output_needs_append(tmp_path: Path) -> None:
    cassette = str(write(tmp_path, "oie-00.yaml", govcr_yaml()))
    out = tmp_path / "trace.jsonl"
    assert run(cassette, "-o", str(out)).exit_code == 0
    before = out.read_text("utf-8")

    refused = run(cassette, "-o", str(out))
    assert refused.exit_code == 1
    assert "already exists; pass --append" in refused.stderr
    assert out.read_text("utf-8") == before

    appended = run(cassette, "-o", str(out), "--append")
    assert appended.exit_code == 0, appended.output
    exchanges = list(read_jsonl(out))
    assert [e.seq for e in exchanges] == [0, 1, 2, 3, 4, 5]
    assert out.read_text("utf-8").startswith(before)


def test_append_drops_a_torn_last_line(tmp_path: Path) -> None:
    cassette = str(write(tmp_path, "oie-00.yaml", govcr_yaml()))
    out = tmp_path / "trace.jsonl"
    assert run(cassette, "-o", str(out)).exit_code == 0
    with out.open("a", encoding="utf-8") as handle:
        handle.write('{"v":1,"service":"ok')
    assert run(cassette, "-o", str(out), "--append").exit_code == 0
    assert len(list(read_jsonl(out))) == 6
    assert out.read_text("utf-8").endswith("\n")


def test_har_output(tmp_path: Path) -> None:
    out = tmp_path / "trace.har"
    result = run(str(write(tmp_path, "jira_issue.yaml", vcrpy_yaml())), "-o", str(out))
    assert result.exit_code == 0, result.output
    har = json.loads(out.read_text("utf-8"))
    assert [e["request"]["method"] for e in har["log"]["entries"]] == ["GET", "POST", "POST"]
    assert run(str(out), "-o", str(out), "--append").exit_code == 1
