"""Remembered renderings (twins.slack.rendered): every change to what a message renders as shows in
conversations.history and conversations.replies at once, byte for byte as a fresh rendering."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.slack import rendered, schemas
from twins.slack.errors import SlackError
from twins.slack.methods.conversations import in_bounds


def state_of(app: FastAPI) -> TenantState:
    ctx: TwinContext = app.state.twin
    state = ctx.default_state()
    assert state is not None
    return state


def conv_id(app: FastAPI, name: str) -> str:
    row = state_of(app)["conversations"].by("name", name)
    assert row is not None
    return str(row["id"])


def fresh_history(state: TenantState, channel: str, limit: int = 100) -> bytes:
    """conversations.history's answer as the twin made it before renderings were remembered:
    every message rendered anew, timestamps parsed with Decimal, the channel sorted per call."""
    rows = state["messages"].where("channel", channel)
    shown = [r for r in rows if not r["thread_ts"] or r["thread_ts"] == r["ts"] or r["reply_broadcast"]]
    shown.sort(key=lambda r: Decimal(r["ts"]), reverse=True)
    assert len(shown) <= limit
    payload = {
        "ok": True,
        "messages": [schemas.message(r, state, base="http://testserver") for r in shown],
        "has_more": False,
        "pin_count": sum(1 for r in rows if channel in r["pinned_to"]),
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": ""},
    }
    return json.dumps(payload, separators=(",", ":")).encode()


class Twin:
    """The app in process with the bot token; `api` calls the Web API, `check` compares history."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
        self.app = app
        self.client = client
        self.creds = creds
        self.auth = {"Authorization": f"Bearer {creds['bot_token']}"}
        self.user_auth = {"Authorization": f"Bearer {creds['user_token']}"}

    async def api(self, method: str, *, as_user: bool = False, **args: Any) -> dict[str, Any]:
        headers = self.user_auth if as_user else self.auth
        resp = await self.client.post(f"/api/{method}", json=args, headers=headers)
        body: dict[str, Any] = resp.json()
        assert body["ok"], body
        return body

    async def history(self, channel: str) -> bytes:
        resp = await self.client.get(
            "/api/conversations.history", params={"channel": channel, "limit": 100}, headers=self.auth
        )
        return resp.content

    async def check(self, channel: str) -> dict[str, Any]:
        """History, asked twice (the second answer comes from what was remembered), equals a
        fresh rendering; returns it parsed."""
        first, second = await self.history(channel), await self.history(channel)
        assert first == second == fresh_history(state_of(self.app), channel)
        body: dict[str, Any] = json.loads(first)
        return body


@pytest.fixture
def twin(slack_app: FastAPI, client: httpx.AsyncClient, creds: dict[str, Any]) -> Twin:
    return Twin(slack_app, client, creds)


def by_ts(body: dict[str, Any], ts: str) -> dict[str, Any]:
    return next(m for m in body["messages"] if m["ts"] == ts)


async def test_edits_reactions_pins_and_deletes_show_at_once(twin: Twin) -> None:
    chan = conv_id(twin.app, "engineering")
    await twin.check(chan)
    posted = await twin.api("chat.postMessage", channel=chan, text="first \u00e9 \u65e5 \u2028")
    ts = posted["ts"]
    assert by_ts(await twin.check(chan), ts)["text"] == "first \u00e9 \u65e5 \u2028"
    await twin.api("chat.update", channel=chan, ts=ts, text="edited")
    assert by_ts(await twin.check(chan), ts)["edited"]["user"] == twin.creds["bot_user_id"]
    await twin.api("reactions.add", channel=chan, timestamp=ts, name="tada")
    assert by_ts(await twin.check(chan), ts)["reactions"][0]["count"] == 1
    await twin.api("reactions.add", channel=chan, timestamp=ts, name="tada", as_user=True)
    assert by_ts(await twin.check(chan), ts)["reactions"][0]["count"] == 2
    await twin.api("reactions.remove", channel=chan, timestamp=ts, name="tada")
    assert by_ts(await twin.check(chan), ts)["reactions"][0]["count"] == 1
    await twin.api("pins.add", channel=chan, timestamp=ts)
    body = await twin.check(chan)
    assert body["pin_count"] == 1 and by_ts(body, ts)["pinned_to"] == [chan]
    await twin.api("pins.remove", channel=chan, timestamp=ts)
    assert (await twin.check(chan))["pin_count"] == 0
    await twin.api("chat.delete", channel=chan, ts=ts)
    assert all(m["ts"] != ts for m in (await twin.check(chan))["messages"])


async def test_thread_replies_and_their_parent_show_at_once(twin: Twin) -> None:
    chan = conv_id(twin.app, "engineering")
    root = (await twin.api("chat.postMessage", channel=chan, text="root"))["ts"]
    await twin.check(chan)
    await twin.api("chat.postMessage", channel=chan, text="reply", thread_ts=root)
    assert by_ts(await twin.check(chan), root)["reply_count"] == 1
    broadcast = await twin.api(
        "chat.postMessage", channel=chan, text="also", thread_ts=root, reply_broadcast=True, as_user=True
    )
    body = await twin.check(chan)
    assert by_ts(body, root)["reply_count"] == 2
    assert by_ts(body, broadcast["ts"])["parent_user_id"] == twin.creds["bot_user_id"]
    # Deleting the parent leaves a tombstone: the broadcast reply now names its author.
    await twin.api("chat.delete", channel=chan, ts=root)
    assert by_ts(await twin.check(chan), broadcast["ts"])["parent_user_id"] == "USLACKBOT"
    replies = await twin.client.get(
        "/api/conversations.replies", params={"channel": chan, "ts": root}, headers=twin.auth
    )
    state = state_of(twin.app)
    thread = [r for r in state["messages"].where("channel", chan) if r["thread_ts"] == root]
    thread.sort(key=lambda r: Decimal(r["ts"]))
    want = [schemas.message(r, state) for r in thread]
    assert replies.json()["messages"] == want


