"""Auth, errors and wire basics of the Slack Web API endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def test_auth_test_with_the_sdk(bot: WebClient, creds: dict[str, Any]) -> None:
    resp = bot.auth_test()
    assert resp["ok"] is True
    assert resp["user_id"] == creds["bot_user_id"]
    assert resp["team_id"] == creds["team_id"]
    assert resp["bot_id"].startswith("B")
    assert "chat:write" in resp.headers["x-oauth-scopes"]


def test_bad_token_is_invalid_auth(base_url: str) -> None:
    client = WebClient(token="xoxb-nope", base_url=f"{base_url}/api/")
    with pytest.raises(SlackApiError) as info:
        client.auth_test()
    assert info.value.response["error"] == "invalid_auth"
    assert info.value.response.status_code == 200


async def test_missing_token_is_not_authed(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/auth.test")
    assert resp.status_code == 200
    assert resp.json() == {"ok": False, "error": "not_authed"}


@pytest.mark.parametrize("style", ["header", "form", "query", "json"])
async def test_every_wire_variant_authenticates(
    client: httpx.AsyncClient, creds: dict[str, Any], style: str
) -> None:
    token = creds["bot_token"]
    if style == "header":
        resp = await client.post("/api/auth.test", headers={"Authorization": f"Bearer {token}"})
    elif style == "form":
        resp = await client.post("/api/auth.test", data={"token": token})
    elif style == "query":
        resp = await client.get("/api/auth.test", params={"token": token})
    else:
        resp = await client.post("/api/auth.test", json={}, headers={"Authorization": f"Bearer {token}"})
    assert resp.json()["ok"] is True


async def test_unknown_method(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/does.notExist")
    assert resp.status_code == 404
    assert resp.json() == {"ok": False, "error": "unknown_method", "req_method": "does.notExist"}


@pytest.mark.parametrize("verb", ["HEAD", "PUT", "DELETE", "OPTIONS"])
async def test_other_verbs_are_refused(client: httpx.AsyncClient, verb: str) -> None:
    resp = await client.request(verb, "/api/api.test")
    assert resp.status_code == 200
    assert sorted(resp.headers["allow"].split(", ")) == ["GET", "POST"]
    if verb != "HEAD":
        assert resp.json() == {"ok": False, "error": "method_not_supported_for_channel_type"}


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")  # one id per route, several verbs
def test_the_web_api_is_in_the_admin_openapi_document(slack_app: FastAPI) -> None:
    assert set(slack_app.openapi()["paths"]["/api/{name}"]) == {"get", "post"}


async def test_api_test_echoes_args(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/api.test", data={"foo": "bar"})
    assert resp.json() == {"ok": True, "args": {"foo": "bar"}}
    resp = await client.post("/api/api.test", data={"error": "my_error"})
    assert resp.json()["error"] == "my_error"


async def test_team_info(client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
    resp = await client.post("/api/team.info", data={"token": creds["bot_token"]})
    team = resp.json()["team"]
    assert team["id"] == creds["team_id"]
    assert team["domain"] == creds["team_domain"]
