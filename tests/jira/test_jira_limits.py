"""Jira's rate limit: a 429 with `Retry-After` and the X-RateLimit headers, until the window passes."""

from __future__ import annotations

from pathlib import Path

import httpx

from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.jira import create_service

ADMIN = {"Authorization": "Bearer jira-limits-admin-0123"}


async def test_a_caller_past_the_limit_gets_429_until_the_window_passes(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, admin_token="jira-limits-admin-0123", seed_size=1, rate_limits="strict"
    )
    app = build_app(create_service(), settings)
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "http://testserver")
    auth = (creds["email"], creds["api_token"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        await http.post("/_twin/clock", json={"freeze": True}, headers=ADMIN)
        statuses = [(await http.get("/rest/api/2/priority", auth=auth)).status_code for _ in range(1000)]
        assert statuses == [200] * 1000
        limited = await http.get("/rest/api/2/priority", auth=auth)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert limited.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert limited.json()["errorMessages"] == ["rate limit exceeded"]
        await http.post("/_twin/clock", json={"advance": 61}, headers=ADMIN)
        assert (await http.get("/rest/api/2/priority", auth=auth)).status_code == 200
    ctx.store.stop()


async def test_bad_bodies_get_jira_errors_and_the_site_keeps_serving(tmp_path: Path) -> None:
    app = build_app(
        create_service(), Settings(data_dir=tmp_path, admin_token="jira-limits-admin-0123", seed_size=1)
    )
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "http://testserver")
    auth = (creds["email"], creds["api_token"])
    deep = b'{"fields": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        for body in (
            deep,
            b'{"fields": {"summary": "a\\u0000b"}}',
            b'{"fields": {"summary": "\\ud800"}}',
            b"{nope",
        ):
            sent = await http.post(
                "/rest/api/2/issue", content=body, auth=auth, headers={"Content-Type": "application/json"}
            )
            assert sent.status_code == 400, sent.text
            assert sent.json() == {"errorMessages": ["The request body was not well-formed."], "errors": {}}
        bad_jql = await http.get("/rest/api/2/search/jql", params={"jql": "(" * 5000}, auth=auth)
        assert bad_jql.status_code == 400
        assert bad_jql.json()["errorMessages"][0].startswith("Error in the JQL Query")
        assert (await http.get("/rest/api/2/myself", auth=auth)).status_code == 200
    ctx.store.stop()
