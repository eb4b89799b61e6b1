"""conversations.*: listing, history and threads, DMs, membership, names, topics and events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import channel_id
from tests.support.tenants import Recorder
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins.slack import scopes

T = TypeVar("T")


def state_of(app: FastAPI) -> TenantState:
    ctx: TwinContext = app.state.twin
    state = ctx.default_state()
    assert state is not None
    return state


def write(app: FastAPI, fn: Callable[[TenantState], T]) -> T:
    """Change the twin's state directly (committed like a request's write)."""
    ctx: TwinContext = app.state.twin
    return asyncio.run(ctx.store.run(ctx.settings.default_tenant, fn))


def user_token(app: FastAPI, user_id: str) -> str:
    """A user token for any seeded person (the fixtures only hold the admin's)."""
    token = f"xoxp-test-{user_id.lower()}"

    def add(state: TenantState) -> None:
        state["tokens"].insert(
            {"id": token, "kind": "user", "user_id": user_id, "scopes": scopes.USER_SCOPES}
        )

    write(app, add)
    return token


def people(app: FastAPI) -> list[dict[str, Any]]:
    """Active, full members (no bots, guests or deactivated accounts), admin first."""
    return [u for u in state_of(app)["users"] if not (u["is_bot"] or u["deleted"] or u["is_restricted"])]


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    assert info.value.response.status_code == 200
    return str(info.value.response["error"])


# --- list / info / members ----------------------------------------------------------------------


def test_list_shows_public_channels_by_default(bot: WebClient) -> None:
    resp = bot.conversations_list()
    names = {c["name"] for c in resp["channels"]}
    assert {"general", "random", "engineering", "support", "old-project"} <= names
    assert "design" not in names  # private, and the bot is not in it
    general = next(c for c in resp["channels"] if c["name"] == "general")
    assert general["is_member"] is True
    assert general["is_channel"] is True and general["is_private"] is False
    assert general["num_members"] > 0
    assert resp["response_metadata"]["next_cursor"] == ""


def test_list_private_only_for_members(bot: WebClient, user_client: WebClient) -> None:
    assert bot.conversations_list(types="private_channel")["channels"] == []
    names = {c["name"] for c in user_client.conversations_list(types="private_channel")["channels"]}
    assert names == {"design", "leadership"}
    ims = user_client.conversations_list(types="im")["channels"]
    assert len(ims) == 1 and ims[0]["is_im"] is True and ims[0]["id"].startswith("D")


def test_list_pages_with_the_sdk_iterator(bot: WebClient) -> None:
    # The SDK's iterator hands back one response object, refilled per page: read it in the loop.
    sizes, ids, last = [], [], None
    for page in bot.conversations_list(limit=2, types="public_channel,private_channel"):
        sizes.append(len(page["channels"]))
        ids += [c["id"] for c in page["channels"]]
        last = page["response_metadata"]["next_cursor"]
    assert sizes == [2, 2, 1]
    assert len(ids) == len(set(ids)) == 5
    assert last == ""


def test_list_exclude_archived_and_bad_arguments(bot: WebClient) -> None:
    names = {c["name"] for c in bot.conversations_list(exclude_archived=True)["channels"]}
    assert "old-project" not in names
    assert error_of(lambda: bot.conversations_list(types="channels")) == "invalid_types"
    assert error_of(lambda: bot.conversations_list(cursor="not-a-cursor")) == "invalid_cursor"


async def test_list_pages_with_the_async_client(async_bot: AsyncWebClient) -> None:
    ids = []
    async for page in await async_bot.conversations_list(limit=2):
        ids += [c["id"] for c in page["channels"]]
    assert len(ids) == len(set(ids)) == 5


def test_info(bot: WebClient, user_client: WebClient) -> None:
    general = channel_id(bot, "general")
    chan = bot.conversations_info(channel=general)["channel"]
    assert chan["id"] == general and chan["is_general"] is True
    assert "num_members" not in chan and "locale" not in chan
    chan = bot.conversations_info(channel=general, include_num_members=True, include_locale=True)["channel"]
    assert chan["num_members"] > 1 and chan["locale"] == "en-US"
    design = channel_id(user_client, "design")
    assert error_of(lambda: bot.conversations_info(channel=design)) == "channel_not_found"
    assert error_of(lambda: bot.conversations_info(channel="C0NOPE")) == "channel_not_found"
    # The conversations API takes ids only: a #name is not found.
    assert error_of(lambda: bot.conversations_info(channel="#general")) == "channel_not_found"
    assert error_of(lambda: bot.conversations_info(channel="general")) == "channel_not_found"


def test_members_pages(bot: WebClient) -> None:
    general = channel_id(bot, "general")
    total = bot.conversations_info(channel=general, include_num_members=True)["channel"]["num_members"]
    members = [m for page in bot.conversations_members(channel=general, limit=3) for m in page["members"]]
    assert len(members) == len(set(members)) == total


# --- history and replies --------------------------------------------------------------------------


def add_messages(app: FastAPI, channel: str, stamps: list[str], **fields: Any) -> None:
    def add(state: TenantState) -> None:
        for ts in stamps:
            state["messages"].insert(
                {"id": f"{channel}/{ts}", "channel": channel, "ts": ts, "user": "U1", "text": ts, **fields}
            )

    write(app, add)


@pytest.fixture
def quiet(bot: WebClient, slack_app: FastAPI) -> str:
    """A fresh public channel (bot is a member) holding five messages with known timestamps."""
    chan = str(bot.conversations_create(name="quiet")["channel"]["id"])

    def wipe(state: TenantState) -> None:
        for row in state["messages"].where("channel", chan):
            state["messages"].delete(row["id"])

    write(slack_app, wipe)
    add_messages(slack_app, chan, ["100.000001", "100.000002", "200.000000", "300.000000", "300.000001"])
    return chan


def stamps(resp: Any) -> list[str]:
    return [m["ts"] for m in resp["messages"]]


def test_history_is_newest_first_with_exact_bounds(bot: WebClient, quiet: str) -> None:
    everything = ["300.000001", "300.000000", "200.000000", "100.000002", "100.000001"]
    assert stamps(bot.conversations_history(channel=quiet)) == everything
    assert stamps(bot.conversations_history(channel=quiet, oldest="100.000002")) == everything[:3]
    assert (
        stamps(bot.conversations_history(channel=quiet, oldest="100.000002", inclusive=True))
        == (everything[:4])
    )
    assert stamps(bot.conversations_history(channel=quiet, latest="300")) == everything[2:]
    assert stamps(bot.conversations_history(channel=quiet, latest="300", inclusive=True)) == everything[1:]
    both = bot.conversations_history(channel=quiet, oldest="100.000001", latest="300.000000", inclusive=True)
    assert stamps(both) == everything[1:]
    assert both["latest"] == "300.000000"
    single = bot.conversations_history(channel=quiet, latest="200.000000", inclusive=True, limit=1)
    assert stamps(single) == ["200.000000"] and single["has_more"] is True
    assert stamps(bot.conversations_history(channel=quiet, oldest="300.000001")) == []


def test_history_limit_cursor_and_has_more(bot: WebClient, quiet: str) -> None:
    first = bot.conversations_history(channel=quiet, limit=2)
    assert stamps(first) == ["300.000001", "300.000000"] and first["has_more"] is True
    assert first["pin_count"] == 0
    cursor = first["response_metadata"]["next_cursor"]
    second = bot.conversations_history(channel=quiet, limit=2, cursor=cursor)
    assert stamps(second) == ["200.000000", "100.000002"]
    pages = [
        (stamps(p), p["has_more"], p["response_metadata"]["next_cursor"])
        for p in bot.conversations_history(channel=quiet, limit=2, oldest="100.000001")
    ]
    assert [p[0] for p in pages] == [["300.000001", "300.000000"], ["200.000000", "100.000002"]]
    assert pages[-1][1:] == (False, "")


def test_history_bad_arguments(bot: WebClient, user_client: WebClient, quiet: str) -> None:
    assert error_of(lambda: bot.conversations_history(channel=quiet, latest="soon")) == "invalid_ts_latest"
    assert error_of(lambda: bot.conversations_history(channel=quiet, oldest="x1")) == "invalid_ts_oldest"
    assert error_of(lambda: bot.conversations_history(channel=quiet, cursor="bm9wZQ==")) == "invalid_cursor"
    assert error_of(lambda: bot.conversations_history(channel="C0NOPE")) == "channel_not_found"
    random = channel_id(bot, "random")
    assert error_of(lambda: bot.conversations_history(channel=random)) == "not_in_channel"
    assert user_client.conversations_history(channel=random)["messages"]
    design = channel_id(user_client, "design")
    assert error_of(lambda: bot.conversations_history(channel=design)) == "channel_not_found"


def test_history_leaves_out_thread_replies_unless_broadcast(
    bot: WebClient, slack_app: FastAPI, quiet: str
) -> None:
    add_messages(slack_app, quiet, ["200.000001"], thread_ts="200.000000")
    add_messages(slack_app, quiet, ["200.000002"], thread_ts="200.000000", reply_broadcast=True)
    got = stamps(bot.conversations_history(channel=quiet, oldest="150", latest="250"))
    assert got == ["200.000002", "200.000000"]


def test_replies_parent_first_then_replies_in_order(bot: WebClient, slack_app: FastAPI, quiet: str) -> None:
    add_messages(slack_app, quiet, ["200.000003", "200.000001", "200.000002"], thread_ts="200.000000")

    def mark_parent(state: TenantState) -> None:
        state["messages"].update(f"{quiet}/200.000000", thread_ts="200.000000", reply_count=3)

    write(slack_app, mark_parent)
    resp = bot.conversations_replies(channel=quiet, ts="200.000000")
    assert stamps(resp) == ["200.000000", "200.000001", "200.000002", "200.000003"]
    assert resp["messages"][1]["thread_ts"] == "200.000000" and resp["has_more"] is False
    assert stamps(bot.conversations_replies(channel=quiet, ts="200.000002"))[0] == "200.000000"
    pages = [stamps(p) for p in bot.conversations_replies(channel=quiet, ts="200.000000", limit=2)]
    assert pages == [["200.000000", "200.000001"], ["200.000002", "200.000003"]]
    bounded = bot.conversations_replies(channel=quiet, ts="200.000000", oldest="200.000001")
    assert stamps(bounded) == ["200.000000", "200.000002", "200.000003"]
    assert stamps(bot.conversations_replies(channel=quiet, ts="100.000001")) == ["100.000001"]
    assert error_of(lambda: bot.conversations_replies(channel=quiet, ts="1.000000")) == "thread_not_found"


async def test_history_pages_with_the_async_client(
    async_bot: AsyncWebClient, bot: WebClient, quiet: str
) -> None:
    got = []
    async for page in await async_bot.conversations_history(channel=quiet, limit=2):
        got += stamps(page)
    assert got == ["300.000001", "300.000000", "200.000000", "100.000002", "100.000001"]


@pytest.mark.parametrize("style", ["form", "json", "query"])
async def test_history_every_wire_variant(
    client: httpx.AsyncClient, creds: dict[str, Any], slack_app: FastAPI, style: str
) -> None:
    general = state_of(slack_app)["conversations"].by("name", "general")
    assert general is not None
    args = {"channel": general["id"], "limit": 3}
    headers = {"Authorization": f"Bearer {creds['bot_token']}"}
    if style == "form":
        resp = await client.post("/api/conversations.history", data=args, headers=headers)
    elif style == "json":
        resp = await client.post("/api/conversations.history", json=args, headers=headers)
    else:
        resp = await client.get("/api/conversations.history", params=args, headers=headers)
    body = resp.json()
    assert body["ok"] is True and len(body["messages"]) == 3 and body["has_more"] is True


# --- create, rename, topic, purpose, archive ------------------------------------------------------


def test_create_public_channel(bot: WebClient, events: Recorder) -> None:
    chan = bot.conversations_create(name="launch-2026")["channel"]
    assert chan["name"] == "launch-2026" and chan["id"].startswith("C")
    assert chan["is_member"] is True and chan["is_private"] is False
    assert chan["creator"] == bot.auth_test()["user_id"]
    history = bot.conversations_history(channel=chan["id"])["messages"]
    assert [m["subtype"] for m in history] == ["channel_join"]
    assert events.of("channel_created")[0]["channel"]["id"] == chan["id"]
    joined = events.of("member_joined_channel")[0]
    assert joined["channel"] == chan["id"] and joined["channel_type"] == "C"


def test_create_private_channel(user_client: WebClient, bot: WebClient, events: Recorder) -> None:
    chan = user_client.conversations_create(name="secret_plans", is_private=True)["channel"]
    assert chan["is_private"] is True and chan["is_group"] is True
    assert error_of(lambda: bot.conversations_info(channel=chan["id"])) == "channel_not_found"
    assert events.of("channel_created") == []
    assert events.of("member_joined_channel")[0]["channel_type"] == "G"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("general", "name_taken"),
        ("old-project", "name_taken"),
        ("", "invalid_name_required"),
        ("Shouting", "invalid_name_specials"),
        ("has space", "invalid_name_specials"),
        ("dot.name", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("x" * 81, "invalid_name_maxlength"),
    ],
)
def test_create_name_rules(bot: WebClient, name: str, code: str) -> None:
    assert error_of(lambda: bot.conversations_create(name=name)) == code


