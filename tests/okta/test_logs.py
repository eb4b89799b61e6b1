"""System Log: GET /api/v1/logs — windows, polling, filter, keywords, order, cursor, errors."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from twins.okta import logs

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')
T0 = 1_893_456_000.0  # 2030-01-01T00:00:00Z


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


def after_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["after"][0]


async def set_clock(client: httpx.AsyncClient, at: float, *, freeze: bool = True) -> None:
    response = await client.post("/_twin/clock", json={"freeze": freeze, "at": at})
    assert response.status_code == 200, response.text


async def emit(app: FastAPI, event_type: str, message: str = "Event", **kw: Any) -> dict[str, Any]:
    ctx = app.state.twin
    row = await ctx.store.run(
        ctx.settings.default_tenant, lambda st: logs.emit(st, event_type, message, **kw)
    )
    return dict(row["data"])


async def seed_events(app: FastAPI, client: httpx.AsyncClient, count: int, *, start: float = T0) -> list[str]:
    """`count` events one second apart from `start`; their uuids, oldest first."""
    uuids = []
    for n in range(count):
        await set_clock(client, start + n)
        uuids.append((await emit(app, "user.lifecycle.create", f"Create okta user {n}"))["uuid"])
    return uuids


async def test_sdk_lists_events_as_log_event_models(
    okta_client: Any, okta_app: FastAPI, client: httpx.AsyncClient
) -> None:
    ctx = okta_app.state.twin
    state = ctx.default_state()
    admin_id = state.meta["admin_user_id"]
    admin = state["users"].get(admin_id)
    await ctx.store.run(
        ctx.settings.default_tenant,
        lambda st: logs.emit(
            st,
            "user.lifecycle.create",
            "Create okta user",
            actor_id=admin_id,
            targets=[logs.target(admin, "User")],
        ),
    )
    await emit(okta_app, "group.user_membership.add", "Add user to group membership")
    events, resp, err = await okta_client.list_log_events(
        since="2000-01-01T00:00:00Z", filter='eventType eq "user.lifecycle.create"', limit=10
    )
    assert err is None
    [event] = events
    assert event.event_type == "user.lifecycle.create"
    assert event.display_message == "Create okta user"
    assert event.actor.id == admin_id and event.actor.type == "User"
    assert event.target[0].alternate_id == admin["login"]
    assert event.severity == "INFO" and event.outcome.result == "SUCCESS"
    assert event.published is not None and event.uuid
    assert 'rel="next"' in resp.headers["Link"]  # a polling query always has a next link

    _, _, err = await okta_client.list_log_events(filter="eventType eq")
    assert err.status == 400 and err.error_code == "E0000031"
    _, _, err = await okta_client.list_log_events(since="yesterday")
    assert err.status == 400 and err.error_code == "E0000030"


async def test_bounded_query_pages_to_the_end(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    uuids = await seed_events(okta_app, client, 7)
    params = {"since": "2030-01-01T00:00:00Z", "until": "2030-01-01T00:00:06.000Z", "limit": "3"}
    response = await client.get("/api/v1/logs", params=params)
    seen = [e["uuid"] for e in response.json()]
    rels = links(response)
    assert list(rels) == ["self", "next"]
    assert rels["self"] == "http://testserver/api/v1/logs?" + str(httpx.QueryParams(params))
    while "next" in rels:
        response = await client.get(rels["next"])
        seen += [e["uuid"] for e in response.json()]
        rels = links(response)
    # `until` is exclusive: the event published at 00:00:06 is not in the window.
    assert seen == uuids[:6]

    descending = await client.get("/api/v1/logs", params={**params, "sortOrder": "DESCENDING", "limit": "4"})
    first = [e["uuid"] for e in descending.json()]
    rest = (await client.get(links(descending)["next"])).json()
    assert first + [e["uuid"] for e in rest] == uuids[:6][::-1]
    assert "next" not in links(await client.get(links(descending)["next"]))


async def test_polling_always_returns_next(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    uuids = await seed_events(okta_app, client, 3)
    response = await client.get("/api/v1/logs", params={"since": "2030-01-01T00:00:00Z"})
    assert [e["uuid"] for e in response.json()] == uuids
    nxt = links(response)["next"]
    assert parse_qs(urlsplit(nxt).query)["since"] == ["2030-01-01T00:00:00Z"]
    # Nothing new yet: an empty page and the same position to come back to.
    empty = await client.get(nxt)
    assert empty.json() == [] and after_of(links(empty)["next"]) == after_of(nxt)
    await set_clock(client, T0 + 60)
    new = await emit(okta_app, "user.lifecycle.deactivate")
    polled = await client.get(links(empty)["next"])
    assert [e["uuid"] for e in polled.json()] == [new["uuid"]]
    assert "next" in links(polled)

    # A polling query that finds nothing at all still hands out a cursor.
    none = await client.get("/api/v1/logs", params={"since": "2031-01-01T00:00:00Z"})
    assert none.json() == [] and after_of(links(none)["next"])


async def test_default_window_is_seven_days_and_limit(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    await set_clock(client, T0 - 8 * 86400)
    old = await emit(okta_app, "user.lifecycle.create")
    await seed_events(okta_app, client, 3)
    recent = (await client.get("/api/v1/logs")).json()
    assert old["uuid"] not in [e["uuid"] for e in recent] and len(recent) == 3
    everything = (await client.get("/api/v1/logs", params={"since": "2029-01-01"})).json()
    assert everything[0]["uuid"] == old["uuid"]

    ctx = okta_app.state.twin
    await set_clock(client, T0 + 10)

    def many(st: Any) -> None:
        for n in range(1100):
            logs.emit(st, "user.session.start", f"User login to Okta {n}")

    await ctx.store.run(ctx.settings.default_tenant, many)
    assert len((await client.get("/api/v1/logs")).json()) == 100
    assert len((await client.get("/api/v1/logs", params={"limit": "5000"})).json()) == 1000
    response = await client.get("/api/v1/logs", params={"limit": "lots"})
    assert response.status_code == 400 and response.json()["errorCode"] == "E0000001"


async def test_filter_expressions(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    ctx = okta_app.state.twin
    state = ctx.default_state()
    admin_id = state.meta["admin_user_id"]
    group = next(iter(state["groups"]))
    await emit(
        okta_app,
        "group.user_membership.add",
        "Add user to group membership",
        actor_id=admin_id,
        targets=[logs.target(state["users"].get(admin_id), "User"), logs.target(group, "UserGroup")],
    )
    await emit(
        okta_app, "user.session.start", "User login to Okta", outcome="FAILURE", reason="INVALID_CREDENTIALS"
    )
    await emit(okta_app, "user.account.lock", "Max sign in attempts exceeded", severity="WARN")

    async def types(expr: str) -> list[str]:
        response = await client.get("/api/v1/logs", params={"filter": expr})
        assert response.status_code == 200, response.text
        return [e["eventType"] for e in response.json()]

    assert await types('eventType eq "user.account.lock"') == ["user.account.lock"]
    assert await types(f'target.id eq "{group["id"]}"') == ["group.user_membership.add"]
    assert await types(f'actor.id eq "{admin_id}"') == ["group.user_membership.add"]
    assert await types('outcome.result eq "FAILURE"') == ["user.session.start"]
    assert await types('severity eq "WARN"') == ["user.account.lock"]
    assert await types('eventType sw "user." and outcome.result eq "SUCCESS"') == ["user.account.lock"]
    assert await types('severity eq "WARN" or outcome.reason eq "INVALID_CREDENTIALS"') == [
        "user.session.start",
        "user.account.lock",
    ]
    for bad in ('eventType eq "x" and', "eventType = 'x'", '(eventType eq "x"'):
        response = await client.get("/api/v1/logs", params={"filter": bad})
        assert response.status_code == 400
        assert response.json()["errorCode"] == "E0000031"
        assert response.json()["errorSummary"] == "Invalid search criteria."


async def test_keyword_search(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    await emit(okta_app, "user.session.start", "User login to Okta")
    await emit(okta_app, "user.account.lock", "Max sign in attempts exceeded")

    async def found(q: str) -> list[str]:
        return [e["eventType"] for e in (await client.get("/api/v1/logs", params={"q": q})).json()]

    assert await found("LOGIN") == ["user.session.start"]
    assert await found("sign exceeded") == ["user.account.lock"]
    assert await found("login exceeded") == []
    assert len(await found("system@okta.com")) == 2  # the actor's alternateId


async def test_bad_dates_and_sort_order(client: httpx.AsyncClient) -> None:
    for params in ({"since": "foobar"}, {"until": "01-01-2017"}, {"since": "2024-13-01T00:00:00Z"}):
        response = await client.get("/api/v1/logs", params=params)
        assert response.status_code == 400
        body = response.json()
        assert body["errorCode"] == "E0000030"
        assert body["errorSummary"].startswith("Bad request. Invalid date.")
    for params in ({"since": "2024-05-01"}, {"since": "2024-05-01T00:00:00.000-07:00"}):
        assert (await client.get("/api/v1/logs", params=params)).status_code == 200
    response = await client.get("/api/v1/logs", params={"sortOrder": "SIDEWAYS"})
    assert response.status_code == 400 and response.json()["errorCode"] == "E0000001"
    response = await client.get("/api/v1/logs", params={"after": "not-a-cursor"})
    assert response.status_code == 400 and response.json()["errorCode"] == "E0000001"
    inverted = await client.get("/api/v1/logs", params={"since": "2024-05-02", "until": "2024-05-01"})
    assert inverted.status_code == 200 and inverted.json() == []
