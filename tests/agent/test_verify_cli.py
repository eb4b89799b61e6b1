"""`twins verify` end to end: a twin folder and a built-in twin replayed against recordings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.parity.conftest import REFERENCE
from twins.cli import app

HERE = Path(__file__).parent
NOTES_TWIN = HERE / "notes_twin"
RECORDINGS = HERE / "recordings"
SLACK_CASSETTES = REFERENCE / "slack" / "slack-ruby-client" / "spec" / "fixtures" / "slack" / "web"
TWINS = [sys.executable, "-c", "from twins.cli import main; main()"]  # the `twins` command
runner = CliRunner()


def test_a_twin_folder_is_verified_through_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    markdown = tmp_path / "report.md"
    reports = ["--json", str(out), "--markdown", str(markdown), "--fail-under", "0.9"]
    result = subprocess.run(
        [*TWINS, "verify", "--twin", str(NOTES_TWIN), "--traces", str(RECORDINGS), *reports],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert result.returncode == 1, result.stderr  # 87.5% is under --fail-under 0.9
    assert "notes fidelity 87.5% (7/8 replayed exchanges match" in result.stdout
    assert "status 201 recorded, 200 from the twin" in result.stdout
    assert "GET /users/octo (1)" in result.stdout  # the recording the twin cannot serve
    assert "below --fail-under 90%" in result.stderr
    report = json.loads(out.read_text())
    assert report["service"] == "notes" and report["fidelity"] == 7 / 8
    assert report["endpoints"]["POST /notes"]["fidelity"] == 0
    assert report["endpoints"]["PATCH /notes/{id}"]["fidelity"] == 1
    failed = [o for r in report["recordings"] for o in r["outcomes"] if not o["passed"]]
    assert [(o["seq"], o["differences"]) for o in failed] == [(1, ["status 201 recorded, 200 from the twin"])]
    assert "- note_lifecycle #1 `POST /notes`: status 201 recorded, 200 from the twin" in markdown.read_text()


def test_positional_recordings_and_a_value_mismatch(tmp_path: Path) -> None:
    cassette = yaml.safe_load((RECORDINGS / "note_lifecycle.yaml").read_text())
    answer = cassette["interactions"][2]["response"]["body"]  # GET /notes/1 after the create
    answer["string"] = answer["string"].replace('"open"', '"closed"')
    recording = tmp_path / "edited.yaml"
    recording.write_text(yaml.safe_dump(cassette))
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["verify", "--twin", str(NOTES_TWIN), str(recording), "--json", str(out)])
    assert result.exit_code == 0, result.output
    outcomes = json.loads(out.read_text())["recordings"][0]["outcomes"]
    assert outcomes[2]["differences"] == ["`state`: 'closed' recorded, 'open' from the twin"]


def test_an_unrecognised_twin_or_recording_is_a_one_line_error(tmp_path: Path) -> None:
    no_twin = runner.invoke(app, ["verify", "--traces", str(RECORDINGS)])
    assert no_twin.exit_code == 2 and "name a twin" in no_twin.output
    both = runner.invoke(app, ["verify", "okta", "--twin", str(NOTES_TWIN), "--traces", str(RECORDINGS)])
    assert both.exit_code == 2 and "not both" in both.output
    unknown = runner.invoke(app, ["verify", "acme", "--traces", str(RECORDINGS)])
    assert unknown.exit_code == 2 and "unknown service 'acme'" in unknown.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [\n")
    bad = runner.invoke(app, ["verify", "--twin", str(NOTES_TWIN), "--traces", str(broken)])
    assert bad.exit_code == 2 and "not valid YAML" in bad.output
    none = runner.invoke(app, ["verify", "--twin", str(NOTES_TWIN), "--traces", str(tmp_path / "empty")])
    assert none.exit_code == 2


@pytest.mark.reference
def test_a_builtin_twin_is_verified_with_its_vendor_profile(tmp_path: Path) -> None:
    cassettes = sorted(SLACK_CASSETTES.glob("*.yml"))[:3] if SLACK_CASSETTES.is_dir() else []
    if not cassettes:
        pytest.skip(f"no cassettes under {SLACK_CASSETTES}")
    out = tmp_path / "slack.json"
    result = runner.invoke(app, ["verify", "slack", *map(str, cassettes), "--json", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["service"] == "slack" and report["figures"]["recordings"] == 3
    assert report["fidelity"] == 1.0, result.output
    assert "slack fidelity 100.0%" in result.output