def test_create_accepts_80_characters(bot: WebClient) -> None:
    assert bot.conversations_create(name="x" * 80)["channel"]["name"] == "x" * 80


def test_rename(bot: WebClient, events: Recorder) -> None:
    chan = bot.conversations_create(name="before")["channel"]["id"]
    renamed = bot.conversations_rename(channel=chan, name="after")["channel"]
    assert renamed["name"] == "after" and renamed["previous_names"] == ["before"]
    notice = bot.conversations_history(channel=chan, limit=1)["messages"][0]
    assert notice["subtype"] == "channel_name"
    assert (notice["old_name"], notice["name"]) == ("before", "after")
    assert events.of("channel_rename")[0]["channel"]["name"] == "after"
    assert error_of(lambda: bot.conversations_rename(channel=chan, name="random")) == "name_taken"
    assert error_of(lambda: bot.conversations_rename(channel=chan, name="Bad!")) == "invalid_name_specials"
    random = channel_id(bot, "random")
    assert error_of(lambda: bot.conversations_rename(channel=random, name="rnd")) == "not_in_channel"


def test_set_topic_and_purpose(bot: WebClient, events: Recorder) -> None:
    general = channel_id(bot, "general")
    chan = bot.conversations_setTopic(channel=general, topic="Ship it")["channel"]
    assert chan["topic"]["value"] == "Ship it" and chan["topic"]["creator"] == bot.auth_test()["user_id"]
    notice = bot.conversations_history(channel=general, limit=1)["messages"][0]
    assert notice["subtype"] == "channel_topic" and notice["topic"] == "Ship it"
    assert notice["text"] == "set the channel topic: Ship it"
    chan = bot.conversations_setPurpose(channel=general, purpose="All hands")["channel"]
    assert chan["purpose"]["value"] == "All hands"
    notice = bot.conversations_history(channel=general, limit=1)["messages"][0]
    assert notice["subtype"] == "channel_purpose" and notice["purpose"] == "All hands"
    assert [e["subtype"] for e in events.of("message")] == ["channel_topic", "channel_purpose"]
    assert events.of("message")[0]["channel_type"] == "channel"
    too_long = "x" * 251
    assert error_of(lambda: bot.conversations_setTopic(channel=general, topic=too_long)) == "too_long"
    random = channel_id(bot, "random")
    assert error_of(lambda: bot.conversations_setTopic(channel=random, topic="hi")) == "not_in_channel"


