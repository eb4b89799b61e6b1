"""The GitHub Action, run here as the runner would: start.sh, the exported env file, SDK calls, stop.sh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from slack_sdk import WebClient

from twins.action import alive

ROOT = Path(__file__).resolve().parents[2]
ACTION_DIR = ROOT / ".github" / "actions" / "twins"
WORKFLOW = ROOT / "examples" / "github-workflow.yml"
ONLY_XDIST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_PLUGINS": "xdist.plugin"}


def vendored_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (files("check_jsonschema.builtin_schemas.vendor") / name).read_text(encoding="utf-8")
    )
    return schema


@pytest.mark.parametrize(
    ("path", "schema"),
    [(ACTION_DIR / "action.yml", "github-actions.json"), (WORKFLOW, "github-workflows.json")],
)
def test_the_action_and_the_example_workflow_are_valid(path: Path, schema: str) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in doc:  # YAML 1.1 reads the key `on` as a boolean
        doc["on"] = doc.pop(True)
    validator = jsonschema.Draft7Validator(vendored_schema(schema))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, "\n".join(errors)


def test_the_action_runs_its_scripts() -> None:
    action = yaml.safe_load((ACTION_DIR / "action.yml").read_text(encoding="utf-8"))
    runs = [step["run"] for step in action["runs"]["steps"]]
    assert runs == ['bash "$TWINS_ACTION_PATH/start.sh"', 'bash "${{ github.action_path }}/stop.sh"']
    assert set(action["outputs"]) == {"slack-url", "okta-url", "jira-url", "admin-token"}


def read_key_values(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {key: value for key, value in pairs}


def run_step(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ACTION_DIR / script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_start_export_call_and_stop(tmp_path: Path) -> None:
    env = {
        "TWINS_STATE_DIR": str(tmp_path / "state"),
        "GITHUB_ENV": str(tmp_path / "github_env"),
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        "TWINS_PYTHON": sys.executable,
        "TWINS_SERVICES": "slack,okta",
        "TWINS_ADMIN_TOKEN": "twa_action-test-token",
        "TWINS_AUTO_PORTS": "1",
    }
    try:
        started = run_step("start.sh", env)
        assert started.returncode == 0, started.stdout + started.stderr
        exported = read_key_values(tmp_path / "github_env")
        outputs = read_key_values(tmp_path / "github_output")
        assert outputs["admin-token"] == exported["TWINS_ADMIN_TOKEN"] == "twa_action-test-token"
        assert exported["SLACK_API_URL"] == outputs["slack-url"] + "/api/"
        assert exported["OKTA_CLIENT_ORGURL"] == outputs["okta-url"]
        pids = [int(p.read_text()) for p in (tmp_path / "state").glob("*.pid")]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)

        slack = WebClient(token=exported["SLACK_BOT_TOKEN"], base_url=exported["SLACK_API_URL"])
        assert slack.auth_test()["ok"]
        # One process, with pytest's own plugins and xdist (this repository's addopts name `-n`), as
        # the example workflow installs no others: every installed plugin costs seconds to load.
        argv = ["-p", "no:cacheprovider", "-n", "0", str(ROOT / "examples" / "app")]
        app = subprocess.run(
            [sys.executable, "-m", "pytest", *argv],
            env={**os.environ, **exported, "PYTHONPATH": str(ROOT / "examples" / "app"), **ONLY_XDIST},
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert app.returncode == 0, app.stdout + app.stderr
        assert "1 passed" in app.stdout
    finally:
        stopped = run_step("stop.sh", env)
    assert stopped.returncode == 0, stopped.stderr
    assert "slack" in stopped.stdout and "okta" in stopped.stdout
    assert not list((tmp_path / "state").glob("*.pid"))
    assert not any(alive(pid) for pid in pids)


def test_an_unknown_twin_fails_before_anything_starts(tmp_path: Path) -> None:
    env = {"TWINS_STATE_DIR": str(tmp_path), "TWINS_PYTHON": sys.executable, "TWINS_SERVICES": "nope"}
    done = run_step("start.sh", env)
    assert done.returncode == 1
    assert "unknown service 'nope'" in done.stderr
    assert not list(tmp_path.glob("*.pid"))


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
def test_a_twin_that_has_exited_but_is_not_reaped_is_not_alive() -> None:
    """`stop` waits while a twin is alive: one that ended but whose parent has not reaped it (a
    zombie, not our child) must not count, or stop waits out its timeout."""
    keeper = (
        "import subprocess, time; p = subprocess.Popen(['true']); print(p.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", keeper], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        deadline = time.monotonic() + 30
        while " Z " not in Path(f"/proc/{pid}/stat").read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert " Z " in Path(f"/proc/{pid}/stat").read_text()  # exited, not reaped by its parent
        assert not alive(pid)
    finally:
        parent.kill()
        parent.wait()
