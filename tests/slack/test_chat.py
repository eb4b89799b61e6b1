"""chat.postMessage, update, delete, postEphemeral, getPermalink, meMessage through slack_sdk."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import channel_id
from tests.support.tenants import Recorder
from twins._runtime.collection import TenantState

pytestmark = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")


def tenant(app: FastAPI) -> TenantState:
    ctx = app.state.twin
    state = ctx.default_state()
    assert isinstance(state, TenantState)
    return state


def stored(app: FastAPI, channel: str, ts: str) -> dict[str, Any] | None:
    return tenant(app)["messages"].get(f"{channel}/{ts}")


def add_token(app: FastAPI, token: str, *, user_id: str, scopes: list[str], kind: str = "bot") -> str:
    """A further token in the workspace (e.g. a bot with other scopes)."""
    ctx = app.state.twin
    app_id = next(iter(tenant(app)["apps"]))["id"]

    def insert(st: TenantState) -> None:
        st["tokens"].insert(
            {"id": token, "kind": kind, "user_id": user_id, "app_id": app_id, "scopes": scopes}
        )

    asyncio.run(ctx.store.run(ctx.settings.default_tenant, insert))
    return token


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


# --- chat.postMessage -------------------------------------------------------------------------
def test_post_by_name_returns_the_channel_id(
    bot: WebClient, creds: dict[str, Any], slack_app: FastAPI
) -> None:
    general = channel_id(bot, "general")
    resp = bot.chat_postMessage(channel="#general", text="hello world")
    assert resp["channel"] == general
    msg = resp["message"]
    assert msg["text"] == "hello world"
    assert msg["user"] == creds["bot_user_id"]
    assert msg["bot_id"].startswith("B")
    assert msg["app_id"] == creds["app_id"]
    assert msg["bot_profile"]["user_id"] == creds["bot_user_id"]
    assert msg["team"] == creds["team_id"]
    assert msg["ts"] == resp["ts"]
    assert stored(slack_app, general, resp["ts"]) is not None
    for ref in ("general", general):
        assert bot.chat_postMessage(channel=ref, text="again")["channel"] == general


def test_post_to_a_user_id_opens_the_im(bot: WebClient, creds: dict[str, Any], slack_app: FastAPI) -> None:
    first = bot.chat_postMessage(channel=creds["admin_user_id"], text="psst")
    assert first["channel"].startswith("D")
    second = bot.chat_postMessage(channel=creds["admin_user_id"], text="again")
    assert second["channel"] == first["channel"]
    im = tenant(slack_app)["conversations"].get(first["channel"])
    assert im is not None and im["kind"] == "im" and im["user"] == creds["admin_user_id"]
    assert set(im["members"]) == {creds["admin_user_id"], creds["bot_user_id"]}


def test_post_errors(bot: WebClient) -> None:
    assert error_of(lambda: bot.chat_postMessage(channel="#general")) == "no_text"
    assert error_of(lambda: bot.chat_postMessage(channel="#general", text="   ")) == "no_text"
    assert error_of(lambda: bot.chat_postMessage(channel="#general", text="x" * 40_001)) == "msg_too_long"
    assert bot.chat_postMessage(channel="#general", text="x" * 40_000)["ok"]
    assert error_of(lambda: bot.chat_postMessage(channel="#nope", text="hi")) == "channel_not_found"
    assert error_of(lambda: bot.chat_postMessage(channel="C0NOTHERE", text="hi")) == "channel_not_found"
    # private channel the bot is not in: invisible to it
    assert error_of(lambda: bot.chat_postMessage(channel="#design", text="hi")) == "channel_not_found"
    # public channel the bot is not in, without chat:write.public
    assert error_of(lambda: bot.chat_postMessage(channel="#random", text="hi")) == "not_in_channel"
    assert error_of(lambda: bot.chat_postMessage(channel="#old-project", text="hi")) == "is_archived"


def test_chat_write_public_lets_a_bot_post_without_joining(
    base_url: str, creds: dict[str, Any], slack_app: FastAPI
) -> None:
    token = add_token(
        slack_app, "xoxb-public-1", user_id=creds["bot_user_id"], scopes=["chat:write", "chat:write.public"]
    )
    client = WebClient(token=token, base_url=f"{base_url}/api/")
    assert client.chat_postMessage(channel="#random", text="hi all")["ok"]
    # private channels still need membership (and are not even visible)
    assert error_of(lambda: client.chat_postMessage(channel="#design", text="hi")) == "channel_not_found"


def test_user_token_posts_as_the_user(user_client: WebClient, creds: dict[str, Any]) -> None:
    resp = user_client.chat_postMessage(channel="#random", text="from a person", username="ignored")
    msg = resp["message"]
    assert msg["user"] == creds["admin_user_id"]
    assert "bot_id" not in msg and "username" not in msg


def test_blocks_and_attachments(bot: WebClient) -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*bold*"}},
        {"type": "divider", "block_id": "d1"},
    ]
    resp = bot.chat_postMessage(channel="#general", blocks=blocks)
    msg = resp["message"]
    assert [b["type"] for b in msg["blocks"]] == ["section", "divider"]
    assert msg["blocks"][1]["block_id"] == "d1"
    assert msg["blocks"][0]["block_id"]  # Slack assigns one
    assert msg["text"] == "*bold*"  # derived from the blocks
    resp = bot.chat_postMessage(
        channel="#general", text="t", attachments=[{"text": "att", "color": "#36a64f"}]
    )
    assert resp["message"]["attachments"][0]["text"] == "att"
    assert resp["message"]["attachments"][0]["id"] == 1


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "nonsense"}],
        [{"type": "section"}],
        [{"type": "header", "text": {"type": "mrkdwn", "text": "no"}}],
        [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}],
        [{"type": "divider"}] * 51,
    ],
)
def test_invalid_blocks(bot: WebClient, blocks: list[Any]) -> None:
    assert (
        error_of(lambda: bot.chat_postMessage(channel="#general", text="t", blocks=blocks))
        == "invalid_blocks"
    )


def test_invalid_json_strings(bot: WebClient) -> None:
    assert (
        error_of(lambda: bot.chat_postMessage(channel="#general", text="t", blocks="[{")) == "invalid_blocks"
    )
    err = error_of(lambda: bot.chat_postMessage(channel="#general", text="t", attachments="{nope"))
    assert err == "invalid_attachments"
    err = error_of(lambda: bot.chat_postMessage(channel="#general", text="t", attachments='{"a": 1}'))
    assert err == "invalid_attachments"
    err = error_of(lambda: bot.chat_postMessage(channel="#general", text="t", metadata={"event_payload": {}}))
    assert err == "invalid_metadata_format"


def test_metadata_is_kept(bot: WebClient) -> None:
    metadata = {"event_type": "task_created", "event_payload": {"id": "42"}}
    resp = bot.chat_postMessage(channel="#general", text="t", metadata=metadata)
    assert resp["message"]["metadata"] == metadata


def test_customize_needs_the_scope(
    base_url: str, bot: WebClient, creds: dict[str, Any], slack_app: FastAPI
) -> None:
    resp = bot.chat_postMessage(channel="#general", text="t", username="Deploy Bot", icon_emoji=":rocket:")
    assert resp["message"]["username"] == "Deploy Bot"
    assert resp["message"]["icons"] == {"emoji": ":rocket:"}
    resp = bot.chat_postMessage(channel="#general", text="t", icon_url="https://example.com/i.png")
    assert resp["message"]["icons"] == {"image_48": "https://example.com/i.png"}
    token = add_token(slack_app, "xoxb-plain-1", user_id=creds["bot_user_id"], scopes=["chat:write"])
    plain = WebClient(token=token, base_url=f"{base_url}/api/")
    msg = plain.chat_postMessage(channel="#general", text="t", username="Nope", icon_emoji=":x:")["message"]
    assert "username" not in msg and "icons" not in msg


def test_thread_replies_update_the_parent(
    bot: WebClient, user_client: WebClient, creds: dict[str, Any], slack_app: FastAPI
) -> None:
    parent = bot.chat_postMessage(channel="#general", text="parent")
    chan, pts = parent["channel"], parent["ts"]
    r1 = user_client.chat_postMessage(channel=chan, text="r1", thread_ts=pts)
    assert r1["message"]["thread_ts"] == pts
    assert r1["message"]["parent_user_id"] == creds["bot_user_id"]
    r2 = bot.chat_postMessage(channel=chan, text="r2", thread_ts=pts)
    # a reply's ts as thread_ts lands in the same thread
    r3 = user_client.chat_postMessage(channel=chan, text="r3", thread_ts=r1["ts"])
    assert r3["message"]["thread_ts"] == pts
    row = stored(slack_app, chan, pts)
    assert row is not None
    assert row["thread_ts"] == pts
    assert row["reply_count"] == 3
    assert row["reply_users"] == [creds["admin_user_id"], creds["bot_user_id"]]
    assert row["latest_reply"] == r3["ts"]
    assert r1["ts"] < r2["ts"] < r3["ts"]


def test_thread_ts_edge_cases(bot: WebClient, slack_app: FastAPI) -> None:
    # an unknown (well-formed) thread_ts is accepted: the reply is orphaned, as on Slack
    resp = bot.chat_postMessage(channel="#general", text="lost", thread_ts="1500000000.000100")
    row = stored(slack_app, resp["channel"], resp["ts"])
    assert row is not None and row["thread_ts"] == "1500000000.000100"
    assert (
        error_of(lambda: bot.chat_postMessage(channel="#general", text="x", thread_ts="0"))
        == "invalid_thread_ts"
    )


def test_reply_broadcast(bot: WebClient) -> None:
    parent = bot.chat_postMessage(channel="#general", text="parent")
    resp = bot.chat_postMessage(channel="#general", text="also", thread_ts=parent["ts"], reply_broadcast=True)
    msg = resp["message"]
    assert msg["subtype"] == "thread_broadcast"
    assert msg["root"]["ts"] == parent["ts"]
    assert msg["root"]["reply_count"] == 1


def test_message_and_app_mention_events(
    user_client: WebClient, creds: dict[str, Any], events: Recorder
) -> None:
    resp = user_client.chat_postMessage(channel="#general", text=f"hey <@{creds['bot_user_id']}> help")
    (message,) = events.of("message", None)
    assert message["type"] == "message"
    assert message["channel"] == resp["channel"]
    assert message["user"] == creds["admin_user_id"]
    assert message["ts"] == message["event_ts"] == resp["ts"]
    assert message["channel_type"] == "channel"
    (mention,) = events.of("app_mention")
    assert mention["type"] == "app_mention"
    assert mention["channel"] == resp["channel"]
    assert mention["text"].startswith("hey <@")
    assert mention["user"] == creds["admin_user_id"]


def test_no_event_when_the_call_fails(bot: WebClient, events: Recorder) -> None:
    error_of(lambda: bot.chat_postMessage(channel="#random", text="hi"))
    assert events.events == []


async def test_concurrent_posts_get_distinct_increasing_ts(
    async_bot: AsyncWebClient, slack_app: FastAPI
) -> None:
    general = tenant(slack_app)["conversations"].by("name", "general")
    assert general is not None
    results = await asyncio.gather(
        *(async_bot.chat_postMessage(channel=general["id"], text=f"n{i}") for i in range(50))
    )
    stamps = [r["ts"] for r in results]
    assert len(set(stamps)) == 50
    mine = [
        m for m in tenant(slack_app)["messages"].where("channel", general["id"]) if m["ts"] in set(stamps)
    ]
    in_order = [m["ts"] for m in sorted(mine, key=lambda m: m["twin_seq"])]
    assert in_order == sorted(stamps, key=float)


@pytest.mark.parametrize("style", ["form", "json", "query", "get"])
async def test_post_message_wire_variants(
    client: httpx.AsyncClient, creds: dict[str, Any], slack_app: FastAPI, style: str
) -> None:
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "hi"}}]
    args = {"channel": "#general", "text": "wire", "blocks": json.dumps(blocks)}
    if style == "form":
        resp = await client.post("/api/chat.postMessage", data=args, headers=auth)
    elif style == "json":
        resp = await client.post("/api/chat.postMessage", json={**args, "blocks": blocks}, headers=auth)
    elif style == "query":
        resp = await client.post("/api/chat.postMessage", params=args, headers=auth)
    else:
        resp = await client.get("/api/chat.postMessage", params={**args, "token": creds["bot_token"]})
    body = resp.json()
    assert body["ok"] is True, body
    assert body["channel"].startswith("C")
    assert body["message"]["blocks"][0]["text"]["text"] == "hi"
    assert stored(slack_app, body["channel"], body["ts"]) is not None


async def test_invalid_blocks_over_the_wire(client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
    resp = await client.post(
        "/api/chat.postMessage",
        data={"token": creds["bot_token"], "channel": "#general", "text": "t", "blocks": "not json"},
    )
    assert resp.json() == {"ok": False, "error": "invalid_blocks"}


# --- chat.update / chat.delete ----------------------------------------------------------------
def test_update(bot: WebClient, creds: dict[str, Any], events: Recorder) -> None:
    posted = bot.chat_postMessage(channel="#general", text="v1", blocks=[{"type": "divider"}])
    resp = bot.chat_update(channel=posted["channel"], ts=posted["ts"], text="v2")
    assert resp["channel"] == posted["channel"]
    assert resp["ts"] == posted["ts"]
    assert resp["text"] == "v2"
    assert resp["message"]["edited"]["user"] == creds["bot_user_id"]
    assert "blocks" not in resp["message"]  # text without blocks replaces them
    (changed,) = events.of("message", "message_changed")
    assert changed["message"]["text"] == "v2"
    assert changed["previous_message"]["text"] == "v1"
    assert changed["hidden"] is True
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "v3"}}]
    resp = bot.chat_update(channel=posted["channel"], ts=posted["ts"], blocks=blocks)
    assert resp["message"]["blocks"][0]["text"]["text"] == "v3"
    assert resp["text"] == "v2"


def test_update_errors(bot: WebClient, user_client: WebClient) -> None:
    mine = user_client.chat_postMessage(channel="#general", text="mine")
    chan = mine["channel"]
    assert error_of(lambda: bot.chat_update(channel=chan, ts=mine["ts"], text="x")) == "cant_update_message"
    assert (
        error_of(lambda: user_client.chat_update(channel=chan, ts="1.000001", text="x"))
        == "message_not_found"
    )
    assert error_of(lambda: user_client.chat_update(channel=chan, ts=mine["ts"])) == "no_text"
    err = error_of(lambda: user_client.chat_update(channel=chan, ts=mine["ts"], text="y" * 40_001))
    assert err == "msg_too_long"
    assert (
        error_of(lambda: user_client.chat_update(channel="C0NONE", ts=mine["ts"], text="x"))
        == "channel_not_found"
    )


def test_delete(bot: WebClient, user_client: WebClient, slack_app: FastAPI, events: Recorder) -> None:
    posted = bot.chat_postMessage(channel="#general", text="bye")
    resp = bot.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert (resp["channel"], resp["ts"]) == (posted["channel"], posted["ts"])
    assert stored(slack_app, posted["channel"], posted["ts"]) is None
    (deleted,) = events.of("message", "message_deleted")
    assert deleted["deleted_ts"] == posted["ts"]
    assert deleted["previous_message"]["text"] == "bye"
    err = error_of(lambda: bot.chat_delete(channel=posted["channel"], ts=posted["ts"]))
    assert err == "message_not_found"
    theirs = user_client.chat_postMessage(channel="#general", text="human")
    assert (
        error_of(lambda: bot.chat_delete(channel=theirs["channel"], ts=theirs["ts"])) == "cant_delete_message"
    )
    # a workspace admin may delete other people's messages with a user token
    again = bot.chat_postMessage(channel="#general", text="bot text")
    assert user_client.chat_delete(channel=again["channel"], ts=again["ts"])["ok"]


def test_deleting_a_thread_parent_leaves_a_tombstone(bot: WebClient, slack_app: FastAPI) -> None:
    parent = bot.chat_postMessage(channel="#general", text="parent")
    chan = parent["channel"]
    r1 = bot.chat_postMessage(channel=chan, text="r1", thread_ts=parent["ts"])
    r2 = bot.chat_postMessage(channel=chan, text="r2", thread_ts=parent["ts"])
    bot.chat_delete(channel=chan, ts=parent["ts"])
    tomb = stored(slack_app, chan, parent["ts"])
    assert tomb is not None
    assert tomb["subtype"] == "tombstone"
    assert tomb["text"] == "This message was deleted."
    assert tomb["reply_count"] == 2
    assert error_of(lambda: bot.chat_delete(channel=chan, ts=parent["ts"])) == "message_not_found"
    bot.chat_delete(channel=chan, ts=r1["ts"])
    tomb = stored(slack_app, chan, parent["ts"])
    assert tomb is not None and tomb["reply_count"] == 1 and tomb["latest_reply"] == r2["ts"]
    bot.chat_delete(channel=chan, ts=r2["ts"])
    assert stored(slack_app, chan, parent["ts"]) is None  # the tombstone goes with the last reply


def test_deleting_the_only_reply_clears_the_thread(bot: WebClient, slack_app: FastAPI) -> None:
    parent = bot.chat_postMessage(channel="#general", text="parent")
    reply = bot.chat_postMessage(channel=parent["channel"], text="r", thread_ts=parent["ts"])
    bot.chat_delete(channel=parent["channel"], ts=reply["ts"])
    row = stored(slack_app, parent["channel"], parent["ts"])
    assert row is not None and row["reply_count"] == 0 and row["thread_ts"] is None


async def test_update_and_delete_with_the_async_client(async_bot: AsyncWebClient) -> None:
    posted = await async_bot.chat_postMessage(channel="#general", text="async")
    updated = await async_bot.chat_update(channel=posted["channel"], ts=posted["ts"], text="async 2")
    assert updated["text"] == "async 2"
    link = await async_bot.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])
    assert link["permalink"].endswith(posted["ts"].replace(".", ""))
    deleted = await async_bot.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert deleted["ts"] == posted["ts"]


# --- ephemeral, permalink, me -----------------------------------------------------------------
def test_post_ephemeral(bot: WebClient, creds: dict[str, Any], slack_app: FastAPI, events: Recorder) -> None:
    resp = bot.chat_postEphemeral(channel="#general", user=creds["admin_user_id"], text="only you")
    assert resp["message_ts"]
    general = channel_id(bot, "general")
    assert stored(slack_app, general, resp["message_ts"]) is None
    assert events.events == []
    outsider = next(u["id"] for u in tenant(slack_app)["users"] if u["deleted"])
    err = error_of(lambda: bot.chat_postEphemeral(channel="#general", user=outsider, text="x"))
    assert err == "user_not_in_channel"
    err = error_of(lambda: bot.chat_postEphemeral(channel="#general", user=creds["admin_user_id"]))
    assert err == "no_text"


def test_get_permalink(bot: WebClient, creds: dict[str, Any]) -> None:
    parent = bot.chat_postMessage(channel="#general", text="p")
    chan = parent["channel"]
    domain = creds["team_domain"]
    resp = bot.chat_getPermalink(channel=chan, message_ts=parent["ts"])
    assert resp["channel"] == chan
    assert resp["permalink"] == f"https://{domain}.slack.com/archives/{chan}/p{parent['ts'].replace('.', '')}"
    reply = bot.chat_postMessage(channel=chan, text="r", thread_ts=parent["ts"])
    link = bot.chat_getPermalink(channel=chan, message_ts=reply["ts"])["permalink"]
    assert link.endswith(f"p{reply['ts'].replace('.', '')}?thread_ts={parent['ts']}&cid={chan}")
    assert error_of(lambda: bot.chat_getPermalink(channel=chan, message_ts="1.000002")) == "message_not_found"
    assert (
        error_of(lambda: bot.chat_getPermalink(channel="C0NONE", message_ts=parent["ts"]))
        == "channel_not_found"
    )


def test_me_message(user_client: WebClient, slack_app: FastAPI, events: Recorder) -> None:
    resp = user_client.chat_meMessage(channel="#general", text="waves")
    row = stored(slack_app, resp["channel"], resp["ts"])
    assert row is not None and row["subtype"] == "me_message" and row["text"] == "waves"
    assert events.of("message", "me_message")[0]["text"] == "waves"
    assert error_of(lambda: user_client.chat_meMessage(channel="#general", text="")) == "no_text"


JUNK: list[dict[str, Any]] = [
    {"channel": ["#general"], "text": {"a": 1}},
    {"channel": "#general", "text": "t", "blocks": 5, "attachments": "7"},
    {"channel": "#general", "text": "t", "thread_ts": 1.5e30, "reply_broadcast": "maybe"},
    {"channel": "#general", "text": "t", "metadata": "[1, 2]", "ts": None},
    {"channel": "#general", "ts": "inf", "post_at": "inf", "timestamp": "nan", "name": ":"},
    {"channel": "#general", "user": ["x"], "message_ts": {"x": 1}, "limit": "inf", "cursor": 3},
    {"channel_id": "#general", "title": "t", "type": "link", "link": "https://", "emoji": ":a::b:"},
    {"channel": "#general", "scheduled_message_id": ["Q"], "oldest": "nan", "latest": "x", "count": "inf"},
]
METHODS = [
    "chat.postMessage",
    "chat.update",
    "chat.delete",
    "chat.postEphemeral",
    "chat.getPermalink",
    "chat.meMessage",
    "chat.scheduleMessage",
    "chat.scheduledMessages.list",
    "chat.deleteScheduledMessage",
    "reactions.add",
    "reactions.remove",
    "reactions.get",
    "reactions.list",
    "pins.add",
    "pins.remove",
    "pins.list",
    "bookmarks.add",
    "bookmarks.edit",
    "bookmarks.list",
    "bookmarks.remove",
]


@pytest.mark.parametrize("name", METHODS)
async def test_junk_input_gets_a_slack_answer(
    client: httpx.AsyncClient, creds: dict[str, Any], name: str
) -> None:
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}
    for args in JUNK:
        resp = await client.post(f"/api/{name}", json=args, headers=auth)
        assert resp.status_code == 200, (name, args, resp.text)
        body = resp.json()
        assert body["ok"] is True or isinstance(body["error"], str)