def test_archive_and_unarchive(bot: WebClient, events: Recorder) -> None:
    chan = bot.conversations_create(name="short-lived")["channel"]["id"]
    assert bot.conversations_archive(channel=chan)["ok"] is True
    assert bot.conversations_info(channel=chan)["channel"]["is_archived"] is True
    assert error_of(lambda: bot.conversations_archive(channel=chan)) == "already_archived"
    assert error_of(lambda: bot.conversations_setTopic(channel=chan, topic="x")) == "is_archived"
    assert error_of(lambda: bot.conversations_invite(channel=chan, users="U1")) == "is_archived"
    assert error_of(lambda: bot.conversations_leave(channel=chan)) == "is_archived"
    assert events.of("channel_archive")[0]["channel"] == chan
    assert bot.conversations_unarchive(channel=chan)["ok"] is True
    assert error_of(lambda: bot.conversations_unarchive(channel=chan)) == "not_archived"
    subtypes = [m.get("subtype") for m in bot.conversations_history(channel=chan)["messages"]]
    assert subtypes[:2] == ["channel_unarchive", "channel_archive"]
    assert events.of("channel_unarchive")[0]["channel"] == chan


def test_archive_rules(bot: WebClient, user_client: WebClient, events: Recorder) -> None:
    general = channel_id(bot, "general")
    assert error_of(lambda: bot.conversations_archive(channel=general)) == "cant_archive_general"
    im = user_client.conversations_list(types="im")["channels"][0]["id"]
    code = error_of(lambda: user_client.conversations_archive(channel=im))
    assert code == "method_not_supported_for_channel_type"
    secret = user_client.conversations_create(name="hush", is_private=True)["channel"]["id"]
    user_client.conversations_archive(channel=secret)
    assert events.of("group_archive")[0]["channel"] == secret
    user_client.conversations_unarchive(channel=secret)
    assert events.of("group_unarchive")[0]["channel"] == secret


