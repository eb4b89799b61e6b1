"""The mitmproxy addon: flow conversion (always), mitmproxy's own test flows and a real
`mitmdump` forward proxy (when they are installed: TWINS_MITMDUMP or mitmdump on PATH)."""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from recorder.mitm import flow_to_exchange, mitmdump_argv
from recorder.trace import read_jsonl
from tests.support.servers import serve_app


class Headers:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.fields = [(k.encode(), v.encode()) for k, v in pairs]

    def get(self, name: str, default: str = "") -> str:
        return next((v.decode() for k, v in self.fields if k.decode().lower() == name), default)


def fake_flow() -> Any:
    body = gzip.compress(b'{"ok":true}')
    request = SimpleNamespace(
        method="POST",
        pretty_url="https://slack.com/api/chat.postMessage",
        pretty_host="slack.com",
        headers=Headers([("Authorization", "Bearer xoxb-1-2-abc"), ("Connection", "keep-alive")]),
        get_content=lambda strict=False: b"channel=C1&text=hi",
        timestamp_start=1_700_000_000.0,
    )
    response = SimpleNamespace(
        status_code=200,
        headers=Headers([("Content-Encoding", "gzip"), ("Content-Type", "application/json")]),
        get_content=lambda strict=False: gzip.decompress(body),
        timestamp_end=1_700_000_000.25,
    )
    return SimpleNamespace(request=request, response=response)


def test_a_flow_becomes_an_exchange() -> None:
    exchange = flow_to_exchange(fake_flow())
    assert exchange.service == "slack" and exchange.duration_ms == 250.0
    assert exchange.request.body.text == "channel=C1&text=hi"
    assert exchange.header("request", "connection") is None
    assert exchange.response.body.text == '{"ok":true}'
    assert exchange.header("response", "x-recorded-content-encoding") == "gzip"
    assert exchange.header("response", "content-encoding") is None


def test_addon_with_mitmproxy_test_flows(tmp_path: Path) -> None:
    pytest.importorskip("mitmproxy")
    from mitmproxy.test import taddons, tflow

    from recorder.mitm import TwinsRecorder

    addon = TwinsRecorder()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, twins_out=str(tmp_path), twins_service="slack")
        flow = tflow.tflow(resp=True)
        flow.request.headers["Authorization"] = "Bearer xoxb-123-456-secretsecret"
        addon.response(flow)
        addon.done()
    lines = [e for path in tmp_path.glob("*.jsonl") for e in read_jsonl(path)]
    assert len(lines) == 1 and "secretsecret" not in lines[0].json_line()


def mitmdump() -> str | None:
    return os.environ.get("TWINS_MITMDUMP") or shutil.which("mitmdump")


@pytest.mark.skipif(mitmdump() is None, reason="mitmdump is not installed (TWINS_MITMDUMP or PATH)")
def test_real_mitmdump_forward_proxy_records_redacted(tmp_path: Path) -> None:
    upstream_app = Starlette(
        routes=[Route("/api/auth.test", lambda _: JSONResponse({"ok": True}), methods=["POST"])]
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    binary = mitmdump()
    assert binary is not None
    argv = mitmdump_argv(binary, "127.0.0.1", port, tmp_path, "slack", redact=True, rules=None, fsync=False)
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root, "HOME": str(tmp_path), "TWINS_REDACT_KEY": "k"}
    with serve_app(upstream_app) as upstream:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    assert proc.poll() is None and time.monotonic() < deadline, "mitmdump did not start"
                    time.sleep(0.2)
            with httpx.Client(proxy=f"http://127.0.0.1:{port}") as client:
                answer = client.post(
                    f"{upstream}/api/auth.test", headers={"Authorization": "Bearer xoxb-9-9-topsecret1"}
                )
            assert answer.json() == {"ok": True}
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            if proc.stderr is not None:
                proc.stderr.close()
    exchanges = [e for path in tmp_path.glob("*.jsonl") for e in read_jsonl(path)]
    assert len(exchanges) == 1
    assert exchanges[0].service == "slack" and "topsecret1" not in exchanges[0].json_line()
