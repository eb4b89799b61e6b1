"""Drift: two copies of the Slack twin agree; a planted behavioural change is reported alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from recorder.trace import Exchange, read_jsonl
from tests.recorder.servers import bot_token, recording, sdk_session, slack_twin
from tests.support.servers import serve_app
from twins.cli import app as cli

ASGI = Callable[..., Any]


def planted(
    app: ASGI, path: str, change: Callable[[dict[str, Any]], None], header: tuple[bytes, bytes]
) -> ASGI:
    """`app` with one behavioural change: the JSON answer of `path` edited, one header added."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != path:
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = json.loads(b"".join(chunks))
            change(body)
            data = json.dumps(body).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers += [(b"content-length", str(len(data)).encode()), header]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": data})

        await app(scope, receive, capture)

    return wrapped


@pytest.fixture
def trace(tmp_path: Path) -> tuple[list[Exchange], Path, str]:
    twin = slack_twin()
    token = bot_token(twin)
    try:
        with serve_app(twin) as upstream, recording(upstream, tmp_path / "traces") as (proxy, writer):
            sdk_session(proxy, token)
    finally:
        twin.state.twin.store.stop()
    return list(read_jsonl(writer.paths[0])), writer.paths[0], token


def drift(trace: tuple[list[Exchange], Path, str], out: Path, plant: bool) -> tuple[int, dict[str, Any]]:
    _, path, token = trace
    real_app, twin_app = slack_twin(), slack_twin()

    def drop_topic(body: dict[str, Any]) -> None:
        body["channel"].pop("topic")

    served_twin: ASGI = twin_app
    if plant:
        served_twin = planted(twin_app, "/api/conversations.info", drop_topic, (b"x-planted", b"1"))
    auth = f"Authorization: Bearer {token}"
    try:
        with serve_app(real_app) as real, serve_app(served_twin) as twin:
            args = ["diff", "--real", real, "--twin", twin, "--traces", str(path), "--out", str(out)]
            result = CliRunner().invoke(cli, [*args, "--real-header", auth, "--twin-header", auth])
    finally:
        real_app.state.twin.store.stop()
        twin_app.state.twin.store.stop()
    assert (out / "drift.md").exists(), result.output
    return result.exit_code, json.loads((out / "drift.json").read_text())


def test_two_copies_of_a_twin_show_no_drift(trace: tuple[list[Exchange], Path, str], tmp_path: Path) -> None:
    code, report = drift(trace, tmp_path / "same", plant=False)
    assert report["drifted"] == {} and report["failures"] == []
    assert report["requests"] == len(trace[0]) and code == 0


def test_a_planted_change_is_reported_exactly(
    trace: tuple[list[Exchange], Path, str], tmp_path: Path
) -> None:
    exchanges, path, _ = trace
    extra = exchanges[0].model_copy(deep=True)
    extra.request.url = extra.request.url.replace("auth.test", "conversations.info")
    extra.request.body.text = f"channel={_general(exchanges)}"
    extra.request.headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    with path.open("a") as handle:
        handle.write(extra.json_line() + "\n")
    code, report = drift(trace, tmp_path / "planted", plant=True)
    assert code == 1
    assert list(report["drifted"]) == ["POST /api/conversations.info"]
    item = report["drifted"]["POST /api/conversations.info"]
    assert item["statuses"] == {} and item["extra_fields"] == [] and item["different_values"] == {}
    assert item["missing_fields"] == [
        "channel.topic",
        "channel.topic.creator",
        "channel.topic.last_set",
        "channel.topic.value",
    ]
    assert item["headers"] == {"x-planted": [None, "1"]}
    markdown = (tmp_path / "planted" / "drift.md").read_text()
    assert "field `channel.topic` missing in the twin" in markdown


def _general(exchanges: list[Exchange]) -> str:
    listing = next(e for e in exchanges if "conversations.list" in e.request.url)
    channels = json.loads(listing.response.body.text)["channels"]
    return str(next(c["id"] for c in channels if c["name"] == "general"))


def test_record_shadow_writes_a_drift_report(tmp_path: Path) -> None:
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def answer(extra: dict[str, Any]) -> Starlette:
        def info(_: object) -> JSONResponse:
            return JSONResponse({"ok": True, "user": {"id": "U0123456789", "name": "ann", **extra}})

        return Starlette(routes=[Route("/api/users.info", info, methods=["POST"])])

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "traces"
    with serve_app(answer({})) as real, serve_app(answer({"tz": "UTC"})) as twin:
        cmd = [
            sys.executable,
            "-c",
            "from twins.cli import main; main()",
            "record",
            "slack",
            "--upstream",
            real,
        ]
        cmd += ["--listen", f"127.0.0.1:{port}", "--out", str(out), "--shadow", twin, "--redact-key", "k"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    first = httpx.post(
                        f"http://127.0.0.1:{port}/api/users.info", data={"user": "U0123456789"}
                    )
                    break
                except httpx.TransportError:
                    assert proc.poll() is None and time.monotonic() < deadline, "twins record did not start"
                    time.sleep(0.2)
            assert first.json()["user"]["name"] == "ann"
        finally:
            proc.send_signal(signal.SIGTERM)
            stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, stdout
    report = json.loads((out / "drift.json").read_text())
    assert report["drifted"]["POST /api/users.info"]["extra_fields"] == ["user.tz"]
    assert "1 endpoints differ" in stdout