def test_mark(user_client: WebClient) -> None:
    general = channel_id(user_client, "general")
    latest = user_client.conversations_history(channel=general, limit=1)["messages"][0]["ts"]
    assert user_client.conversations_mark(channel=general, ts=latest)["ok"] is True
    assert user_client.conversations_info(channel=general)["channel"]["last_read"] == latest
    assert (
        error_of(lambda: user_client.conversations_mark(channel=general, ts="later")) == "invalid_timestamp"
    )


# --- membership ------------------------------------------------------------------------------------


def test_join_and_leave(bot: WebClient, events: Recorder) -> None:
    random = channel_id(bot, "random")
    chan = bot.conversations_join(channel=random)["channel"]
    assert chan["is_member"] is True
    again = bot.conversations_join(channel=random)
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]
    assert bot.conversations_history(channel=random, limit=1)["messages"][0]["subtype"] == "channel_join"
    assert bot.conversations_leave(channel=random)["ok"] is True
    assert bot.conversations_leave(channel=random)["not_in_channel"] is True
    assert error_of(lambda: bot.conversations_history(channel=random)) == "not_in_channel"
    assert [e["channel"] for e in events.of("member_joined_channel")] == [random]
    assert events.of("member_left_channel")[0]["user"] == bot.auth_test()["user_id"]
    assert events.of("channel_left")[0]["channel"] == random


