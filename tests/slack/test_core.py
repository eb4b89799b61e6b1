"""Auth, errors and wire basics of the Slack Web API endpoint."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from twins.testing import SlackTwin


def test_auth_test_with_the_sdk(slack_twin: SlackTwin) -> None:
    creds = slack_twin.credentials
    resp = slack_twin.client.auth_test()
    assert resp["ok"] is True
    assert resp["user_id"] == creds["bot_user_id"]
    assert resp["team_id"] == creds["team_id"]
    assert resp["bot_id"].startswith("B")
    assert "chat:write" in resp.headers["x-oauth-scopes"]


def test_bad_token_is_invalid_auth(slack_twin: SlackTwin) -> None:
    client = WebClient(token="xoxb-nope", base_url=slack_twin.api_url)
    with pytest.raises(SlackApiError) as info:
        client.auth_test()
    assert info.value.response["error"] == "invalid_auth"
    assert info.value.response.status_code == 200


def test_missing_token_is_not_authed(slack_twin: SlackTwin) -> None:
    resp = slack_twin.http.post("/api/auth.test")
    assert resp.status_code == 200
    assert resp.json() == {"ok": False, "error": "not_authed"}


@pytest.mark.parametrize("style", ["header", "form", "query", "json"])
def test_every_wire_variant_authenticates(slack_twin: SlackTwin, style: str) -> None:
    client, token = slack_twin.http, slack_twin.bot_token
    if style == "header":
        resp = client.post("/api/auth.test", headers={"Authorization": f"Bearer {token}"})
    elif style == "form":
        resp = client.post("/api/auth.test", data={"token": token})
    elif style == "query":
        resp = client.get("/api/auth.test", params={"token": token})
    else:
        resp = client.post("/api/auth.test", json={}, headers={"Authorization": f"Bearer {token}"})
    assert resp.json()["ok"] is True


def test_unknown_method(slack_twin: SlackTwin) -> None:
    resp = slack_twin.http.post("/api/does.notExist")
    assert resp.status_code == 404
    assert resp.json() == {"ok": False, "error": "unknown_method", "req_method": "does.notExist"}


@pytest.mark.parametrize("verb", ["HEAD", "PUT", "DELETE", "OPTIONS"])
def test_other_verbs_are_refused(slack_twin: SlackTwin, verb: str) -> None:
    resp = slack_twin.http.request(verb, "/api/api.test")
    assert resp.status_code == 200
    assert sorted(resp.headers["allow"].split(", ")) == ["GET", "POST"]
    if verb != "HEAD":
        assert resp.json() == {"ok": False, "error": "method_not_supported_for_channel_type"}


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")  # one id per route, several verbs
def test_the_web_api_is_in_the_admin_openapi_document(slack_twin: SlackTwin) -> None:
    assert set(slack_twin.server.app.openapi()["paths"]["/api/{name}"]) == {"get", "post"}


def test_api_test_echoes_args(slack_twin: SlackTwin) -> None:
    resp = slack_twin.http.post("/api/api.test", data={"foo": "bar"})
    assert resp.json() == {"ok": True, "args": {"foo": "bar"}}
    resp = slack_twin.http.post("/api/api.test", data={"error": "my_error"})
    assert resp.json()["error"] == "my_error"


def test_team_info(slack_twin: SlackTwin) -> None:
    resp = slack_twin.http.post("/api/team.info", data={"token": slack_twin.bot_token})
    team = resp.json()["team"]
    assert team["id"] == slack_twin.credentials["team_id"]
    assert team["domain"] == slack_twin.credentials["team_domain"]
