"""The example twin served for real: `twins serve example` in its own process (the CLI a user
types), a client over TCP, and its webhooks reaching a receiver over TCP."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.kit.receiver import Receiver
from tests.support.servers import serve_app

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer served-admin-token-0123"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "TWINS_EXTRA_SERVICES": "example=tests.kit.example_twin:create_service",
        "PYTHONPATH": str(ROOT),
    }
    cli = [sys.executable, "-c", "from twins.cli import main; main()"]
    options = [
        "--port",
        str(port),
        "--db",
        ":memory:",
        "--admin-token",
        "served-admin-token-0123",
        "--data-dir",
        str(tmp_path),
    ]
    cmd = [*cli, "serve", "example", *options]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a loaded machine takes a while to import the twins
        while True:
            try:
                if httpx.get(f"{url}/_twin/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()  # still running: reading its output to the end would wait forever
                out = proc.communicate()[0].decode(errors="replace")
                raise RuntimeError(f"twins serve example did not start:\n{out}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_served_over_http_with_webhooks(served: str) -> None:
    receiver = Receiver(fail=1)
    with serve_app(receiver) as hook_url, httpx.Client(base_url=served, timeout=5) as client:
        creds = client.get("/_twin/credentials", headers=ADMIN).json()
        auth = base64.b64encode(f"{creds['U1_email']}:{creds['U1_token']}".encode()).decode()
        headers = {"Authorization": f"Basic {auth}"}
        assert client.get("/rest/api/latest/myself", headers=headers).json()["accountId"] == "U1"
        resp = client.post("/rest/api/2/webhook", json={"url": hook_url, "secret": "k"}, headers=headers)
        assert resp.status_code == 201
        resp = client.post("/rest/api/3/task", json={"title": "over tcp"}, headers=headers)
        assert resp.status_code == 201
        task = resp.json()
        resp = client.post("/api/tasks.complete", data={"token": creds["U1_token"], "task": task["id"]})
        assert resp.json()["ok"] is True
        deadline = time.monotonic() + 10
        while len(receiver.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        events = [r.json()["webhookEvent"] for r in receiver.requests]
        assert events == ["task_created", "task_created", "task_updated"]  # the first was retried
        # The receiver may have the last request before the twin has its answer: wait for the log.
        log = client.get("/_twin/example/outbox", headers=ADMIN).json()["attempts"]
        while any(a["status"] == "pending" for a in log) and time.monotonic() < deadline:
            time.sleep(0.02)
            log = client.get("/_twin/example/outbox", headers=ADMIN).json()["attempts"]
        assert [a["status"] for a in log] == ["failed", "delivered", "delivered"]
        resp = client.get("/rest/api/2/task/nope", headers=headers)
        assert resp.status_code == 404 and resp.json()["errorMessages"] == ["Task nope does not exist."]