async def test_file_shares_and_file_changes_show_at_once(twin: Twin) -> None:
    chan = conv_id(twin.app, "engineering")
    await twin.check(chan)
    upload = await twin.api("files.getUploadURLExternal", filename="notes.txt", length=5)
    sent = await twin.client.post(upload["upload_url"].removeprefix("http://testserver"), content=b"hello")
    assert sent.status_code == 200
    files = json.dumps([{"id": upload["file_id"], "title": "Notes"}])
    await twin.api("files.completeUploadExternal", files=files, channel_id=chan, initial_comment="see")
    shared = (await twin.check(chan))["messages"][0]
    assert shared["files"][0]["title"] == "Notes"
    # The message row stays the same; its file row changes: the history shows the tombstone.
    await twin.api("files.delete", file=upload["file_id"])
    assert (await twin.check(chan))["messages"][0]["files"][0]["mode"] == "tombstone"


async def test_bot_profile_and_team_changes_show_at_once(twin: Twin, client: httpx.AsyncClient) -> None:
    chan = conv_id(twin.app, "engineering")
    ts = (await twin.api("chat.postMessage", channel=chan, text="from the bot"))["ts"]
    assert by_ts(await twin.check(chan), ts)["bot_profile"]["name"] == "Twin Bot"
    changed = await client.patch(f"/_twin/slack/apps/{twin.creds['app_id']}", json={"name": "Renamed"})
    assert changed.status_code == 200
    assert by_ts(await twin.check(chan), ts)["bot_profile"]["name"] == "Renamed"
    registered = await client.post("/_twin/slack/apps", json={"name": "Second", "channels": ["engineering"]})
    assert registered.status_code == 201
    await twin.check(chan)

    def new_team(state: TenantState) -> None:
        state.meta["team"] = {**state.meta["team"], "id": "TNEWTEAM01"}

    ctx: TwinContext = twin.app.state.twin
    await ctx.store.run(ctx.settings.default_tenant, new_team)
    body = await twin.check(chan)
    message = by_ts(body, ts)
    assert message["team"] == message["bot_profile"]["team_id"] == "TNEWTEAM01"


async def test_profile_changes_and_a_failed_write_leave_history_right(twin: Twin) -> None:
    chan = conv_id(twin.app, "engineering")
    await twin.api("chat.postMessage", channel=chan, text="by the admin", as_user=True)
    await twin.check(chan)
    await twin.api("users.profile.set", profile={"display_name": "boss"}, as_user=True)
    await twin.check(chan)
    ctx: TwinContext = twin.app.state.twin

    def post_then_fail(state: TenantState) -> None:
        row = next(iter(state["messages"].where("channel", chan)))
        state["messages"].update(row["id"], text="never stored")
        state["messages"].insert({"id": f"{chan}/1.000001", "channel": chan, "ts": "1.000001"})
        raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        await ctx.store.run(ctx.settings.default_tenant, post_then_fail)
    body = await twin.check(chan)
    assert all(m["text"] != "never stored" and m["ts"] != "1.000001" for m in body["messages"])


async def test_reset_shows_the_seeded_history(twin: Twin, client: httpx.AsyncClient) -> None:
    chan = conv_id(twin.app, "engineering")
    seeded = await twin.check(chan)
    await twin.api("chat.postMessage", channel=chan, text="gone after the reset")
    assert len((await twin.check(chan))["messages"]) == len(seeded["messages"]) + 1
    assert (await client.post("/_twin/reset")).status_code == 200
    assert await twin.check(chan) == seeded


# --- the pieces -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["0", "1", "1512085950.000216", " 1512085950.5 ", "007.000001", "1.", ".5", "1.1234567", "1e3",
     "1_000", "+1", "-0", "\u0661", "\u00b2", "1.\u0661", "", "x", "-1", "nan", "inf", "1.2.3", "1 .2"],
)  # fmt: skip
def test_ts_micros_agrees_with_decimal(text: str) -> None:
    def reference() -> int | str:
        try:
            number = Decimal(text.strip())
        except ArithmeticError:
            return "error"
        if not number.is_finite() or number < 0:
            return "error"
        return int(number * 1_000_000)

    try:
        got: int | str = rendered.ts_micros(text, "bad")
    except SlackError:
        got = "error"
    assert got == reference()


def test_history_range_agrees_with_a_scan() -> None:
    rnd = random.Random(7)
    for _ in range(200):
        stamps = sorted({rnd.randrange(0, 40) for _ in range(rnd.randrange(0, 12))}, reverse=True)
        rows: list[Row] = [{"ts": str(us)} for us in stamps]
        view = rendered.HistoryView(rows, rows, [-us for us in stamps], 0, [None] * len(rows))
        oldest, latest, start = (rnd.choice([None, rnd.randrange(-2, 42)]) for _ in range(3))
        inclusive = rnd.random() < 0.5
        first, end = rendered.history_range(view, oldest, latest, inclusive, start)
        scan = [
            r
            for r in rows
            if in_bounds(int(r["ts"]), oldest, latest, inclusive) and (start is None or int(r["ts"]) <= start)
        ]
        assert view.history[first:end] == scan
