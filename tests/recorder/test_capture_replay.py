"""End to end: a slack_sdk session through the recording proxy in front of the Slack twin
yields a redacted trace that imports, and the same session passes against the replay server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from recorder.importers import load_recording
from recorder.trace import read_jsonl
from recorder.wire import ENCODING_NOTE
from tests.recorder.servers import (
    api_token,
    bot_token,
    okta_session,
    okta_twin,
    recording,
    replaying,
    sdk_session,
    slack_twin,
)
from tests.support.servers import serve_app
from twins.cli import app as cli


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[dict[str, object], str, list[Path]]:
    twin = slack_twin()
    token = bot_token(twin)
    try:
        with serve_app(twin) as upstream, recording(upstream, tmp_path / "traces") as (proxy, writer):
            seen = sdk_session(proxy, token)
    finally:
        twin.state.twin.store.stop()
    return seen, token, writer.paths


def test_sdk_session_is_recorded_redacted_and_imports(
    recorded: tuple[dict[str, object], str, list[Path]], tmp_path: Path
) -> None:
    seen, token, paths = recorded
    assert len(paths) == 1
    text = paths[0].read_text()
    assert token not in text and token.split("-")[-1] not in text
    exchanges = list(read_jsonl(paths[0]))
    assert [e.seq for e in exchanges] == list(range(7))
    assert {e.service for e in exchanges} == {"slack"}
    auth = exchanges[0].header("request", "authorization") or ""
    assert auth.startswith("Bearer xoxb-REDACTED-")
    assert [e.request.url.rsplit("/", 1)[1].split("?")[0] for e in exchanges][:3] == [
        "auth.test",
        "conversations.list",
        "conversations.history",
    ]
    if seen["email"]:
        assert str(seen["email"]) not in text
    result = CliRunner().invoke(cli, ["import", str(paths[0]), "-o", str(tmp_path / "imported.jsonl")])
    assert result.exit_code == 0, result.output
    assert len(load_recording(tmp_path / "imported.jsonl")) == 7


def test_the_same_sdk_session_passes_against_replay(
    recorded: tuple[dict[str, object], str, list[Path]],
) -> None:
    seen, token, paths = recorded
    with replaying(list(read_jsonl(paths[0]))) as (url, table):
        again = sdk_session(url, token)
    assert again == {**seen, "email": again["email"]}
    assert table.misses == 0 and table.hits == 7


def test_replay_is_sequence_aware_and_explains_a_miss(
    recorded: tuple[dict[str, object], str, list[Path]],
) -> None:
    _, _, paths = recorded
    exchanges = list(read_jsonl(paths[0]))
    history = [e for e in exchanges if "conversations.history" in e.request.url]
    with replaying(exchanges) as (url, _):
        request = history[0].request
        answers = [
            httpx.post(
                f"{url}/api/conversations.history",
                content=request.body.to_bytes(),
                headers=dict(request.headers),
            )
            for _ in range(3)
        ]
        miss = httpx.post(f"{url}/api/conversations.history", data={"channel": "C0NOPE", "limit": "5"})
    texts = [a.json()["messages"] for a in answers]
    assert texts[0][0]["text"] != "recorded hello"  # the first recorded answer, then the second
    assert texts[1][0]["text"] == "recorded hello" and texts[2] == texts[1]  # the last repeats
    body = miss.json()
    assert body["ok"] is False and body["error"] == "replay_no_match"
    assert body["replay"]["closest"][0]["failed"] == ["body"]
    assert "conversations.history" in miss.headers["x-twins-replay-miss"]


def test_proxy_decodes_gzip_and_rewrites_redirects(tmp_path: Path) -> None:
    import gzip

    from starlette.applications import Starlette
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    payload = json.dumps({"ok": True, "items": list(range(200))}).encode()

    def zipped(_: object) -> Response:
        return Response(
            gzip.compress(payload), media_type="application/json", headers={"Content-Encoding": "gzip"}
        )

    upstream_app = Starlette(
        routes=[Route("/zipped", zipped), Route("/moved", lambda _: RedirectResponse("/zipped"))]
    )
    with serve_app(upstream_app) as upstream:
        upstream_app.routes.append(
            Route(
                "/absolute",
                lambda _: RedirectResponse(f"{upstream}/zipped", headers={"Link": f"<{upstream}/x>"}),
            )
        )
        with recording(upstream, tmp_path) as (proxy, writer):
            got = httpx.get(f"{proxy}/zipped")
            moved = httpx.get(f"{proxy}/absolute")
    assert got.json()["items"][-1] == 199 and got.headers["content-encoding"] == "gzip"
    assert moved.status_code == 307 and moved.headers["location"] == f"{proxy}/zipped"
    assert moved.headers["link"] == f"<{proxy}/x>"
    first = next(read_jsonl(writer.paths[0]))
    assert json.loads(first.response.body.text)["items"][-1] == 199
    assert first.header("response", ENCODING_NOTE) == "gzip"
    assert first.header("response", "content-encoding") is None


async def test_okta_sdk_session_through_the_proxy_and_through_replay(tmp_path: Path) -> None:
    twin = okta_twin()
    token = api_token(twin)
    try:
        with serve_app(twin) as upstream, recording(upstream, tmp_path) as (proxy, writer):
            seen = await okta_session(proxy, token)
    finally:
        twin.state.twin.store.stop()
    assert len(seen["ids"]) == 5 and seen["groups"]
    exchanges = list(read_jsonl(writer.paths[0]))
    assert len(exchanges) == 3
    assert token not in writer.paths[0].read_text()
    assert (exchanges[0].header("request", "authorization") or "").startswith(
        "SSWS00REDACTED-"
    )  # the SDK sends SSWS<token>
    with replaying(exchanges, service="okta") as (url, table):
        again = await okta_session(url, token)
    assert again == seen and table.misses == 0
