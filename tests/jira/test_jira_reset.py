"""A reset Jira site is a fresh one: issues, webhooks, queued deliveries and their attempts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.jira import create_service

TOKEN = "jira-reset-admin-token-0123"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


async def test_reset_returns_the_site_to_its_seed(tmp_path: Path) -> None:
    app = build_app(create_service(), Settings(data_dir=tmp_path, admin_token=TOKEN, seed_size=2))
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "http://testserver")
    auth = (creds["email"], creds["api_token"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        fresh = (await http.get("/rest/api/2/search", params={"jql": "ORDER BY key"}, auth=auth)).json()
        hook = {"name": "dead", "url": "http://127.0.0.1:9/hook", "events": ["jira:issue_created"]}
        assert (await http.post("/rest/webhooks/1.0/webhook", json=hook, auth=auth)).status_code == 201
        made = await http.post(
            "/rest/api/2/issue",
            auth=auth,
            json={
                "fields": {
                    "project": {"key": "APP"},
                    "issuetype": {"name": "Task"},
                    "summary": "Before the reset",
                }
            },
        )
        assert made.status_code == 201
        for _ in range(100):
            outbox = (await http.get("/_twin/jira/outbox", headers=ADMIN)).json()
            if outbox["attempts"]:
                break
            await asyncio.sleep(0.02)
        assert outbox["attempts"] and outbox["attempts"][0]["status"] != "delivered"
        assert (await http.post("/_twin/reset", headers=ADMIN)).status_code == 200
        after = (await http.get("/rest/api/2/search", params={"jql": "ORDER BY key"}, auth=auth)).json()
        assert after["total"] == fresh["total"]
        assert (await http.get(f"/rest/api/2/issue/{made.json()['key']}", auth=auth)).status_code == 404
        assert (await http.get("/rest/webhooks/1.0/webhook", auth=auth)).json() == []
        assert (await http.get("/_twin/jira/outbox", headers=ADMIN)).json() == {"attempts": [], "pending": 0}
    ctx.store.stop()
