"""chat.scheduleMessage and friends, and delivery by the tenant clock (lazy and in the background)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import make_app
from tests.support.tenants import Recorder
from twins._runtime.collection import TenantState
from twins.slack import scheduler

pytestmark = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")


def tenant(app: FastAPI) -> TenantState:
    ctx = app.state.twin
    state = ctx.default_state()
    assert isinstance(state, TenantState)
    return state


def now(app: FastAPI) -> float:
    return tenant(app).clock.now()


def texts(app: FastAPI, channel: str) -> list[str]:
    return [m["text"] for m in tenant(app)["messages"].where("channel", channel)]


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


def test_schedule_list_and_delete(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    t0 = int(now(slack_app))
    first = bot.chat_scheduleMessage(channel="#general", text="later", post_at=t0 + 600)
    assert first["channel"].startswith("C")
    assert first["scheduled_message_id"].startswith("Q")
    assert first["post_at"] == t0 + 600
    assert first["message"]["type"] == "delayed_message"
    assert first["message"]["text"] == "later"
    assert first["message"]["bot_id"].startswith("B")
    second = bot.chat_scheduleMessage(channel="#engineering", text="sooner", post_at=t0 + 300)
    listed = bot.chat_scheduledMessages_list()["scheduled_messages"]
    assert [m["id"] for m in listed] == [second["scheduled_message_id"], first["scheduled_message_id"]]
    assert listed[1] == {
        "id": first["scheduled_message_id"],
        "channel_id": first["channel"],
        "post_at": t0 + 600,
        "date_created": listed[1]["date_created"],
        "text": "later",
    }
    only = bot.chat_scheduledMessages_list(channel=first["channel"])["scheduled_messages"]
    assert [m["id"] for m in only] == [first["scheduled_message_id"]]
    window = bot.chat_scheduledMessages_list(oldest=str(t0 + 400), latest=str(t0 + 700))["scheduled_messages"]
    assert [m["id"] for m in window] == [first["scheduled_message_id"]]
    assert bot.chat_deleteScheduledMessage(
        channel=first["channel"], scheduled_message_id=first["scheduled_message_id"]
    )["ok"]
    listed = bot.chat_scheduledMessages_list()["scheduled_messages"]
    assert [m["id"] for m in listed] == [second["scheduled_message_id"]]
    err = error_of(
        lambda: bot.chat_deleteScheduledMessage(
            channel=first["channel"], scheduled_message_id=first["scheduled_message_id"]
        )
    )
    assert err == "invalid_scheduled_message_id"
    # another channel than the one it was scheduled in
    err = error_of(
        lambda: bot.chat_deleteScheduledMessage(
            channel=first["channel"], scheduled_message_id=second["scheduled_message_id"]
        )
    )
    assert err == "invalid_scheduled_message_id"
    err = error_of(lambda: bot.chat_deleteScheduledMessage(channel="C0NONE", scheduled_message_id="Q1"))
    assert err == "channel_not_found"


def test_list_is_per_author_and_pages(bot: WebClient, user_client: WebClient, slack_app: FastAPI) -> None:
    t0 = int(now(slack_app))
    ids = [
        bot.chat_scheduleMessage(channel="#general", text=f"m{i}", post_at=t0 + 100 + i)[
            "scheduled_message_id"
        ]
        for i in range(5)
    ]
    user_client.chat_scheduleMessage(channel="#general", text="theirs", post_at=t0 + 50)
    seen: list[str] = []
    for page in bot.chat_scheduledMessages_list(limit=2):
        seen.extend(m["id"] for m in page["scheduled_messages"])
    assert seen == ids
    assert len(user_client.chat_scheduledMessages_list()["scheduled_messages"]) == 1
    assert error_of(lambda: bot.chat_scheduledMessages_list(cursor="bogus!")) == "invalid_cursor"
    assert error_of(lambda: bot.chat_scheduledMessages_list(channel="C0NONE")) == "invalid_channel"


def test_schedule_errors(bot: WebClient, slack_app: FastAPI) -> None:
    t0 = int(now(slack_app))
    assert (
        error_of(lambda: bot.chat_scheduleMessage(channel="#general", text="x", post_at=t0 - 10))
        == "time_in_past"
    )
    err = error_of(lambda: bot.chat_scheduleMessage(channel="#general", text="x", post_at=t0 + 121 * 86400))
    assert err == "time_too_far"
    assert bot.chat_scheduleMessage(channel="#general", text="x", post_at=t0 + 119 * 86400)["ok"]
    assert (
        error_of(lambda: bot.chat_scheduleMessage(channel="#general", text="x", post_at="soon"))
        == "invalid_time"
    )
    err = error_of(lambda: bot.chat_scheduleMessage(channel="#nope", text="x", post_at=t0 + 60))
    assert err == "channel_not_found"
    err = error_of(lambda: bot.chat_scheduleMessage(channel="#random", text="x", post_at=t0 + 60))
    assert err == "not_in_channel"
    err = error_of(lambda: bot.chat_scheduleMessage(channel="#old-project", text="x", post_at=t0 + 60))
    assert err == "is_archived"
    assert (
        error_of(lambda: bot.chat_scheduleMessage(channel="#general", text="", post_at=t0 + 60)) == "no_text"
    )


def test_due_messages_are_posted_on_the_next_call(
    bot: WebClient, base_url: str, slack_app: FastAPI, creds: dict[str, Any], events: Recorder
) -> None:
    recorder = events
    t0 = int(now(slack_app))
    scheduled = bot.chat_scheduleMessage(channel="#general", text="tick", post_at=t0 + 60)
    parent = bot.chat_postMessage(channel="#general", text="thread")
    bot.chat_scheduleMessage(channel="#general", text="tock", post_at=t0 + 120, thread_ts=parent["ts"])
    chan = scheduled["channel"]
    assert "tick" not in texts(slack_app, chan)
    clock = httpx.post(f"{base_url}/_twin/clock", json={"advance": 3600})
    assert clock.status_code == 200
    assert "tick" not in texts(slack_app, chan)  # nothing has asked yet
    bot.auth_test()  # any Web API call on the tenant delivers what is due
    rows = {m["text"]: m for m in tenant(slack_app)["messages"].where("channel", chan)}
    assert rows["tick"]["user"] == creds["bot_user_id"]
    assert rows["tick"]["bot_id"]
    assert int(float(rows["tick"]["ts"])) == t0 + 60  # posted at its time, not at the call's
    assert rows["tock"]["thread_ts"] == parent["ts"]
    assert rows["thread"]["reply_count"] == 1
    assert bot.chat_scheduledMessages_list()["scheduled_messages"] == []
    delivered = [e["text"] for t, e in recorder.events if t == "message"]
    assert delivered[-2:] == ["tick", "tock"]


def test_delivery_skips_archived_channels(slack_app: FastAPI, bot: WebClient) -> None:
    t0 = int(now(slack_app))
    resp = bot.chat_scheduleMessage(channel="#general", text="doomed", post_at=t0 + 60)
    ctx = slack_app.state.twin

    def archive_and_deliver(st: TenantState) -> list[Any]:
        st["conversations"].update(resp["channel"], is_archived=True)
        st.clock.advance(120)
        return scheduler.deliver_due(st, [])

    posted = asyncio.run(ctx.store.run(ctx.settings.default_tenant, archive_and_deliver))
    assert posted == []
    row = tenant(slack_app)["scheduled"].get(resp["scheduled_message_id"])
    assert row is not None and row["state"] == "failed"


async def test_background_task_delivers_without_any_call() -> None:
    slack_app = make_app()  # its own: the lifespan ends by closing the store
    ctx = slack_app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "http://testserver")
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}
    transport = httpx.ASGITransport(app=slack_app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        slack_app.router.lifespan_context(slack_app),
    ):
        loop = scheduler.scheduler_of(slack_app.state.twin)
        assert loop.running
        t0 = int(now(slack_app))
        resp = await client.post(
            "/api/chat.scheduleMessage",
            json={"channel": "#general", "text": "bg", "post_at": t0 + 30},
            headers=auth,
        )
        chan = resp.json()["channel"]
        assert (await client.post("/_twin/clock", json={"freeze": True, "advance": 3600})).status_code == 200
        for _ in range(50):
            if "bg" in texts(slack_app, chan):
                break
            await asyncio.sleep(0.1)
        assert "bg" in texts(slack_app, chan)
    assert not loop.running


async def test_async_client_schedules(async_bot: AsyncWebClient, slack_app: FastAPI) -> None:
    t0 = int(now(slack_app))
    resp = await async_bot.chat_scheduleMessage(channel="#general", text="async", post_at=t0 + 90)
    listed = await async_bot.chat_scheduledMessages_list(channel=resp["channel"])
    assert [m["id"] for m in listed["scheduled_messages"]] == [resp["scheduled_message_id"]]
    deleted = await async_bot.chat_deleteScheduledMessage(
        channel=resp["channel"], scheduled_message_id=resp["scheduled_message_id"]
    )
    assert deleted["ok"]
