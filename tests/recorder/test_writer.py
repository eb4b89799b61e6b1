"""The capture sink: exactly once under 100 concurrent clients, rotation, and `kill -9` safety."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from recorder.trace import read_jsonl
from tests.recorder.servers import recording
from tests.support.servers import serve_app


async def echo(request: Request) -> JSONResponse:
    await asyncio.sleep(0.01)
    return JSONResponse({"n": request.query_params.get("n"), "body": (await request.body()).decode()})


UPSTREAM = Starlette(routes=[Route("/echo", echo, methods=["GET", "POST"])])


def test_every_exchange_is_recorded_exactly_once_under_100_clients(tmp_path: Path) -> None:
    async def clients(proxy: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=100)) as client:
            return await asyncio.gather(
                *(client.post(f"{proxy}/echo?n={i}", content=f"body-{i}".encode()) for i in range(100))
            )

    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, writer):
        answers = asyncio.run(clients(proxy))
    assert [a.json()["n"] for a in answers] == [str(i) for i in range(100)]
    exchanges = [e for path in writer.paths for e in read_jsonl(path)]
    assert sorted(e.seq for e in exchanges) == list(range(100))
    numbers = sorted(int(e.request.url.rsplit("=", 1)[1]) for e in exchanges)
    assert numbers == list(range(100))
    assert all(e.request.body.text == f"body-{e.request.url.rsplit('=', 1)[1]}" for e in exchanges)


def test_files_rotate_by_size(tmp_path: Path) -> None:
    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path, max_bytes=2000) as (proxy, writer):
        for i in range(12):
            httpx.get(f"{proxy}/echo?n={i}")
    assert len(writer.paths) > 2
    assert all(path.stat().st_size <= 2000 for path in writer.paths)
    seqs = [e.seq for path in writer.paths for e in read_jsonl(path)]
    assert seqs == list(range(12))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_kill_9_loses_nothing_that_was_answered(tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "traces"
    with serve_app(UPSTREAM) as upstream:
        cmd = [sys.executable, "-c", "from twins.cli import main; main()", "record", "slack"]
        cmd += ["--upstream", upstream, "--listen", f"127.0.0.1:{port}", "--out", str(out)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_listening(port, proc)
            for i in range(20):
                assert httpx.get(f"http://127.0.0.1:{port}/echo?n={i}").status_code == 200
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.stderr is not None
    proc.stderr.close()
    files = sorted(out.glob("*.jsonl"))
    exchanges = [e for path in files for e in read_jsonl(path)]
    assert [e.seq for e in exchanges] == list(range(20))


def test_record_without_redaction_must_be_asked_for_and_warns(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from twins.cli import app

    result = CliRunner().invoke(app, ["record", "--help"])
    assert result.exit_code == 0 and "--no-redact" in result.output
    result = CliRunner().invoke(
        app, ["record", "slack", "--upstream", "ftp://x", "--out", str(tmp_path), "--no-redact"]
    )
    assert "warning" in result.output and "--no-redact" in result.output
    assert result.exit_code == 2 and "not an http(s) URL" in result.output


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"twins record exited: {proc.stderr.read() if proc.stderr else ''!r}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("twins record did not start listening")
