"""POST /_twin/reset puts everything of a workspace back to its seed state, the logs and queues the
twin keeps outside the store included: after a reset every admin view equals a fresh twin's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.slack.conftest import make_app
from tests.slack.test_events import Receiver, register
from tests.slack.test_interactivity import App, reply, setup_app
from tests.support.admin_views import admin_views, differences, wait_until
from twins.slack.outbox import journal_of

# Every admin view that shows something of the tenant. Left out: /_twin/health (the process),
# /_twin/slack/delivery-settings (timeouts of the process, not of a workspace).
VIEWS = [
    "/_twin/tenants",
    "/_twin/state",
    "/_twin/journal",
    "/_twin/clock",
    "/_twin/faults",
    "/_twin/credentials",
    "/_twin/snapshots",
    "/_twin/slack/apps",
    "/_twin/slack/deliveries",
    "/_twin/slack/ephemeral",
]
FROZEN_AT = time.time() // 1 + 0.5


def strict_app() -> FastAPI:
    return make_app(rate_limits="strict")


@pytest.fixture
def apps() -> Iterator[list[FastAPI]]:
    """Two twins built alike: one to make dirty and reset, one left fresh."""
    built = [strict_app(), strict_app()]
    yield built
    for app in built:
        app.state.twin.store.stop()


@pytest.fixture
async def twins(apps: list[FastAPI]) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://testserver") for a in apps
    ]
    yield clients[0], clients[1]
    for c in clients:
        await c.aclose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def failing() -> Iterator[Receiver]:
    """An app endpoint that answers url_verification, then fails every event with a 500."""

    def answer(request: Any) -> tuple[int, dict[str, str], bytes]:
        data = request.json
        if data.get("type") == "url_verification":
            return 200, {"Content-Type": "text/plain"}, data["challenge"].encode()
        return 500, {}, b""

    r = Receiver(handler=answer).start()
    yield r
    r.stop()


async def bot_post(client: httpx.AsyncClient, token: str, channel: str, text: str) -> dict[str, Any]:
    resp = await client.post(
        "/api/chat.postMessage",
        data={"channel": channel, "text": text},
        headers={"Authorization": f"Bearer {token}"},
    )
    return dict(resp.json())


async def deliveries(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await client.get("/_twin/slack/deliveries")).json())


async def make_dirty(client: httpx.AsyncClient, receiver: Receiver, failing: Receiver, user: str) -> str:
    """Leave something in every store, log and queue of the default workspace; the bot token."""
    creds = (await client.get("/_twin/credentials")).json()
    bot = creds["bot_token"]
    # Event deliveries (url_verification, a delivered message event) and a registered app.
    app = await register(client, receiver.url, interactivity_url=receiver.url, commands=[{"command": "/t"}])
    endpoint = App(receiver)
    endpoint.answers["command"] = reply("Working on it")
    # A retry waiting in the queue: the second app fails and waits 30 s before trying again.
    await client.put("/_twin/slack/delivery-settings", json={"timeout": 1.0, "retry_delays": [30.0]})
    await register(client, failing.url, name="Failing", channels=["general"])
    await setup_app(client, receiver)
    # The clock stands still at FROZEN_AT, so both posts fall in one rate-limit window.
    await client.post("/_twin/clock", json={"freeze": True, "at": FROZEN_AT})
    assert (await bot_post(client, bot, "#general", "first"))["ok"]
    # Rate-limit window: strict mode allows one post a second per channel.
    assert (await bot_post(client, bot, "#general", "second"))["error"] == "ratelimited"
    # An ephemeral answer to a slash command, and its live response_url.
    command = {"command": "/t", "channel": "general"}
    out = await client.post(f"/_twin/slack/humans/{user}/command", json=command)
    assert out.json()["applied"]["action"] == "ephemeral", out.text
    # A scheduled message, a moved clock and a fault rule.
    resp = await client.post(
        "/api/chat.scheduleMessage",
        data={"channel": "#general", "text": "later", "post_at": str(int(FROZEN_AT) + 7200)},
        headers={"Authorization": f"Bearer {bot}"},
    )
    assert resp.json()["ok"], resp.text
    await client.post("/_twin/clock", json={"advance": 3600})
    await client.post("/_twin/faults", json={"method": "GET", "path": "/api/nothing", "action": "error"})

    async def retry_waiting() -> bool:
        found = await deliveries(client)
        failed = [d for d in found["deliveries"] if d["app_id"] != app["app_id"] and d["status"] == "failed"]
        return bool(failed) and found["pending"] > 0

    await wait_until(retry_waiting)
    return str(out.json()["response_url"])


async def test_reset_returns_every_admin_view_to_a_fresh_workspace(
    twins: tuple[httpx.AsyncClient, httpx.AsyncClient], receiver: Receiver, failing: Receiver
) -> None:
    dirty, fresh = twins
    user = (await dirty.get("/_twin/state", params={"collection": "users"})).json()
    person = next(u["id"] for u in user["collections"]["users"] if not u["is_bot"] and not u["deleted"])
    response_url = await make_dirty(dirty, receiver, failing, person)
    before = await admin_views(dirty, VIEWS)
    assert before["/_twin/slack/ephemeral"]["messages"] and before["/_twin/slack/deliveries"]["deliveries"]

    resp = await dirty.post("/_twin/reset")
    assert resp.status_code == 200, resp.text
    after, expected = await admin_views(dirty, VIEWS), await admin_views(fresh, VIEWS)
    assert after == expected, differences(after, expected)

    # The queued retry is gone for good, the response_url no longer works.
    failed_before = len(failing.requests)
    await asyncio.sleep(0.1)
    assert (await deliveries(dirty))["pending"] == 0 and len(failing.requests) == failed_before
    gone = await dirty.post(response_url.replace("http://testserver", ""), json={"text": "late"})
    assert gone.status_code == 404 and gone.json() == {"ok": False, "error": "no_active_hooks"}
    # The rate-limit window starts over, and event ids repeat those of a fresh workspace.
    ids = []
    for client in (dirty, fresh):
        await client.put("/_twin/slack/delivery-settings", json={"retry_delays": [0.01]})
        await register(client, receiver.url, channels=["general"])
        bot = (await client.get("/_twin/credentials")).json()["bot_token"]
        await client.post("/_twin/clock", json={"freeze": True, "at": FROZEN_AT})  # the same window
        assert (await bot_post(client, bot, "#general", "after"))["ok"]

        async def delivered(c: httpx.AsyncClient = client) -> bool:
            found = (await deliveries(c))["deliveries"]
            return any(d["kind"] == "event_callback" and d["status"] == "delivered" for d in found)

        await wait_until(delivered)
        ids.append([d["event_id"] for d in (await deliveries(client))["deliveries"] if d["event_id"]])
    assert ids[0] == ids[1] and ids[0]


async def test_seed_and_delete_forget_the_logs_too(
    apps: list[FastAPI],
    twins: tuple[httpx.AsyncClient, httpx.AsyncClient],
    receiver: Receiver,
    failing: Receiver,
) -> None:
    dirty, _ = twins
    user = (await dirty.get("/_twin/state", params={"collection": "users"})).json()
    person = next(u["id"] for u in user["collections"]["users"] if not u["is_bot"] and not u["deleted"])
    await make_dirty(dirty, receiver, failing, person)
    assert (await dirty.post("/_twin/seed", json={})).status_code == 200
    assert (await deliveries(dirty)) == {"tenant": "default", "deliveries": [], "pending": 0}
    assert (await dirty.get("/_twin/slack/ephemeral")).json() == {"messages": []}

    assert (await dirty.post("/_twin/tenants", json={"id": "other"})).status_code == 201
    await register(dirty, receiver.url, name="Other")  # default tenant
    headers = {"X-Twin-Tenant": "other"}
    resp = await dirty.post(
        "/_twin/slack/apps", params={"tenant": "other"}, json={"name": "O", "request_url": receiver.url}
    )
    assert resp.status_code == 201, resp.text
    assert (await dirty.get("/_twin/slack/deliveries", params={"tenant": "other"}, headers=headers)).json()[
        "deliveries"
    ]
    assert (await dirty.delete("/_twin/tenants/other")).status_code == 200
    journal = journal_of(apps[0].state.twin)
    assert journal.matching("other") == []
    assert journal.matching("default")  # the default workspace keeps its own
