"""Rate limits: X-Rate-Limit-* on every response, 429 E0000047 with Date and reset, SDK retries."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.okta.conftest import make_app
from tests.support.servers import serve_app
from twins.okta import ratelimits

T0 = 1_893_456_000.0  # 2030-01-01T00:00:00Z, on a minute boundary
RATE_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "x-okta-request-id")


def small_bucket(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """GET /api/v1/eventHooks gets its own bucket of `limit` requests per minute."""
    bucket = ("GET", re.compile(r"^/api/v1/eventHooks$"), limit)
    monkeypatch.setattr(ratelimits, "BUCKETS", [bucket, *ratelimits.BUCKETS])


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[FastAPI]:
    """An org with real rate limits (the mode from the test's parameter) and a bucket of 3."""
    small_bucket(monkeypatch, 3)
    app = make_app(rate_limits=getattr(request, "param", "real"))
    yield app
    app.state.twin.store.stop()


@pytest.fixture
async def limited_client(limited: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    ctx = limited.state.twin
    creds = ctx.service.credentials(ctx.store.get("default"), "http://testserver")
    transport = httpx.ASGITransport(app=limited)
    headers = {"Authorization": f"SSWS {creds['api_token']}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
        yield c


def epoch(date_header: str) -> float:
    return parsedate_to_datetime(date_header).timestamp()


async def test_every_response_carries_the_headers(client: httpx.AsyncClient) -> None:
    responses = [
        await client.get("/api/v1/logs"),
        await client.get("/api/v1/eventHooks/who000000000000nope0"),
        await client.get("/api/v1/no/such/thing"),
        await client.delete("/api/v1/logs"),
        await client.get("/api/v1/logs", headers={"Authorization": ""}),
        await client.get("/api/v1/logs", headers={"Authorization": "SSWS wrong"}),
    ]
    assert [r.status_code for r in responses] == [200, 404, 404, 405, 401, 401]
    for response in responses:
        for name in RATE_HEADERS:
            assert response.headers.get(name), (response.request.url, name)
        assert len(response.headers.get_list("date")) == 1
    logs = responses[0]
    assert logs.headers["x-rate-limit-limit"] == "120"  # the System Log bucket
    assert int(logs.headers["x-rate-limit-reset"]) % 60 == 0
    assert responses[0].headers["x-okta-request-id"] != responses[1].headers["x-okta-request-id"]


async def test_real_mode_answers_429_with_consistent_date_and_reset(
    limited: FastAPI, limited_client: httpx.AsyncClient
) -> None:
    # The tenant's clock is years away from wall time: Date and reset both follow it.
    await limited_client.post("/_twin/clock", json={"freeze": True, "at": T0 + 10})
    remaining = []
    for _ in range(3):
        response = await limited_client.get("/api/v1/eventHooks")
        assert response.status_code == 200
        remaining.append(response.headers["x-rate-limit-remaining"])
    assert remaining == ["2", "1", "0"]
    response = await limited_client.get("/api/v1/eventHooks")
    assert response.status_code == 429
    body = response.json()
    assert body["errorCode"] == "E0000047"
    assert body["errorSummary"] == "API call exceeded rate limit due to too many requests."
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-rate-limit-limit"] == "3"
    assert response.headers["x-rate-limit-remaining"] == "0"
    assert response.headers.get_list("date") == ["Tue, 01 Jan 2030 00:00:10 GMT"]
    assert int(response.headers["x-rate-limit-reset"]) == T0 + 60
    assert response.headers["x-okta-request-id"]
    # Another bucket is not affected; a new window (on the tenant clock) starts afresh.
    assert (await limited_client.get("/api/v1/logs")).status_code == 200
    await limited_client.post("/_twin/clock", json={"advance": 50})
    assert (await limited_client.get("/api/v1/eventHooks")).status_code == 200


@pytest.mark.parametrize("limited", ["strict"], indirect=True)
async def test_strict_mode_has_no_burst(limited_client: httpx.AsyncClient) -> None:
    statuses = [(await limited_client.get("/api/v1/eventHooks")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("limited", ["off"], indirect=True)
async def test_off_mode_allows_far_beyond_the_limit(limited_client: httpx.AsyncClient) -> None:
    responses = [await limited_client.get("/api/v1/eventHooks") for _ in range(30)]
    assert {r.status_code for r in responses} == {200}
    assert responses[-1].headers["x-rate-limit-limit"] == "3"


async def test_one_date_header_over_http_from_the_tenant_clock(org_url: str, creds: dict[str, Any]) -> None:
    async with httpx.AsyncClient(
        base_url=org_url, headers={"Authorization": f"SSWS{creds['api_token']}"}
    ) as c:
        await c.post("/_twin/clock", json={"freeze": True, "at": T0 + 42})
        response = await c.get("/api/v1/logs")
        assert response.status_code == 200
        assert response.headers.get_list("date") == ["Tue, 01 Jan 2030 00:00:42 GMT"]
        assert response.headers["x-rate-limit-reset"] == str(int(T0) + 60)
        missing = await c.get("/api/v1/nothing/here")
        assert len(missing.headers.get_list("date")) == 1


async def test_injected_429_carries_date_and_reset(client: httpx.AsyncClient) -> None:
    await client.post("/_twin/clock", json={"freeze": True, "at": T0})
    fault = {"method": "GET", "path": "/api/v1/logs", "action": "rate_limit", "retry_after": 5, "times": 1}
    assert (await client.post("/_twin/faults", json=fault)).status_code == 201
    response = await client.get("/api/v1/logs")
    assert response.status_code == 429 and response.json()["errorCode"] == "E0000047"
    assert int(response.headers["x-rate-limit-reset"]) - epoch(response.headers["date"]) == 5
    assert len(response.headers.get_list("date")) == 1 and response.headers["x-okta-request-id"]


async def test_sdk_waits_for_the_reset_and_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    from okta.client import Client

    small_bucket(monkeypatch, 1)
    app = make_app(rate_limits="real")
    ctx = app.state.twin
    try:
        with serve_app(app) as url:
            ctx.settings.public_url = url
            creds = ctx.service.credentials(ctx.store.get("default"), url)
            async with httpx.AsyncClient(base_url=url) as admin:
                # Running from just before a minute boundary: the window resets in under a second.
                await admin.post("/_twin/clock", json={"at": T0 - 0.7})
                okta = Client({"orgUrl": url, "token": creds["api_token"]})
                hooks, _, err = await okta.list_event_hooks()
                assert err is None and hooks == []
                started = time.monotonic()
                hooks, _, err = await okta.list_event_hooks()
                waited = time.monotonic() - started
                assert err is None and hooks == []
                # reset - Date + 1 s, with Date whole seconds: about two seconds.
                assert 1.0 < waited < 4.0
                journal = (await admin.get("/_twin/journal", params={"path": "/api/v1/eventHooks"})).json()
        exchanges = journal["exchanges"]
        assert [e["response"]["status"] for e in exchanges] == [200, 429, 200]
        limited_headers = dict((k.lower(), v) for k, v in exchanges[1]["response"]["headers"])
        retry_headers = dict((k.lower(), v) for k, v in exchanges[2]["request"]["headers"])
        assert retry_headers["x-okta-retry-for"] == limited_headers["x-okta-request-id"]
        assert retry_headers["x-okta-retry-count"] == "1"
        assert "x-okta-retry-count" not in dict((k.lower(), v) for k, v in exchanges[1]["request"]["headers"])
        assert epoch(limited_headers["date"]) == T0 - 1
        assert limited_headers["x-rate-limit-reset"] == str(int(T0))
    finally:
        ctx.store.stop()
