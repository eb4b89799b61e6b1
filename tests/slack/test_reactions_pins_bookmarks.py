"""reactions.*, pins.* and bookmarks.* through slack_sdk."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import channel_id
from tests.support.tenants import Recorder


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


@pytest.fixture
def posted(user_client: WebClient) -> dict[str, Any]:
    resp = user_client.chat_postMessage(channel="#general", text="react to me")
    return {"channel": resp["channel"], "ts": resp["ts"]}


# --- reactions --------------------------------------------------------------------------------
def test_reactions_add_get_remove(
    bot: WebClient, user_client: WebClient, creds: dict[str, Any], posted: dict[str, Any], events: Recorder
) -> None:
    chan, ts = posted["channel"], posted["ts"]
    assert bot.reactions_add(channel=chan, timestamp=ts, name="thumbsup")["ok"]
    assert user_client.reactions_add(channel=chan, timestamp=ts, name=":thumbsup:")["ok"]
    assert bot.reactions_add(channel=chan, timestamp=ts, name="eyes")["ok"]
    got = bot.reactions_get(channel=chan, timestamp=ts)
    assert got["type"] == "message"
    assert got["channel"] == chan
    assert got["message"]["permalink"].endswith(ts.replace(".", ""))
    assert got["message"]["reactions"] == [
        {"name": "thumbsup", "users": [creds["bot_user_id"], creds["admin_user_id"]], "count": 2},
        {"name": "eyes", "users": [creds["bot_user_id"]], "count": 1},
    ]
    added = events.of("reaction_added")[0]
    assert added == {
        "type": "reaction_added",
        "user": creds["bot_user_id"],
        "reaction": "thumbsup",
        "item_user": creds["admin_user_id"],
        "item": {"type": "message", "channel": chan, "ts": ts},
        "event_ts": added["event_ts"],
    }
    assert bot.reactions_remove(channel=chan, timestamp=ts, name="eyes")["ok"]
    removed = events.of("reaction_removed")[0]
    assert removed["reaction"] == "eyes" and removed["item"]["ts"] == ts
    got = bot.reactions_get(channel=chan, timestamp=ts)
    assert [r["name"] for r in got["message"]["reactions"]] == ["thumbsup"]
    bot.reactions_remove(channel=chan, timestamp=ts, name="thumbsup")
    user_client.reactions_remove(channel=chan, timestamp=ts, name="thumbsup")
    assert "reactions" not in bot.reactions_get(channel=chan, timestamp=ts)["message"]


def test_reaction_errors(bot: WebClient, posted: dict[str, Any]) -> None:
    chan, ts = posted["channel"], posted["ts"]
    bot.reactions_add(channel=chan, timestamp=ts, name="tada")
    assert error_of(lambda: bot.reactions_add(channel=chan, timestamp=ts, name="tada")) == "already_reacted"
    assert error_of(lambda: bot.reactions_remove(channel=chan, timestamp=ts, name="fire")) == "no_reaction"
    assert error_of(lambda: bot.reactions_add(channel=chan, timestamp=ts, name="")) == "invalid_name"
    # a name that is neither a standard nor a custom emoji (tests/slack/test_emoji.py has more)
    assert error_of(lambda: bot.reactions_add(channel=chan, timestamp=ts, name="not-a-real-emoji-xyz")) == (
        "invalid_name"
    )
    assert (
        error_of(lambda: bot.reactions_add(channel=chan, timestamp="1.000003", name="x"))
        == "message_not_found"
    )
    assert error_of(lambda: bot.reactions_add(channel=chan, timestamp="nope", name="x")) == "bad_timestamp"
    assert (
        error_of(lambda: bot.reactions_add(channel="C0NONE", timestamp=ts, name="x")) == "channel_not_found"
    )
    assert error_of(lambda: bot.reactions_get(channel=chan)) == "no_item_specified"
    assert (
        error_of(lambda: bot.reactions_add(channel="#design", timestamp=ts, name="x")) == "channel_not_found"
    )


def test_reactions_list(bot: WebClient, user_client: WebClient, creds: dict[str, Any]) -> None:
    stamps = []
    for i in range(3):
        resp = user_client.chat_postMessage(channel="#general", text=f"m{i}")
        bot.reactions_add(channel=resp["channel"], timestamp=resp["ts"], name="wave")
        stamps.append(resp["ts"])
    seen: list[str] = []
    for page in bot.reactions_list(limit=2):
        seen.extend(item["message"]["ts"] for item in page["items"])
        assert all(item["type"] == "message" for item in page["items"])
    assert seen == list(reversed(stamps))  # most recent first
    assert user_client.reactions_list()["items"] == []
    theirs = user_client.reactions_list(user=creds["bot_user_id"])["items"]
    assert len(theirs) == 3
    paged = bot.reactions_list(count=2, page=2)
    assert paged["paging"] == {"count": 2, "total": 3, "page": 2, "pages": 2}
    assert len(paged["items"]) == 1
    assert error_of(lambda: bot.reactions_list(user="U0NOBODY")) == "user_not_found"


async def test_reactions_with_the_async_client(async_bot: AsyncWebClient, posted: dict[str, Any]) -> None:
    await async_bot.reactions_add(channel=posted["channel"], timestamp=posted["ts"], name="rocket")
    got = await async_bot.reactions_get(channel=posted["channel"], timestamp=posted["ts"])
    assert got["message"]["reactions"][0]["name"] == "rocket"
    listed = await async_bot.reactions_list()
    assert listed["items"][0]["message"]["ts"] == posted["ts"]


async def test_reactions_add_wire_variants(
    client: httpx.AsyncClient, creds: dict[str, Any], posted: dict[str, Any]
) -> None:
    args = {"channel": posted["channel"], "timestamp": posted["ts"], "name": "one"}
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}
    assert (await client.post("/api/reactions.add", data=args, headers=auth)).json()["ok"]
    args["name"] = "two"
    assert (await client.post("/api/reactions.add", json=args, headers=auth)).json()["ok"]
    args["name"] = "three"
    assert (await client.get("/api/reactions.add", params=args, headers=auth)).json()["ok"]


# --- pins -------------------------------------------------------------------------------------
def test_pins(bot: WebClient, creds: dict[str, Any], posted: dict[str, Any], events: Recorder) -> None:
    chan, ts = posted["channel"], posted["ts"]
    assert bot.pins_list(channel=chan)["items"] == []
    assert bot.pins_add(channel=chan, timestamp=ts)["ok"]
    items = bot.pins_list(channel=chan)["items"]
    assert len(items) == 1
    item = items[0]
    assert item["type"] == "message"
    assert item["channel"] == chan
    assert item["created_by"] == creds["bot_user_id"]
    assert item["created"] > 0
    assert item["message"]["ts"] == ts
    assert item["message"]["pinned_to"] == [chan]
    assert item["message"]["permalink"]
    (added,) = events.of("pin_added")
    assert added["channel_id"] == chan
    assert added["user"] == creds["bot_user_id"]
    assert added["item_user"] == creds["admin_user_id"]
    assert added["item"]["message"]["ts"] == ts
    assert added["pin_count"] == 1
    assert added["pinned_info"]["pinned_by"] == creds["bot_user_id"]
    assert error_of(lambda: bot.pins_add(channel=chan, timestamp=ts)) == "already_pinned"
    assert bot.pins_remove(channel=chan, timestamp=ts)["ok"]
    (removed,) = events.of("pin_removed")
    assert removed["has_pins"] is False and removed["pin_count"] == 0
    assert bot.pins_list(channel=chan)["items"] == []
    assert error_of(lambda: bot.pins_remove(channel=chan, timestamp=ts)) == "no_pin"


def test_pin_errors(bot: WebClient, user_client: WebClient, posted: dict[str, Any]) -> None:
    chan = posted["channel"]
    assert error_of(lambda: bot.pins_add(channel=chan, timestamp="1.000004")) == "message_not_found"
    assert error_of(lambda: bot.pins_add(channel=chan)) == "no_item_specified"
    assert error_of(lambda: bot.pins_add(channel="C0NONE", timestamp=posted["ts"])) == "channel_not_found"
    assert error_of(lambda: bot.pins_list(channel="C0NONE")) == "channel_not_found"
    random = user_client.chat_postMessage(channel="#random", text="x")
    err = error_of(lambda: bot.pins_add(channel=random["channel"], timestamp=random["ts"]))
    assert err == "not_in_channel"


async def test_pins_with_the_async_client(async_bot: AsyncWebClient, posted: dict[str, Any]) -> None:
    await async_bot.pins_add(channel=posted["channel"], timestamp=posted["ts"])
    listed = await async_bot.pins_list(channel=posted["channel"])
    assert listed["items"][0]["message"]["ts"] == posted["ts"]
    await async_bot.pins_remove(channel=posted["channel"], timestamp=posted["ts"])


# --- bookmarks --------------------------------------------------------------------------------
def test_bookmarks(
    bot: WebClient, user_client: WebClient, creds: dict[str, Any], posted: dict[str, Any]
) -> None:
    chan = posted["channel"]
    resp = bot.bookmarks_add(
        channel_id=chan, title="Runbook", type="link", link="https://example.com/run", emoji=":book:"
    )
    mark = resp["bookmark"]
    assert mark["id"].startswith("Bk")
    assert mark["channel_id"] == chan
    assert mark["title"] == "Runbook"
    assert mark["link"] == "https://example.com/run"
    assert mark["emoji"] == ":book:"
    assert mark["type"] == "link"
    assert mark["date_created"] > 0 and mark["date_updated"] == 0
    assert mark["last_updated_by_user_id"] == creds["bot_user_id"]
    assert mark["icon_url"] == "https://example.com/favicon.ico"
    second = user_client.bookmarks_add(channel_id=chan, title="Docs", type="link", link="http://docs.example")
    listed = bot.bookmarks_list(channel_id=chan)["bookmarks"]
    assert [b["title"] for b in listed] == ["Runbook", "Docs"]
    assert listed[0]["rank"] < listed[1]["rank"]
    other = bot.bookmarks_list(channel_id=channel_id(bot, "engineering"))
    assert other["bookmarks"] == []
    edited = bot.bookmarks_edit(channel_id=chan, bookmark_id=mark["id"], title="Runbook v2")["bookmark"]
    assert edited["title"] == "Runbook v2" and edited["date_updated"] > 0
    assert bot.bookmarks_remove(channel_id=chan, bookmark_id=mark["id"])["ok"]
    listed = bot.bookmarks_list(channel_id=chan)["bookmarks"]
    assert [b["id"] for b in listed] == [second["bookmark"]["id"]]
    err = error_of(lambda: bot.bookmarks_remove(channel_id=chan, bookmark_id=mark["id"]))
    assert err == "not_found"


def test_bookmark_errors(bot: WebClient, posted: dict[str, Any]) -> None:
    chan = posted["channel"]
    add = bot.bookmarks_add
    assert error_of(lambda: add(channel_id=chan, title="t", type="link", link="ftp://x")) == "invalid_link"
    assert error_of(lambda: add(channel_id=chan, title="t", type="link")) == "invalid_link"
    assert (
        error_of(lambda: add(channel_id=chan, title="t", type="folder", link="https://x.y"))
        == "invalid_bookmark_type"
    )
    assert (
        error_of(lambda: add(channel_id=chan, title="", type="link", link="https://x.y"))
        == "invalid_arguments"
    )
    assert (
        error_of(lambda: add(channel_id="C0NONE", title="t", type="link", link="https://x.y"))
        == "channel_not_found"
    )
    err = error_of(lambda: add(channel_id=chan, title="t", type="link", link="https://x.y", emoji="book"))
    assert err == "invalid_emoji"
    assert error_of(lambda: bot.bookmarks_list(channel_id="#design")) == "channel_not_found"


async def test_bookmarks_with_the_async_client(async_bot: AsyncWebClient, posted: dict[str, Any]) -> None:
    resp = await async_bot.bookmarks_add(
        channel_id=posted["channel"], title="A", type="link", link="https://a.example"
    )
    listed = await async_bot.bookmarks_list(channel_id=posted["channel"])
    assert [b["id"] for b in listed["bookmarks"]] == [resp["bookmark"]["id"]]
    await async_bot.bookmarks_remove(channel_id=posted["channel"], bookmark_id=resp["bookmark"]["id"])
