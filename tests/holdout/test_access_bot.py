"""End to end through the CLI a user types: the example access bot against its visible suite,
sealed; the flawed build scored below the threshold; the bot as a subprocess. The public outputs
and every log are checked for scenario content."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from holdout import sealed
from tests.holdout.test_scenario import EXAMPLES

ROOT = EXAMPLES.parents[1]
TWINS = [sys.executable, "-c", "from twins.cli import main; main()"]
# Trials at once. They share one process: six at once each got a sixth of it while their steps'
# deadlines ran, which a busy machine turned into timeouts. Three beside three processes that keep
# both cores busy took at most 5 s for a step whose deadline is 15 s (the bot's first start, 19 s,
# is under the app's 60 s). The flawed build's run has four: its trials mostly wait (out its
# failing expectations, its failing steps' deadlines), and only a few of its verdicts are checked.
PARALLEL = "3"
FLAWED_PARALLEL = "4"
# The one scenario the flawed build fails by waiting out a step's deadline (it drops the
# confirmation Slack rate-limited, so the channel never hears it): that last wait is cut to this,
# since how long a wait for a message that never comes lasts tells nothing more.
GIVE_UP = "slack 429 on the confirmation"
GIVE_UP_WAIT = 5


def twins_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TWINS, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )


def leaves(value: Any, skip: tuple[str, ...] = ("tags", "twins", "version")) -> list[str]:
    """Every string a scenario holds (names, texts, channels, groups, paths...), not its tags."""
    if isinstance(value, dict):
        return [
            s
            for k, v in value.items()
            if k not in skip
            for s in [*leaves(v), *([k] if k in ("people",) else [])]
        ] + [k for k in (value.get("people") or {})]
    if isinstance(value, list):
        return [s for v in value for s in leaves(v)]
    return [value] if isinstance(value, str) else []


def content_of(directory: Path) -> set[str]:
    """Strings of the suite a public report must not show (tags are public: per-tag satisfaction)."""
    found: set[str] = set()
    tags: set[str] = set()
    for path in directory.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        found |= {s for s in leaves(data) if len(s) >= 4}
        tags |= set(data.get("tags") or [])
    return found - tags


def test_the_sealed_suite_passes_the_bot_and_public_outputs_hold_no_scenario_content(tmp_path: Path) -> None:
    key = sealed.new_key()
    env = {sealed.KEY_ENV: key}
    suite = tmp_path / "suite.sealed"
    done = twins_cli("holdout", "seal", str(EXAMPLES), "-o", str(suite), env=env)
    assert done.returncode == 0, done.stderr
    public = {name: tmp_path / name for name in ("public.json", "junit.xml", "summary.md")}
    done = twins_cli(
        "holdout", "run", str(suite), "--trials", "1", "--parallel", PARALLEL, "--threshold", "0.9",
        "--json", str(public["public.json"]), "--junit", str(public["junit.xml"]),
        "--markdown", str(public["summary.md"]), "--private-report", str(tmp_path / "private.json"),
        "--history", str(tmp_path / "history.db"), "--commit", "abc123",
        env=env,
    )  # fmt: skip
    report = json.loads(public["public.json"].read_text())
    private = json.loads((tmp_path / "private.json").read_text())
    failing = [s for s in private["by_scenario"] if s["satisfaction"] < 1]
    assert done.returncode == 0, (done.stdout, failing)
    assert report["verdict"] == "pass" and report["satisfaction"] >= 0.9 and report["scenarios"] >= 10
    assert "PASS" in done.stdout
    secrets = content_of(EXAMPLES)
    assert {"grant after approval", "access-requests", "data-warehouse", "dana"} <= secrets
    with sqlite3.connect(tmp_path / "history.db") as db:
        history = "\n".join(str(row) for row in db.execute("SELECT * FROM scenario_runs"))
    outputs = {**{k: p.read_text() for k, p in public.items()}, "stdout": done.stdout, "stderr": done.stderr}
    outputs["history"] = history
    for name, text in outputs.items():
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{name} reveals {leaked}"
    names = {s["name"] for s in private["by_scenario"]}
    assert names >= {"grant after approval", "approver denies", "grant tracked in jira"}


def with_last_wait(scenario: dict[str, Any], seconds: int) -> dict[str, Any]:
    """The scenario with its last step, a wait, given `seconds` at most."""
    *steps, last = scenario["steps"]
    assert "wait" in last, last
    return {**scenario, "steps": [*steps, {"wait": {**last["wait"], "timeout": seconds}}]}


def flawed_build_suite(directory: Path) -> Path:
    """The example suite, with the wait the flawed build can only time out in cut short."""
    directory.mkdir()
    for path in EXAMPLES.glob("*.yaml"):
        scenario = yaml.safe_load(path.read_text())
        if scenario["name"] == GIVE_UP:
            scenario = with_last_wait(scenario, GIVE_UP_WAIT)
        (directory / path.name).write_text(yaml.safe_dump(scenario, sort_keys=False))
    return directory


def test_the_flawed_build_is_scored_below_the_threshold(tmp_path: Path) -> None:
    out, private = tmp_path / "public.json", tmp_path / "private.json"
    suite = flawed_build_suite(tmp_path / "suite")
    # --settle 0.25: its failing expectations are polled for 1 s rather than 2 (what they wait
    # for is either done before the last step ends or never done by this build).
    done = twins_cli(
        "holdout", "run", str(suite), "--app", "examples/access-bot-buggy/app.py:asgi",
        "--trials", "1", "--parallel", FLAWED_PARALLEL, "--settle", "0.25", "--threshold", "0.9",
        "--json", str(out), "--no-history", "--private-report", str(private),
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["verdict"] == "fail" and report["satisfaction"] < 0.9
    assert "FAIL" in done.stdout
    # Its Jira flaw (the request's issue is never closed) is caught by the Jira expectations.
    by_name = {s["name"]: s for s in json.loads(private.read_text())["by_scenario"]}
    (trial,) = by_name["grant tracked in jira"]["trial_results"]
    failed = {o["kind"] for o in trial["outcomes"] if not o["passed"]}
    assert trial["error"] == "" and failed == {"jira.issue", "jira.count"}
    # Its Slack flaw (a 429 loses the confirmation) leaves the last wait to time out.
    (trial,) = by_name[GIVE_UP]["trial_results"]
    assert trial["error"].startswith("StepFailed: timed out waiting"), trial["error"]


def test_the_bot_runs_as_a_subprocess_given_the_twins_in_its_environment(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    scenario = yaml.safe_load((EXAMPLES / "unknown-group.yaml").read_text())
    scenario["app"]["ready_timeout"] = 120  # the schema's most: the bot starts slowly on a busy machine
    (suite / "unknown-group.yaml").write_text(yaml.safe_dump(scenario))
    out = tmp_path / "private.json"
    done = twins_cli(
        "holdout", "run", str(suite), "--app", f"{sys.executable} examples/access-bot/app.py",
        "--trials", "1", "--private-report", str(out), "--no-history",
    )  # fmt: skip
    trial = json.loads(out.read_text())["by_scenario"][0]["trial_results"][0]
    assert done.returncode == 0, (trial["error"], trial["outcomes"], trial["app_output"][-2000:])
    assert "Bolt app is running" in trial["app_output"]
