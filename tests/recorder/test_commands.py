"""`twins record/replay/redact/diff` through the CLI a user types: help, errors, summaries."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from recorder.trace import Body, Exchange, Request, Response, TraceWriter
from tests.recorder.fixtures import vcrpy_yaml, write
from twins.cli import app

TWINS = [sys.executable, "-c", "from twins.cli import main; main()"]


@pytest.mark.parametrize("command", ["record", "replay", "redact", "diff"])
def test_each_command_explains_itself(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.split("Options")[0].strip().splitlines()) > 3


def test_redact_scrubs_an_imported_cassette(tmp_path: Path) -> None:
    cassette = write(
        tmp_path, "jira.yaml", vcrpy_yaml().replace("python-requests/2.21.0", "Basic dXNlcjpzM2NyZXQ=")
    )
    out = tmp_path / "clean.jsonl"
    result = CliRunner().invoke(app, ["redact", str(cassette), "-o", str(out), "--redact-key", "k"])
    assert result.exit_code == 0, result.output
    assert "3 exchanges" in result.output
    assert "dXNlcjpzM2NyZXQ" not in out.read_text()
    again = CliRunner().invoke(app, ["redact", str(cassette), "-o", str(out)])
    assert again.exit_code == 2 and "exists" in again.output


def test_redact_reports_a_bad_rules_file(tmp_path: Path) -> None:
    rules = write(tmp_path, "rules.yaml", "fields: nope\n")
    trace = tmp_path / "t.jsonl"
    trace.write_text("")
    result = CliRunner().invoke(
        app, ["redact", str(trace), "-o", str(tmp_path / "o.jsonl"), "--rules", str(rules)]
    )
    assert result.exit_code == 2 and "must be a list of strings" in result.output


def test_replay_serves_until_sigterm_and_summarises(tmp_path: Path) -> None:
    trace = tmp_path / "okta.jsonl"
    with TraceWriter(trace) as writer:
        writer.write(
            Exchange(
                service="okta",
                request=Request(method="GET", url="https://acme.okta.com/api/v1/users/00u1?expand=x"),
                response=Response(
                    status=200,
                    headers=[("Content-Type", "application/json")],
                    body=Body(text='{"id":"00u1"}'),
                ),
            )
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [*TWINS, "replay", str(trace), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                hit = httpx.get(f"{base}/api/v1/users/00u1?expand=x")
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "twins replay did not start"
                time.sleep(0.2)
        miss = httpx.get(f"{base}/api/v1/users/00u2")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert hit.json() == {"id": "00u1"}
    assert miss.status_code == 404 and miss.json()["errorCode"] == "E0000007"
    assert miss.json()["replay"]["closest"][0]["failed"] == ["path", "query"]
    assert proc.returncode == 0
    assert "answered" in out and "missed" in out


def test_diff_needs_traces(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["diff", "--real", "http://127.0.0.1:1", "--twin", "http://127.0.0.1:2", "--traces", str(tmp_path)],
    )
    assert result.exit_code == 2 and "no trace files" in result.output


def test_replay_on_port_0_rewrites_links_to_the_port_it_got(tmp_path: Path) -> None:
    trace = tmp_path / "okta.jsonl"
    origin = "https://acme.okta.com"
    with TraceWriter(trace) as writer:
        writer.write(
            Exchange(
                service="okta",
                request=Request(method="GET", url=f"{origin}/api/v1/users?limit=1"),
                response=Response(
                    status=200,
                    headers=[
                        ("Content-Type", "application/json"),
                        ("Link", f'<{origin}/api/v1/users?after=00u2&limit=1>; rel="next"'),
                    ],
                    body=Body(text="[]"),
                ),
            )
        )
        writer.write(
            Exchange(
                service="okta",
                request=Request(method="GET", url=f"{origin}/moved"),
                response=Response(status=302, headers=[("Location", f"{origin}/api/v1/users")]),
            )
        )
    proc = subprocess.Popen(
        [*TWINS, "replay", str(trace), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        started = proc.stderr.readline()  # "replaying 2 okta exchanges on http://127.0.0.1:PORT ..."
        base = started.split(" on ", 1)[1].split()[0]
        port = int(base.rsplit(":", 1)[1])
        assert port != 0, started
        listed = httpx.get(f"{base}/api/v1/users?limit=1")
        moved = httpx.get(f"{base}/moved")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert listed.headers["link"] == f'<http://127.0.0.1:{port}/api/v1/users?after=00u2&limit=1>; rel="next"'
    assert moved.status_code == 302 and moved.headers["location"] == f"http://127.0.0.1:{port}/api/v1/users"


LOADED = """
import json, sys
import recorder.loop
recorder.loop.run_fast = lambda coro: coro.close()  # `twins replay` loads its traces, then stops
from twins.cli import app
try:
    app(sys.argv[1:], prog_name="twins")
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
RUNTIME = {"fastapi", "starlette", "sqlalchemy", "sqlmodel", "psycopg", "uvicorn", "httpx", "holdout"}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["record", "--help"],
        ["replay", "--help"],
        ["diff", "--help"],
        ["replay", "TRACE", "--port", "0"],
    ],
)
def test_commands_start_without_importing_the_runtime(tmp_path: Path, args: list[str]) -> None:
    trace = tmp_path / "t.jsonl"
    with TraceWriter(trace) as writer:
        writer.write(
            Exchange(
                service="okta",
                request=Request(method="GET", url="https://x.test/a"),
                response=Response(status=200),
            )
        )
    argv = [str(trace) if arg == "TRACE" else arg for arg in args]
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *argv], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & RUNTIME, f"twins {' '.join(args)} imported {sorted(loaded & RUNTIME)}"


def test_lazy_groups_still_run_and_list_their_commands() -> None:
    result = CliRunner().invoke(app, ["holdout", "--help"])
    assert result.exit_code == 0 and "seal" in result.output
    top = CliRunner().invoke(app, ["--help"])
    assert "holdout" in top.output and "action" in top.output