def test_join_and_leave_rules(bot: WebClient, user_client: WebClient) -> None:
    general = channel_id(bot, "general")
    assert error_of(lambda: bot.conversations_leave(channel=general)) == "cant_leave_general"
    old = channel_id(bot, "old-project")
    assert error_of(lambda: bot.conversations_join(channel=old)) == "is_archived"
    design = channel_id(user_client, "design")
    assert error_of(lambda: bot.conversations_join(channel=design)) == "channel_not_found"
    im = user_client.conversations_list(types="im")["channels"][0]["id"]
    assert error_of(lambda: user_client.conversations_leave(channel=im)) == (
        "method_not_supported_for_channel_type"
    )
    assert error_of(lambda: user_client.conversations_join(channel=im)) == (
        "method_not_supported_for_channel_type"
    )


def test_last_member_cannot_leave_a_private_channel(user_client: WebClient) -> None:
    chan = user_client.conversations_create(name="solo", is_private=True)["channel"]["id"]
    assert error_of(lambda: user_client.conversations_leave(channel=chan)) == "last_member"


def test_invite(bot: WebClient, slack_app: FastAPI, events: Recorder) -> None:
    crowd = people(slack_app)
    chan = bot.conversations_create(name="invites")["channel"]["id"]
    resp = bot.conversations_invite(channel=chan, users=[crowd[1]["id"], crowd[2]["id"]])
    assert resp["channel"]["id"] == chan
    members = bot.conversations_members(channel=chan)["members"]
    assert crowd[1]["id"] in members and crowd[2]["id"] in members
    joins = [m for m in bot.conversations_history(channel=chan)["messages"] if m.get("inviter")]
    assert {m["user"] for m in joins} == {crowd[1]["id"], crowd[2]["id"]}
    assert {e.get("inviter") for e in events.of("member_joined_channel")[1:]} == {bot.auth_test()["user_id"]}

    with pytest.raises(SlackApiError) as info:
        bot.conversations_invite(channel=chan, users=[crowd[1]["id"], crowd[3]["id"]])
    assert info.value.response["error"] == "already_in_channel"
    assert info.value.response["errors"] == [
        {"user": crowd[1]["id"], "ok": False, "error": "already_in_channel"}
    ]
    assert crowd[3]["id"] not in bot.conversations_members(channel=chan)["members"]  # nothing changed
    forced = bot.conversations_invite(channel=chan, users=[crowd[1]["id"], crowd[3]["id"]], force=True)
    assert crowd[3]["id"] in bot.conversations_members(channel=chan)["members"]
    assert forced["errors"][0]["user"] == crowd[1]["id"]


