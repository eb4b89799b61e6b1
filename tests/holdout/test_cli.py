"""`twins holdout` commands: validate, run (directory, sealed, sharded, running twins), report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from holdout import sealed
from tests.holdout.test_engine import PASSING, STORY
from tests.support.servers import serve_app
from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.cli import app
from twins.registry import load

runner = CliRunner()


def suite(tmp_path: Path, count: int = 2) -> Path:
    folder = tmp_path / "suite"
    folder.mkdir()
    for i in range(count):
        (folder / f"s{i}.yaml").write_text(STORY.format(name=f"story {i}", expect=PASSING))
    return folder


def test_validate_reports_file_line_and_problem(tmp_path: Path) -> None:
    folder = suite(tmp_path)
    assert runner.invoke(app, ["holdout", "validate", str(folder)]).output.strip() == "2 scenarios valid"
    (folder / "s1.yaml").write_text(STORY.format(name="x", expect=PASSING).replace("count: 1", "count: many"))
    done = runner.invoke(app, ["holdout", "validate", str(folder)])
    assert done.exit_code == 2
    assert f"{folder / 's1.yaml'}:18: " in " ".join(done.output.split())


def test_run_shards_and_records_history_then_report_charts_it(tmp_path: Path) -> None:
    folder = suite(tmp_path, 3)
    db, out = tmp_path / "h.db", tmp_path / "public.json"
    for shard in ("1/2", "2/2"):
        done = runner.invoke(
            app,
            ["holdout", "run", str(folder), "--trials", "1", "--settle", "0", "--shard", shard,
             "--json", str(out), "--history", str(db), "--commit", f"c-{shard[0]}"],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        assert json.loads(out.read_text())["scenarios"] == (2 if shard == "1/2" else 1)
    page = tmp_path / "h.html"
    done = runner.invoke(app, ["holdout", "report", "--history", str(db), "-o", str(page)])
    assert done.exit_code == 0 and "2 runs, 3 scenarios" in done.output
    assert "<svg" in page.read_text()


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    folder = suite(tmp_path, 1)
    for extra in (["--shard", "3/2"], ["--fault-profile", "meteor"], ["--twins-url", "slack"]):
        done = runner.invoke(app, ["holdout", "run", str(folder), "--no-history", *extra])
        assert done.exit_code == 2, (extra, done.output)
    assert runner.invoke(app, ["holdout", "run", str(tmp_path / "nothing")]).exit_code == 2


def test_an_invalid_sealed_suite_names_only_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = sealed.new_key()
    monkeypatch.setenv(sealed.KEY_ENV, key)
    sealed_file = tmp_path / "suite.sealed"
    bad = STORY.format(name="hidden-name", expect=PASSING).replace("as: ann", "as: zelda")
    payload = {"format": sealed.FORMAT, "version": 1, "files": {"x.yaml": bad}}
    from cryptography.fernet import Fernet

    sealed_file.write_bytes(Fernet(key.encode()).encrypt(json.dumps(payload).encode()))
    done = runner.invoke(app, ["holdout", "run", str(sealed_file), "--no-history"])
    assert done.exit_code == 2 and "x.yaml:15" in done.output
    assert "zelda" not in done.output and "hidden-name" not in done.output


@pytest.fixture
def running_twins() -> Iterator[dict[str, str]]:
    apps = [make("slack"), make("okta")]
    with serve_app(apps[0]) as slack_url, serve_app(apps[1]) as okta_url:
        yield {"slack": slack_url, "okta": okta_url}
    for twin in apps:
        twin.state.twin.store.stop()


def make(name: str) -> FastAPI:
    settings = Settings.from_env(db_url=":memory:", admin_token="tok-1", rate_limits="off")
    return build_app(load(name), settings)


def test_run_against_twins_already_running_with_the_admin_token(
    tmp_path: Path, running_twins: dict[str, str]
) -> None:
    folder = suite(tmp_path, 1)
    args = ["holdout", "run", str(folder), "--trials", "2", "--settle", "0", "--no-history"]
    for name, url in running_twins.items():
        args += ["--twins-url", f"{name}={url}"]
    wrong = runner.invoke(app, [*args, "--admin-token", "wrong"])
    assert wrong.exit_code == 2 and "admin token is wrong" in wrong.output
    done = runner.invoke(app, [*args, "--admin-token", "tok-1"])
    assert done.exit_code == 0, done.output
    assert "PASS" in done.output and "2/2 trials" in done.output
