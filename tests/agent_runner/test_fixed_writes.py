"""A write of a fixed document whose recorded answer holds none of what its request sent (a file
written through GitHub's contents API answers the file's description and the commit, not the
base64 `content` and `message` sent) is answered as recorded, not with the fields sent laid over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import GITHUB, exchange
from twins.kit.writes import echoes

AUTH = "token REDACTED"
FILE = "/repos/octo/hello/contents/notes.txt"
SUBSCRIPTION = "/repos/octo/hello/subscription"


def written(sha: str) -> dict[str, Any]:
    return {
        "content": {"name": "notes.txt", "path": "notes.txt", "sha": sha, "size": 7},
        "commit": {"sha": "c" * 40, "message": "Add notes"},
    }


def sessions() -> dict[str, list[Exchange]]:
    sent = {"message": "Add notes", "content": "dGVzdGluZw=="}
    return {
        f"s{n}": [
            exchange(GITHUB, "PUT", FILE, 201, written("a" * 40), sent, auth=AUTH),
            exchange(
                GITHUB,
                "PUT",
                SUBSCRIPTION,
                200,
                {"subscribed": True, "ignored": False},
                {"subscribed": True},
                auth=AUTH,
            ),
        ]
        for n in (1, 2)
    }


def test_an_answer_holding_what_was_sent_echoes_it_and_one_holding_none_does_not() -> None:
    assert echoes({"request": {"subscribed": True}, "response": {"subscribed": True, "ignored": False}})
    assert not echoes({"request": {"message": "m", "content": "dGVzdA=="}, "response": written("a" * 40)})
    assert echoes({"request": {"content": "x"}, "response": None})


async def test_a_file_write_is_answered_as_recorded(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "github", sessions()))
    try:
        async for client in client_for(app, "token"):
            answer = await client.put(FILE, json={"message": "Again", "content": "b3RoZXI="})
            assert answer.status_code == 201
            assert answer.json()["content"]["name"] == "notes.txt"
            assert "message" not in answer.json()
            subscribed = await client.put(SUBSCRIPTION, json={"subscribed": False})
            assert subscribed.json()["subscribed"] is False  # an answer that echoes stays as written
    finally:
        app.state.twin.store.stop()
