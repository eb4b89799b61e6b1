"""OAuth v2 install (authorize step + oauth.v2.access) and incoming webhooks, over real HTTP."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.support.state import default_state as tenant
from tests.support.tenants import Recorder
from twins._runtime.collection import TenantState
from twins.slack.seed import new_webhook

T = TypeVar("T")
REDIRECT = "https://app.example/slack/oauth_redirect"


def run(app: FastAPI, fn: Callable[[TenantState], T]) -> T:
    ctx = app.state.twin
    result: T = asyncio.run(ctx.store.run(ctx.settings.default_tenant, fn))
    return result


def authorize(base_url: str, creds: dict[str, Any], **query: str) -> httpx.Response:
    params = {"client_id": creds["client_id"], "redirect_uri": REDIRECT, "state": "s-1", **query}
    return httpx.get(f"{base_url}/oauth/v2/authorize", params=params)


def code_of(resp: httpx.Response) -> str:
    assert resp.status_code == 302, resp.text
    location = urlsplit(resp.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["s-1"]
    return query["code"][0]


def failure(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


def test_install_flow_with_the_sdk(base_url: str, creds: dict[str, Any], slack_app: FastAPI) -> None:
    member = next(
        u for u in tenant(slack_app)["users"] if not u["is_admin"] and not u["is_bot"] and u["email"]
    )
    scopes = {"scope": "chat:write,incoming-webhook", "user_scope": "search:read"}
    code = code_of(authorize(base_url, creds, login_hint=member["email"], channel="engineering", **scopes))
    oauth = WebClient(base_url=f"{base_url}/api/")
    resp = oauth.oauth_v2_access(
        client_id=creds["client_id"], client_secret=creds["client_secret"], code=code, redirect_uri=REDIRECT
    )
    assert resp["token_type"] == "bot" and resp["access_token"].startswith("xoxb-")
    assert resp["bot_user_id"] == creds["bot_user_id"] and resp["app_id"] == creds["app_id"]
    assert "chat:write" in resp["scope"].split(",")
    assert resp["team"] == {"id": creds["team_id"], "name": tenant(slack_app).meta["team"]["name"]}
    assert resp["enterprise"] is None and resp["is_enterprise_install"] is False
    authed = resp["authed_user"]
    assert authed["id"] == member["id"] and authed["token_type"] == "user"
    assert authed["scope"] == "search:read" and authed["access_token"].startswith("xoxp-")
    hook = resp["incoming_webhook"]
    engineering = tenant(slack_app)["conversations"].by("name", "engineering")
    assert engineering is not None
    assert hook["channel"] == "#engineering" and hook["channel_id"] == engineering["id"]
    assert hook["url"].startswith(f"{base_url}/services/{creds['team_id']}/B")
    assert hook["configuration_url"].endswith("/services/" + hook["url"].split("/")[-2])
    # The tokens authenticate.
    assert (
        WebClient(token=resp["access_token"], base_url=f"{base_url}/api/").auth_test()["user_id"]
        == (creds["bot_user_id"])
    )
    assert (
        WebClient(token=authed["access_token"], base_url=f"{base_url}/api/").auth_test()["user_id"]
        == (member["id"])
    )
    # The code works once.
    again = lambda: oauth.oauth_v2_access(  # noqa: E731
        client_id=creds["client_id"], client_secret=creds["client_secret"], code=code
    )
    assert failure(again) == "code_already_used"
    # The webhook posts into the chosen channel.
    sent = WebhookClient(hook["url"]).send(text="deployed")
    assert (sent.status_code, sent.body) == (200, "ok")
    posted = [
        m
        for m in tenant(slack_app)["messages"].where("channel", engineering["id"])
        if m["text"] == "deployed"
    ]
    assert len(posted) == 1


def test_user_scopes_only(base_url: str, creds: dict[str, Any], slack_app: FastAPI) -> None:
    code = code_of(authorize(base_url, creds, user_scope="users:read"))
    resp = WebClient(base_url=f"{base_url}/api/").oauth_v2_access(
        client_id=creds["client_id"], client_secret=creds["client_secret"], code=code
    )
    assert "access_token" not in resp.data and "incoming_webhook" not in resp.data
    assert resp["authed_user"]["id"] == creds["admin_user_id"]
    # The admin's token for the app is kept across installs, with the scopes added.
    assert resp["authed_user"]["access_token"] == creds["user_token"]


def test_access_errors(base_url: str, creds: dict[str, Any], slack_app: FastAPI) -> None:
    oauth = WebClient(base_url=f"{base_url}/api/")
    cid, secret = creds["client_id"], creds["client_secret"]
    code = code_of(authorize(base_url, creds, scope="chat:write"))
    assert failure(lambda: oauth.oauth_v2_access(client_id="1.2", client_secret=secret, code=code)) == (
        "invalid_client_id"
    )
    assert failure(lambda: oauth.oauth_v2_access(client_id=cid, client_secret="nope", code=code)) == (
        "bad_client_secret"
    )
    assert failure(
        lambda: oauth.oauth_v2_access(client_id=cid, client_secret=secret, code="123.456.abc")
    ) == ("invalid_code")
    wrong = lambda: oauth.oauth_v2_access(  # noqa: E731
        client_id=cid, client_secret=secret, code=code, redirect_uri="https://evil.example/cb"
    )
    assert failure(wrong) == "bad_redirect_uri"
    # None of the failures used the code up; an expired code is invalid.
    tenant(slack_app).clock.advance(601)
    assert (
        failure(lambda: oauth.oauth_v2_access(client_id=cid, client_secret=secret, code=code))
        == "invalid_code"
    )


async def test_basic_auth_and_form_params(client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
    query = {"client_id": creds["client_id"], "scope": "chat:write", "redirect_uri": REDIRECT}
    got = await client.get("/oauth/v2/authorize", params=query)
    code = parse_qs(urlsplit(got.headers["location"]).query)["code"][0]
    basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
    resp = await client.post(
        "/api/oauth.v2.access", data={"code": code}, headers={"Authorization": f"Basic {basic}"}
    )
    body = resp.json()
    assert body["ok"] is True and body["access_token"] == creds["bot_token"]
    assert "oauth.v2.access" not in resp.headers.get("x-oauth-scopes", "")


async def test_authorize_errors(client: httpx.AsyncClient, creds: dict[str, Any], slack_app: FastAPI) -> None:
    base = {"client_id": creds["client_id"], "scope": "chat:write", "redirect_uri": REDIRECT}
    cases = [
        ({"client_id": "0.0"}, "invalid_client_id"),
        ({"scope": "chat:wirte"}, "invalid_scope"),
        ({"scope": "", "user_scope": ""}, "invalid_scope"),
        ({"redirect_uri": "ftp://x"}, "bad_redirect_uri"),
        ({"login_hint": "nobody@nowhere.example"}, "user_not_found"),
    ]
    for change, code in cases:
        got = await client.get("/oauth/v2/authorize", params={**base, **change})
        assert got.status_code == 400 and code in got.text, (change, got.text)
    apps = tenant(slack_app)["apps"]
    app = next(iter(apps))
    await slack_app.state.twin.store.run(
        tenant(slack_app).id,
        lambda st: st["apps"].update(app["id"], redirect_urls=["https://app.example/slack"]),
    )
    ok = await client.get("/oauth/v2/authorize", params=base)
    assert ok.status_code == 302
    elsewhere = await client.get(
        "/oauth/v2/authorize", params={**base, "redirect_uri": "https://app.example/x"}
    )
    assert elsewhere.status_code == 400 and "bad_redirect_uri" in elsewhere.text
    default = await client.get(
        "/oauth/v2/authorize", params={k: v for k, v in base.items() if k != "redirect_uri"}
    )
    assert default.headers["location"].startswith("https://app.example/slack?code=")


def test_seeded_webhook(base_url: str, creds: dict[str, Any], slack_app: FastAPI, events: Recorder) -> None:
    recorder = events
    url = creds["webhook_url"].replace("http://testserver", base_url)
    general = next(c for c in tenant(slack_app)["conversations"] if c["is_general"])
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*build* passed"}}]
    sent = WebhookClient(url).send(text="build passed", blocks=blocks)
    assert (sent.status_code, sent.body) == (200, "ok")
    msg = tenant(slack_app)["messages"].where("channel", general["id"])[-1]
    assert (msg["text"], msg["blocks"], msg["subtype"]) == ("build passed", blocks, "bot_message")
    assert msg["bot_id"] and msg["app_id"] == creds["app_id"]
    [(kind, event)] = recorder.events
    assert kind == "message" and event["subtype"] == "bot_message" and event["channel"] == general["id"]
    assert event["ts"] == msg["ts"] and event["channel_type"] == "channel"
    reply = WebhookClient(url).send_dict({"text": "in thread", "thread_ts": msg["ts"]})
    assert reply.status_code == 200
    parent = tenant(slack_app)["messages"].get(msg["id"])
    assert parent is not None and parent["reply_count"] == 1
    attachments = WebhookClient(url).send(attachments=[{"fallback": "f", "text": "attached"}])
    assert attachments.status_code == 200


def test_webhook_errors(base_url: str, creds: dict[str, Any], slack_app: FastAPI) -> None:
    url = creds["webhook_url"].replace("http://testserver", base_url)
    hook = WebhookClient(url)
    empty = hook.send(text="")
    assert (empty.status_code, empty.body) == (400, "no_text")
    assert hook.send_dict({}).body == "invalid_payload"  # the SDK sends `null` for an empty dict
    raw = httpx.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert (raw.status_code, raw.text) == (400, "invalid_payload")
    assert hook.send_dict({"blocks": [{"text": "no type"}]}).body == "invalid_blocks"
    team, service, secret = url.split("/services/")[1].split("/")
    unknown = WebhookClient(f"{base_url}/services/{team}/BNOPE/{secret}").send(text="x")
    assert (unknown.status_code, unknown.body) == (404, "no_service")
    wrong = WebhookClient(f"{base_url}/services/{team}/{service}/wrongsecret").send(text="x")
    assert (wrong.status_code, wrong.body) == (403, "invalid_token")
    no_team = WebhookClient(f"{base_url}/services/TNOPE/{service}/{secret}").send(text="x")
    assert (no_team.status_code, no_team.body) == (400, "no_team")
    # The legacy form encoding (payload=<json>) works too.
    form = httpx.post(url, data={"payload": '{"text": "from a form"}'})
    assert (form.status_code, form.text) == (200, "ok")


def test_webhook_channel_problems(base_url: str, creds: dict[str, Any], slack_app: FastAPI) -> None:
    state = tenant(slack_app)
    leadership = state["conversations"].by("name", "leadership")
    assert leadership is not None
    outsider = next(
        u
        for u in state["users"]
        if not u["is_bot"] and not u["deleted"] and u["id"] not in leadership["members"]
    )
    private = run(slack_app, lambda st: new_webhook(st, creds["app_id"], leadership["id"], outsider["id"]))
    sent = WebhookClient(f"{base_url}{private['url_path']}").send(text="x")
    assert (sent.status_code, sent.body) == (403, "action_prohibited")
    general = next(c for c in state["conversations"] if c["is_general"])
    url = creds["webhook_url"].replace("http://testserver", base_url)
    run(slack_app, lambda st: st["conversations"].update(general["id"], is_archived=True))
    archived = WebhookClient(url).send(text="x")
    assert (archived.status_code, archived.body) == (410, "channel_is_archived")
    run(slack_app, lambda st: st["conversations"].delete(general["id"]))
    gone = WebhookClient(url).send(text="x")
    assert (gone.status_code, gone.body) == (404, "channel_not_found")
