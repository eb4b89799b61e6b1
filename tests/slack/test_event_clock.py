"""Events API deliveries take their time from the workspace's clock (frozen and advanced through
the admin API) and their ids from the workspace's event id sequence."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.slack.test_events import Receiver, channel, deliveries, people, post, receiver, register, tenant
from twins._runtime.ids import UPPER_ALNUM, IdSource

FROZEN = 1_800_000_000.5  # 2027-01-15T08:00:00.5Z, far from the wall clock
__all__ = ["receiver"]  # the fixture


async def set_clock(client: httpx.AsyncClient, **body: Any) -> float:
    resp = await client.post("/_twin/clock", json=body)
    assert resp.status_code == 200, resp.text
    return float(resp.json()["now"])


def delivered(receiver: Receiver) -> list[tuple[str, dict[str, Any]]]:
    """(signature timestamp, envelope) of each event_callback the app received, in order."""
    return [
        (r.headers["x-slack-request-timestamp"], r.json)
        for r in receiver.requests
        if r.json.get("type") == "event_callback"
    ]


async def delivered_count(client: httpx.AsyncClient, app_id: str, n: int) -> None:
    found = await deliveries(
        client, lambda d: len(d) == n and all(x["status"] == "delivered" for x in d), app_id=app_id
    )
    assert len(found) == n and all(x["status"] == "delivered" for x in found), found


async def test_delivered_events_follow_the_frozen_and_advanced_clock(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    app = await register(
        client, receiver.url, channels=["general"], events=["message.channels", "reaction_added"]
    )
    general = channel(slack_app, "general")["id"]
    assert await set_clock(client, freeze=True, at=FROZEN) == FROZEN
    sent = await post(client, people(slack_app)[1], channel="general", text="frozen")
    ts = sent["response"]["ts"]
    await delivered_count(client, app["app_id"], 1)
    assert await set_clock(client, advance=90) == FROZEN + 90
    reacted = await client.post(
        "/api/reactions.add",
        data={"token": app["bot_token"], "channel": general, "timestamp": ts, "name": "eyes"},
    )
    assert reacted.json()["ok"] is True
    await delivered_count(client, app["app_id"], 2)
    await set_clock(client, advance=3600)
    posted = await client.post(
        "/api/chat.postMessage", data={"token": app["bot_token"], "channel": general, "text": "later"}
    )
    assert posted.json()["ok"] is True
    await delivered_count(client, app["app_id"], 3)

    got = delivered(receiver)
    assert [e["event"]["type"] for _, e in got] == ["message", "reaction_added", "message"]
    (stamp1, first), (stamp2, reaction), (stamp3, last) = got
    assert first["event_time"] == int(FROZEN)
    assert first["event"]["ts"] == first["event"]["event_ts"] == ts == f"{FROZEN:.6f}"
    assert reaction["event_time"] == int(FROZEN + 90)  # no ts of its own: event_ts is the clock's
    assert reaction["event"]["event_ts"] == f"{FROZEN + 90:.6f}"
    assert last["event_time"] == int(FROZEN + 3690)
    assert last["event"]["event_ts"] == last["event"]["ts"] == f"{FROZEN + 3690:.6f}"
    # Each request is signed at the workspace's time, and the journal says when it was sent.
    assert [stamp1, stamp2, stamp3] == [str(int(FROZEN)), str(int(FROZEN + 90)), str(int(FROZEN + 3690))]
    journal = await deliveries(client, lambda d: True, app_id=app["app_id"])
    assert [d["event_id"] for d in journal] == [e["event_id"] for _, e in got]
    assert [int(d["sent_at"]) for d in journal] == [int(stamp) for stamp in (stamp1, stamp2, stamp3)]


async def test_event_ids_are_the_workspaces_sequence(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    app = await register(client, receiver.url, channels=["general"])
    for text in ("one", "two", "three"):
        await post(client, people(slack_app)[1], channel="general", text=text)
    await delivered_count(client, app["app_id"], 3)
    state = tenant(slack_app)
    ids = IdSource(state.seed, scope=f"{state.id}:events")
    expected = ["Ev" + ids.chars("event", 10, UPPER_ALNUM) for _ in range(3)]
    assert [e["event_id"] for _, e in delivered(receiver)] == expected