def test_invite_errors(bot: WebClient, user_client: WebClient, slack_app: FastAPI) -> None:
    me = bot.auth_test()["user_id"]
    general = channel_id(bot, "general")
    assert error_of(lambda: bot.conversations_invite(channel=general, users=me)) == "cant_invite_self"
    assert error_of(lambda: bot.conversations_invite(channel=general, users="U0NOPE")) == "user_not_found"
    assert error_of(lambda: bot.conversations_invite(channel=general, users="")) == "no_user"
    random = channel_id(bot, "random")
    other = people(slack_app)[1]["id"]
    assert error_of(lambda: bot.conversations_invite(channel=random, users=other)) == "not_in_channel"
    im = user_client.conversations_list(types="im")["channels"][0]["id"]
    assert error_of(lambda: user_client.conversations_invite(channel=im, users=other)) == (
        "method_not_supported_for_channel_type"
    )


def test_kick(bot: WebClient, slack_app: FastAPI, events: Recorder) -> None:
    crowd = people(slack_app)
    chan = bot.conversations_create(name="kicks")["channel"]["id"]
    bot.conversations_invite(channel=chan, users=crowd[1]["id"])
    assert bot.conversations_kick(channel=chan, user=crowd[1]["id"])["ok"] is True
    assert crowd[1]["id"] not in bot.conversations_members(channel=chan)["members"]
    assert events.of("member_left_channel")[0]["user"] == crowd[1]["id"]
    assert error_of(lambda: bot.conversations_kick(channel=chan, user=crowd[1]["id"])) == "not_in_channel"
    me = bot.auth_test()["user_id"]
    assert error_of(lambda: bot.conversations_kick(channel=chan, user=me)) == "cant_kick_self"
    assert error_of(lambda: bot.conversations_kick(channel=chan, user="U0NOPE")) == "user_not_found"
    general = channel_id(bot, "general")
    code = error_of(lambda: bot.conversations_kick(channel=general, user=crowd[1]["id"]))
    assert code == "cant_kick_from_general"


