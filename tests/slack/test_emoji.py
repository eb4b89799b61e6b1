"""Emoji: reactions take only standard or custom names (skin tones as Slack writes them),
emoji.list shows the custom ones, and the admin API adds and removes them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.tenants import Recorder


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


@pytest.fixture
def message(bot: WebClient) -> dict[str, str]:
    posted = bot.chat_postMessage(channel="#general", text="react to me")
    return {"channel": str(posted["channel"]), "timestamp": str(posted["ts"])}


def test_standard_names_and_skin_tones(bot: WebClient, message: dict[str, str]) -> None:
    for name in ("thumbsup", "+1", ":white_check_mark:", "wave::skin-tone-3", "thumbsup::skin-tone-6"):
        assert bot.reactions_add(name=name, **message)["ok"] is True
    names = [r["name"] for r in bot.reactions_get(**message)["message"]["reactions"]]
    assert names == ["thumbsup", "+1", "white_check_mark", "wave::skin-tone-3", "thumbsup::skin-tone-6"]
    for name in ("not_an_emoji", "smile::skin-tone-2", "wave::skin-tone-7", "wave::skin-tone-1", " "):
        assert error_of(lambda n=name: bot.reactions_add(name=n, **message)) == "invalid_name", name


def test_custom_emoji_and_aliases_of_the_seed(bot: WebClient, message: dict[str, str]) -> None:
    listed = bot.emoji_list()
    assert set(listed["emoji"]) == {"partyparrot", "shipit", "this-is-fine", "party"}
    assert listed["emoji"]["party"] == "alias:partyparrot"
    assert listed["emoji"]["partyparrot"].startswith("https://emoji.slack-edge.com/T")
    assert listed["cache_ts"].endswith(".000000") and "categories" not in listed.data
    assert (
        bot.reactions_add(name="partyparrot", **message)["ok"]
        and bot.reactions_add(name="party", **message)["ok"]
    )
    assert error_of(lambda: bot.reactions_add(name="partyparrot::skin-tone-2", **message)) == "invalid_name"


def test_categories_on_request(bot: WebClient) -> None:
    listed = bot.emoji_list(include_categories=True)
    by_name = {c["name"]: c["emoji_names"] for c in listed["categories"]}
    assert listed["categories_version"] and "+1" in by_name["People & Body"]
    assert "grinning" in by_name["Smileys & Emotion"] and "Component" not in by_name


async def test_admin_adds_and_removes_custom_emoji(
    client: httpx.AsyncClient, creds: dict[str, Any], slack_app: FastAPI, events: Recorder
) -> None:
    recorder = events
    bot = {"Authorization": f"Bearer {creds['bot_token']}"}
    url = "https://example.com/emoji/lgtm.png"
    made = await client.post("/_twin/slack/emoji", json={"name": ":lgtm:", "url": url})
    assert made.status_code == 201, made.text
    assert made.json() == {
        "id": "lgtm",
        "url": url,
        "alias_for": None,
        "user_id": creds["admin_user_id"],
        "created": made.json()["created"],
    }
    alias = await client.post("/_twin/slack/emoji", json={"name": "looks-good", "alias_for": "lgtm"})
    yay = await client.post("/_twin/slack/emoji", json={"name": "yay", "alias_for": "tada"})
    assert alias.status_code == yay.status_code == 201
    listed = (await client.get("/api/emoji.list", headers=bot)).json()
    assert listed["emoji"]["lgtm"] == url and listed["emoji"]["looks-good"] == "alias:lgtm"
    assert listed["emoji"]["yay"] == "alias:tada"
    assert [e["name"] for e in recorder.of("emoji_changed")] == ["lgtm", "looks-good", "yay"]
    assert recorder.of("emoji_changed")[1]["value"] == "alias:lgtm"

    general = next(
        c
        for c in (await client.get("/_twin/state?collection=conversations")).json()["collections"][
            "conversations"
        ]
        if c["name"] == "general"
    )
    posted = await client.post(
        "/api/chat.postMessage", headers=bot, data={"channel": general["id"], "text": "x"}
    )
    target = {"channel": general["id"], "timestamp": posted.json()["ts"]}
    react = await client.post("/api/reactions.add", headers=bot, data={**target, "name": "looks-good"})
    assert react.json() == {"ok": True}

    removed = await client.delete("/_twin/slack/emoji/lgtm")
    assert removed.json() == {"removed": ["lgtm", "looks-good"]}
    assert recorder.of("emoji_changed")[-1]["names"] == ["lgtm", "looks-good"]
    react = await client.post("/api/reactions.add", headers=bot, data={**target, "name": "lgtm"})
    assert react.json() == {"ok": False, "error": "invalid_name"}
    assert [e["id"] for e in (await client.get("/_twin/slack/emoji")).json()["emoji"]] == [
        "party", "partyparrot", "shipit", "this-is-fine", "yay",
    ]  # fmt: skip


async def test_admin_refuses_bad_emoji(client: httpx.AsyncClient) -> None:
    cases = [
        ({"name": "tada", "url": "https://example.com/x.png"}, 409, "error_name_taken"),
        ({"name": "partyparrot", "url": "https://example.com/x.png"}, 409, "error_name_taken"),
        ({"name": "Bad Name", "url": "https://example.com/x.png"}, 400, "error_invalid_name"),
        ({"name": "nourl"}, 400, "error_invalid_url"),
        ({"name": "phantom-x", "alias_for": "nothing_here"}, 400, "error_alias_target_not_found"),
    ]
    for body, status, code in cases:
        resp = await client.post("/_twin/slack/emoji", json=body)
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), body
    missing = await client.delete("/_twin/slack/emoji/nothing_here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "emoji_not_found"
