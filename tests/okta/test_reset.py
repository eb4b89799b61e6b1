"""POST /_twin/reset puts everything of an org back to its seed state, the event hook attempts and
queues and the rate-limit windows included: after a reset every admin view equals a fresh twin's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.okta.conftest import make_app
from tests.okta.test_eventhooks import Receiver, verified_hook
from tests.support.admin_views import admin_views, differences, wait_until
from tests.support.servers import serve_app
from twins.kit import runtime_of
from twins.okta import hooks

# Every admin view that shows something of the org; /_twin/health is about the process.
VIEWS = [
    "/_twin/tenants",
    "/_twin/state",
    "/_twin/journal",
    "/_twin/clock",
    "/_twin/faults",
    "/_twin/credentials",
    "/_twin/snapshots",
    "/_twin/okta/hook-deliveries",
    "/_twin/okta/oauth/settings",
]


@pytest.fixture
def apps() -> Iterator[list[FastAPI]]:
    """Two twins built alike, with real rate limits: one to make dirty and reset, one left fresh."""
    built = [make_app(rate_limits="real"), make_app(rate_limits="real")]
    for app in built:
        outbox = hooks.outbox_of(app.state.twin)
        outbox.retry = replace(outbox.retry, timeout=5.0)
    yield built
    for app in built:
        runtime_of(app.state.twin).stop()
        app.state.twin.store.stop()


@pytest.fixture
async def twins(apps: list[FastAPI]) -> AsyncIterator[list[httpx.AsyncClient]]:
    clients = []
    for app in apps:
        token = app.state.twin.service.credentials(app.state.twin.default_state(), "")["api_token"]
        clients.append(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://testserver",
                headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
            )
        )
    yield clients
    for client in clients:
        await client.aclose()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    with serve_app(app) as url:
        yield app, f"{url}/okta/events"


async def new_user(client: httpx.AsyncClient, login: str) -> None:
    body = {"profile": {"firstName": "Ada", "lastName": "Byron", "email": login, "login": login}}
    resp = await client.post("/api/v1/users", params={"activate": "false"}, json=body)
    assert resp.status_code == 200, resp.text


async def hook_log(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await client.get("/_twin/okta/hook-deliveries")).json())


async def remaining(client: httpx.AsyncClient) -> str:
    return (await client.get("/api/v1/groups")).headers["x-rate-limit-remaining"]


async def test_reset_returns_every_admin_view_to_a_fresh_org(
    apps: list[FastAPI], twins: list[httpx.AsyncClient], receiver: tuple[Receiver, str]
) -> None:
    dirty, fresh = twins
    endpoint, uri = receiver
    # A verified hook, a delivered event, and a request still on its way (the hook is slow).
    await verified_hook(dirty, uri)
    await new_user(dirty, "ada@example.com")

    async def delivered() -> bool:
        return any(d["kind"] == "event" for d in (await hook_log(dirty))["deliveries"])

    await wait_until(delivered)
    endpoint.delays.append(3.0)
    await new_user(dirty, "grace@example.com")

    async def in_flight() -> bool:
        return bool((await hook_log(dirty))["pending"])

    await wait_until(in_flight)
    # Rate-limit windows, a moved clock, a fault rule and OAuth settings.
    for _ in range(3):
        await remaining(dirty)
    await dirty.post("/_twin/clock", json={"advance": 600})
    await dirty.post("/_twin/faults", json={"method": "GET", "path": "/api/v1/nothing", "action": "error"})
    await dirty.post("/_twin/okta/oauth/settings", json={"twin_login": False})

    assert (await dirty.post("/_twin/reset")).status_code == 200
    after, expected = await admin_views(dirty, VIEWS), await admin_views(fresh, VIEWS)
    assert after == expected, differences(after, expected)
    assert await remaining(dirty) == await remaining(fresh)

    # The request that was on its way is not recorded afterwards, and nothing else is sent.
    posts = len(endpoint.posts())
    await asyncio.sleep(0.2)
    assert (await hook_log(dirty))["deliveries"] == [] and len(endpoint.posts()) == posts


async def test_delivery_ids_start_over_after_a_reset(
    twins: list[httpx.AsyncClient], receiver: tuple[Receiver, str]
) -> None:
    _, uri = receiver
    ids = []
    for client in twins:
        await verified_hook(client, uri)
        await new_user(client, "ada@example.com")

        async def delivered(c: httpx.AsyncClient = client) -> bool:
            return any(d["kind"] == "event" for d in (await hook_log(c))["deliveries"])

        await wait_until(delivered)
        if client is twins[0]:
            assert (await client.post("/_twin/reset")).status_code == 200
            await verified_hook(client, uri)
            await new_user(client, "ada@example.com")
            await wait_until(delivered)
        ids.append([d["event_id"] for d in (await hook_log(client))["deliveries"] if d["kind"] == "event"])
    assert ids[0] == ids[1] and len(ids[0]) == 1