def test_open_im_and_reuse(bot: WebClient, slack_app: FastAPI, events: Recorder) -> None:
    other = people(slack_app)[1]["id"]
    first = bot.conversations_open(users=other)
    assert set(first["channel"]) == {"id"} and first["channel"]["id"].startswith("D")
    assert "already_open" not in first
    again = bot.conversations_open(users=[other], return_im=True)
    assert again["channel"]["id"] == first["channel"]["id"]
    assert again["no_op"] is True and again["already_open"] is True
    assert again["channel"]["is_im"] is True and again["channel"]["user"] == other
    assert events.of("im_created")[0]["channel"]["id"] == first["channel"]["id"]
    by_channel = bot.conversations_open(channel=first["channel"]["id"])
    assert by_channel["channel"]["id"] == first["channel"]["id"]
    ims = [c["id"] for c in bot.conversations_list(types="im")["channels"]]
    assert ims == [first["channel"]["id"]]


def test_open_mpim(user_client: WebClient, slack_app: FastAPI) -> None:
    crowd = people(slack_app)
    pair = [crowd[1]["id"], crowd[2]["id"]]
    mpim = user_client.conversations_open(users=pair)["channel"]
    assert mpim["is_mpim"] is True and mpim["name"].startswith("mpdm-")
    reused = user_client.conversations_open(users=list(reversed(pair)))
    assert reused["channel"]["id"] == mpim["id"] and reused["already_open"] is True
    members = user_client.conversations_members(channel=mpim["id"])["members"]
    assert members == [crowd[0]["id"], *pair]
    listed = user_client.conversations_list(types="mpim")["channels"]
    assert [c["id"] for c in listed] == [mpim["id"]]
    assert user_client.conversations_leave(channel=mpim["id"])["ok"] is True


def test_open_errors(bot: WebClient, slack_app: FastAPI) -> None:
    crowd = [u["id"] for u in people(slack_app)]
    assert error_of(lambda: bot.conversations_open(users="U0NOPE")) == "user_not_found"
    assert error_of(lambda: bot.conversations_open(users=crowd[:9])) == "too_many_users"
    assert error_of(lambda: bot.conversations_open(users="")) == "users_list_not_supplied"
    general = channel_id(bot, "general")
    code = error_of(lambda: bot.conversations_open(channel=general))
    assert code == "method_not_supported_for_channel_type"
    deleted = next(u["id"] for u in state_of(slack_app)["users"] if u["deleted"])
    assert error_of(lambda: bot.conversations_open(users=deleted)) == "user_disabled"


async def test_async_client_writes_with_query_strings(async_bot: AsyncWebClient, bot: WebClient) -> None:
    random = channel_id(bot, "random")
    resp = await async_bot.conversations_join(channel=random)
    assert resp["channel"]["is_member"] is True
    info = await async_bot.conversations_info(channel=random, include_num_members=True)
    assert info["channel"]["is_member"] is True


def test_failed_write_changes_nothing(bot: WebClient, slack_app: FastAPI) -> None:
    before = len(state_of(slack_app)["messages"])
    general = channel_id(bot, "general")
    with pytest.raises(SlackApiError):
        bot.conversations_invite(channel=general, users="U0NOPE")
    assert len(state_of(slack_app)["messages"]) == before
