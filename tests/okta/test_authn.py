"""Primary authentication, lockout and sessions: httpx over real HTTP (the SDK has no authn client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.okta.org_support import org, row_of, status_of, user_in
from twins._runtime.collection import Row
from twins.okta.backend import authn
from twins.okta.common import parse_iso
from twins.okta.seed import DEFAULT_PASSWORD

NEW_PASSWORD = "Fresh-Start-2024x"


@pytest.fixture
async def anon(org_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client over real HTTP with no Authorization header, like a sign-in page."""
    async with httpx.AsyncClient(base_url=org_url) as c:
        yield c


async def sign_in(c: httpx.AsyncClient, username: str, password: str = DEFAULT_PASSWORD) -> httpx.Response:
    return await c.post("/api/v1/authn", json={"username": username, "password": password})


def session_starts(app: FastAPI, outcome: str) -> list[Row]:
    return [
        e
        for e in org(app)["log_events"].where("event_type", "user.session.start")
        if e["data"]["outcome"]["result"] == outcome
    ]


async def test_success(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    resp = await sign_in(anon, user["login"].upper())
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert body["status"] == "SUCCESS" and body["sessionToken"].startswith("20111")
    embedded = body["_embedded"]["user"]
    assert embedded["id"] == user["id"]
    assert set(embedded["profile"]) == {"login", "firstName", "lastName", "locale", "timeZone"}
    assert parse_iso(body["expiresAt"]) == pytest.approx(org(okta_app).clock.now() + 300, abs=5)
    assert row_of(okta_app, user["id"])["last_login"]
    assert session_starts(okta_app, "SUCCESS")[-1]["data"]["actor"]["id"] == user["id"]


async def test_short_name(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    resp = await sign_in(anon, user["login"].split("@")[0])
    assert resp.json()["status"] == "SUCCESS"


async def test_wrong_password(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    resp = await sign_in(anon, user["login"], "nope")
    assert resp.status_code == 401
    assert resp.json()["errorCode"] == "E0000004" and resp.json()["errorSummary"] == "Authentication failed"
    assert row_of(okta_app, user["id"])["failed_logins"] == 1
    failure = session_starts(okta_app, "FAILURE")[-1]["data"]["outcome"]
    assert failure == {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}


@pytest.mark.parametrize("status", ["SUSPENDED", "DEPROVISIONED", "STAGED", "PROVISIONED", "RECOVERY"])
async def test_users_who_cannot_sign_in(okta_app: FastAPI, anon: httpx.AsyncClient, status: str) -> None:
    user = user_in(okta_app, status)
    resp = await sign_in(anon, user["login"])
    assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000004"


async def test_unknown_user_and_bad_bodies(anon: httpx.AsyncClient) -> None:
    resp = await sign_in(anon, "nobody@nowhere.example")
    assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000004"
    resp = await anon.post("/api/v1/authn", json={"username": "x"})
    assert resp.status_code == 401
    resp = await anon.post(
        "/api/v1/authn", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000003"


async def test_lockout_after_the_org_limit_and_unlock(
    okta_app: FastAPI, anon: httpx.AsyncClient, okta_client: Any
) -> None:
    user = user_in(okta_app, "ACTIVE")
    for attempt in range(1, 11):
        resp = await sign_in(anon, user["login"], f"wrong-{attempt}")
        assert resp.status_code == 401
        assert status_of(okta_app, user["id"]) == ("LOCKED_OUT" if attempt == 10 else "ACTIVE")
    locks = org(okta_app)["log_events"].where("event_type", "user.account.lock")
    assert [e["data"]["target"][0]["id"] for e in locks] == [user["id"]]

    locked = await sign_in(anon, user["login"])  # even the right password
    assert locked.status_code == 200
    assert locked.json()["status"] == "LOCKED_OUT"
    assert locked.json()["_links"]["next"]["name"] == "unlock"

    result = await okta_client.unlock_user(user["id"])
    assert result[-1] is None
    assert (await sign_in(anon, user["login"])).json()["status"] == "SUCCESS"


async def test_lockout_limit_is_an_org_setting(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    org(okta_app).meta["lockout_attempts"] = 3
    user = user_in(okta_app, "ACTIVE")
    for _ in range(3):
        await sign_in(anon, user["login"], "wrong")
    assert status_of(okta_app, user["id"]) == "LOCKED_OUT"


async def test_hidden_lockout_failures(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    org(okta_app).meta["show_lockout_failures"] = False
    user = user_in(okta_app, "LOCKED_OUT")
    resp = await sign_in(anon, user["login"])
    assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000004"


async def test_success_resets_the_failure_count(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    for _ in range(9):
        await sign_in(anon, user["login"], "wrong")
    assert (await sign_in(anon, user["login"])).json()["status"] == "SUCCESS"
    for _ in range(9):
        await sign_in(anon, user["login"], "wrong")
    assert status_of(okta_app, user["id"]) == "ACTIVE"


async def test_password_expired_flow(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "PASSWORD_EXPIRED")
    body = (await sign_in(anon, user["login"])).json()
    assert body["status"] == "PASSWORD_EXPIRED" and "sessionToken" not in body
    assert body["_links"]["next"]["name"] == "changePassword"
    state_token = body["stateToken"]
    url = "/api/v1/authn/credentials/change_password"

    wrong = await anon.post(
        url, json={"stateToken": state_token, "oldPassword": "x", "newPassword": NEW_PASSWORD}
    )
    assert wrong.status_code == 403 and wrong.json()["errorCode"] == "E0000014"
    weak = await anon.post(
        url, json={"stateToken": state_token, "oldPassword": DEFAULT_PASSWORD, "newPassword": "a"}
    )
    assert weak.status_code == 403 and weak.json()["errorCode"] == "E0000080"

    done = await anon.post(
        url, json={"stateToken": state_token, "oldPassword": DEFAULT_PASSWORD, "newPassword": NEW_PASSWORD}
    )
    assert done.status_code == 200 and done.json()["status"] == "SUCCESS"
    assert status_of(okta_app, user["id"]) == "ACTIVE"
    again = await anon.post(
        url, json={"stateToken": state_token, "oldPassword": NEW_PASSWORD, "newPassword": "Another-0ne-x"}
    )
    assert again.status_code == 401 and again.json()["errorCode"] == "E0000011"
    assert (await sign_in(anon, user["login"], NEW_PASSWORD)).json()["status"] == "SUCCESS"


async def test_cancel(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "PASSWORD_EXPIRED")
    state_token = (await sign_in(anon, user["login"])).json()["stateToken"]
    assert (await anon.post("/api/v1/authn/cancel", json={"stateToken": state_token})).json() == {}
    resp = await anon.post("/api/v1/authn/cancel", json={"stateToken": state_token})
    assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000011"


async def test_session_token_is_one_time(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    token = (await sign_in(anon, user["login"])).json()["sessionToken"]
    ctx = okta_app.state.twin
    tenant = ctx.settings.default_tenant
    assert await ctx.store.run(tenant, lambda st: authn.consume_session_token(st, token)) == user["id"]
    assert await ctx.store.run(tenant, lambda st: authn.consume_session_token(st, token)) is None
    assert await ctx.store.run(tenant, lambda st: authn.consume_session_token(st, "bogus")) is None


async def test_session_token_expires_on_the_tenant_clock(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    token = (await sign_in(anon, user["login"])).json()["sessionToken"]
    org(okta_app).clock.advance(301)
    resp = await anon.post("/api/v1/sessions", json={"sessionToken": token})
    assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000005"


async def new_session(app: FastAPI, c: httpx.AsyncClient) -> dict[str, Any]:
    user = user_in(app, "ACTIVE")
    token = (await sign_in(c, user["login"])).json()["sessionToken"]
    resp = await c.post("/api/v1/sessions", json={"sessionToken": token})
    assert resp.status_code == 200
    again = await c.post("/api/v1/sessions", json={"sessionToken": token})
    assert again.status_code == 401 and again.json()["errorSummary"] == "Invalid session"
    data: dict[str, Any] = resp.json()
    return data


async def test_session_lifecycle(okta_app: FastAPI, anon: httpx.AsyncClient, okta_client: Any) -> None:
    session = await new_session(okta_app, anon)
    assert session["status"] == "ACTIVE" and session["amr"] == ["pwd"]
    assert session["idp"]["type"] == "OKTA" and session["mfaActive"] is False

    got, _, err = await okta_client.get_session(session["id"])
    assert err is None and got.id == session["id"] and got.user_id == session["userId"]
    assert got.status.value == "ACTIVE" and got.idp.type.value == "OKTA"

    org(okta_app).clock.advance(600)
    refreshed, _, err = await okta_client.refresh_session(session["id"])
    assert err is None
    assert refreshed.expires_at.timestamp() > parse_iso(session["expiresAt"])

    assert (await okta_client.revoke_session(session["id"]))[-1] is None
    _, _, err = await okta_client.get_session(session["id"])
    assert err.error_code == "E0000007" and err.status == 404
    assert org(okta_app)["log_events"].where("event_type", "user.session.clear")


async def test_session_expires(okta_app: FastAPI, anon: httpx.AsyncClient, okta_client: Any) -> None:
    session = await new_session(okta_app, anon)
    org(okta_app).clock.advance(7201)
    _, _, err = await okta_client.get_session(session["id"])
    assert err.error_code == "E0000007"


async def test_revoke_user_sessions(okta_app: FastAPI, anon: httpx.AsyncClient, okta_client: Any) -> None:
    session = await new_session(okta_app, anon)
    result = await okta_client.revoke_user_sessions(session["userId"], oauth_tokens=True)
    assert result[-1] is None
    assert org(okta_app)["sessions"].where("user_id", session["userId"]) == []
    err = (await okta_client.revoke_user_sessions("00uNOPE"))[-1]
    assert err.error_code == "E0000007"


async def test_suspend_ends_sessions(okta_app: FastAPI, anon: httpx.AsyncClient, okta_client: Any) -> None:
    session = await new_session(okta_app, anon)
    await okta_client.suspend_user(session["userId"])
    _, _, err = await okta_client.get_session(session["id"])
    assert err.error_code == "E0000007"


async def test_sessions_need_a_token(okta_app: FastAPI, anon: httpx.AsyncClient) -> None:
    session = await new_session(okta_app, anon)
    resp = await anon.get(f"/api/v1/sessions/{session['id']}")
    assert resp.status_code == 401
    resp = await anon.delete(f"/api/v1/sessions/{session['id']}")
    assert resp.status_code == 401
