"""The seeded app's bot token holds every bot scope the twin implements; a narrower app does not."""

from __future__ import annotations

from typing import Any

import httpx

from twins.slack import scopes
from twins.slack.methods import load_all
from twins.slack.methods.oauth import KNOWN_SCOPES


def test_every_method_scope_is_a_bot_scope_or_user_only() -> None:
    accepted = {s for names, _ in scopes.METHODS.values() for s in names}
    assert accepted - set(scopes.BOT_SCOPES) == set(scopes.USER_ONLY)
    assert not set(scopes.OPT_IN) & set(scopes.BOT_SCOPES)
    assert set(scopes.OPT_IN) <= KNOWN_SCOPES


def test_every_method_has_a_scope_entry() -> None:
    assert sorted(set(load_all()) - set(scopes.METHODS)) == []


async def test_seeded_bot_creates_user_groups_and_a_narrower_app_cannot(
    client: httpx.AsyncClient, creds: dict[str, Any]
) -> None:
    bot = {"Authorization": f"Bearer {creds['bot_token']}"}
    made = (await client.post("/api/usergroups.create", data={"name": "Bots"}, headers=bot)).json()
    assert made["ok"] is True and made["usergroup"]["handle"] == "bots"
    presence = (await client.post("/api/users.setPresence", data={"presence": "away"}, headers=bot)).json()
    assert presence == {"ok": True}

    narrow = [s for s in scopes.BOT_SCOPES if s != "usergroups:write"]
    resp = await client.patch(f"/_twin/slack/apps/{creds['app_id']}", json={"scopes": narrow})
    assert resp.status_code == 200, resp.text
    refused = (await client.post("/api/usergroups.create", data={"name": "More"}, headers=bot)).json()
    assert refused["ok"] is False and refused["error"] == "missing_scope"
    assert refused["needed"] == "usergroups:write" and "usergroups:write" not in refused["provided"]
