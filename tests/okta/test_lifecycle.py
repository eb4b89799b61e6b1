"""User lifecycle operations through the official SDK over real HTTP, and raw wire checks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.okta.org_support import org, row_of, status_of, user_in
from twins._runtime.collection import Row
from twins.okta.seed import DEFAULT_PASSWORD


def error_of(result: tuple[Any, ...]) -> Any:
    """The SDK returns (data, resp, err) on success but (resp, err) for Success-typed errors."""
    return result[-1]


def events(app: FastAPI, event_type: str, user_id: str) -> list[Row]:
    return [
        e
        for e in org(app)["log_events"].where("event_type", event_type)
        if any(t["id"] == user_id for t in e["data"]["target"])
    ]


async def test_activate_staged_user_returns_activation_link(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "STAGED")
    token, _, err = await okta_client.activate_user(user["id"], send_email=False)
    assert err is None
    assert token.activation_token and token.activation_url.endswith(f"/welcome/{token.activation_token}")
    assert status_of(okta_app, user["id"]) == "PROVISIONED"  # no password: the welcome flow sets it
    assert events(okta_app, "user.lifecycle.activate", user["id"])
    row = row_of(okta_app, user["id"])
    assert row["activated"] and row["status_changed"] == row["last_updated"]


async def test_activate_with_email_returns_empty_object(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "STAGED")
    resp = await client.post(f"/api/v1/users/{user['id']}/lifecycle/activate")
    assert resp.status_code == 200 and resp.json() == {}
    assert resp.headers["content-type"] == "application/json"


async def test_activate_deprovisioned_user_with_password_becomes_active(
    okta_app: FastAPI, okta_client: Any
) -> None:
    user = user_in(okta_app, "DEPROVISIONED")
    _, _, err = await okta_client.activate_user(user["id"], send_email=False)
    assert err is None
    assert status_of(okta_app, user["id"]) == "ACTIVE"


@pytest.mark.parametrize("status", ["ACTIVE", "PROVISIONED", "SUSPENDED", "LOCKED_OUT", "RECOVERY"])
async def test_activate_an_activated_user_is_refused(
    okta_app: FastAPI, okta_client: Any, status: str
) -> None:
    user = user_in(okta_app, status)
    _, _, err = await okta_client.activate_user(user["id"], send_email=False)
    assert err.error_code == "E0000016" and err.status == 403
    assert err.error_summary == "Activation failed because the user is already active"
    assert status_of(okta_app, user["id"]) == status


async def test_deactivate_keeps_groups_and_drops_app_assignments(okta_app: FastAPI, okta_client: Any) -> None:
    state = org(okta_app)
    assigned = [a for a in state["app_users"] if row_of(okta_app, a["user_id"])["status"] == "ACTIVE"]
    user_id = next(a["user_id"] for a in assigned if a["user_id"] != state.meta["admin_user_id"])
    groups_before = {m["group_id"] for m in state["memberships"].where("user_id", user_id)}
    result = await okta_client.deactivate_user(user_id)
    assert error_of(result) is None
    assert status_of(okta_app, user_id) == "DEPROVISIONED"
    assert state["app_users"].where("user_id", user_id) == []
    assert {m["group_id"] for m in state["memberships"].where("user_id", user_id)} == groups_before
    assert events(okta_app, "user.lifecycle.deactivate", user_id)
    assert events(okta_app, "application.user_membership.remove", user_id)


async def test_deactivate_a_deprovisioned_user_is_not_found(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "DEPROVISIONED")
    err = error_of(await okta_client.deactivate_user(user["id"]))
    assert err.error_code == "E0000007" and err.status == 404


@pytest.mark.parametrize("status", ["STAGED", "PROVISIONED", "SUSPENDED", "LOCKED_OUT", "PASSWORD_EXPIRED"])
async def test_deactivate_from_any_other_status(okta_app: FastAPI, okta_client: Any, status: str) -> None:
    user = user_in(okta_app, status)
    assert error_of(await okta_client.deactivate_user(user["id"])) is None
    assert status_of(okta_app, user["id"]) == "DEPROVISIONED"


async def test_suspend_and_unsuspend(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "ACTIVE")
    assert error_of(await okta_client.suspend_user(user["id"])) is None
    assert status_of(okta_app, user["id"]) == "SUSPENDED"
    err = error_of(await okta_client.suspend_user(user["id"]))
    assert err.error_code == "E0000001" and err.status == 400
    assert "Cannot suspend a user that is not active" in err.error_summary
    assert error_of(await okta_client.unsuspend_user(user["id"])) is None
    assert status_of(okta_app, user["id"]) == "ACTIVE"
    err = error_of(await okta_client.unsuspend_user(user["id"]))
    assert err.error_code == "E0000001" and err.status == 400
    assert "Cannot unsuspend a user that is not suspended" in err.error_summary
    assert events(okta_app, "user.lifecycle.suspend", user["id"])
    assert events(okta_app, "user.lifecycle.unsuspend", user["id"])


@pytest.mark.parametrize("status", ["STAGED", "PROVISIONED", "LOCKED_OUT", "RECOVERY", "DEPROVISIONED"])
async def test_suspend_needs_an_active_user(okta_app: FastAPI, okta_client: Any, status: str) -> None:
    user = user_in(okta_app, status)
    err = error_of(await okta_client.suspend_user(user["id"]))
    assert err.error_code == "E0000001"
    assert status_of(okta_app, user["id"]) == status


async def test_unlock(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "LOCKED_OUT")
    assert error_of(await okta_client.unlock_user(user["id"])) is None
    assert status_of(okta_app, user["id"]) == "ACTIVE"
    assert events(okta_app, "user.account.unlock_by_admin", user["id"])
    err = error_of(await okta_client.unlock_user(user["id"]))
    assert err.error_code == "E0000032" and err.status == 403
    assert err.error_summary == "Unlock is not allowed for this user."


async def test_reactivate_provisioned_user(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "PROVISIONED")
    token, _, err = await okta_client.reactivate_user(user["id"], send_email=False)
    assert err is None and token.activation_token
    assert status_of(okta_app, user["id"]) == "PROVISIONED"
    assert events(okta_app, "user.lifecycle.reactivate", user["id"])


@pytest.mark.parametrize("status", ["ACTIVE", "STAGED", "SUSPENDED", "DEPROVISIONED"])
async def test_reactivate_needs_a_provisioned_user(okta_app: FastAPI, okta_client: Any, status: str) -> None:
    user = user_in(okta_app, status)
    _, _, err = await okta_client.reactivate_user(user["id"], send_email=False)
    assert err.error_code == "E0000038" and err.status == 403
    assert err.error_summary == "This operation is not allowed in the user's current status."


async def test_expire_password_returns_the_user(okta_app: FastAPI, okta_client: Any) -> None:
    user = user_in(okta_app, "ACTIVE")
    expired, _, err = await okta_client.expire_password(user["id"])
    assert err is None
    assert expired.id == user["id"] and expired.status.value == "PASSWORD_EXPIRED"
    assert events(okta_app, "user.account.expire_password", user["id"])


async def test_expire_password_with_temp_password(
    okta_app: FastAPI, okta_client: Any, client: httpx.AsyncClient
) -> None:
    """The SDK types this answer as a User (an SDK quirk): the temp password is in the raw body."""
    user = user_in(okta_app, "ACTIVE")
    _, resp, err = await okta_client.expire_password_with_temp_password(user["id"])
    assert err is None
    temp = json.loads(resp.raw_data)["tempPassword"]
    assert len(temp) == 8
    assert status_of(okta_app, user["id"]) == "PASSWORD_EXPIRED"
    authn = await client.post("/api/v1/authn", json={"username": user["login"], "password": temp})
    assert authn.json()["status"] == "PASSWORD_EXPIRED"
    old = await client.post("/api/v1/authn", json={"username": user["login"], "password": DEFAULT_PASSWORD})
    assert old.status_code == 401


async def test_expire_password_query_flag(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    resp = await client.post(f"/api/v1/users/{user['id']}/lifecycle/expire_password?tempPassword=true")
    assert resp.status_code == 200 and set(resp.json()) == {"tempPassword"}


@pytest.mark.parametrize("status", ["STAGED", "PROVISIONED", "SUSPENDED", "DEPROVISIONED", "LOCKED_OUT"])
async def test_expire_password_refused(okta_app: FastAPI, okta_client: Any, status: str) -> None:
    user = user_in(okta_app, status)
    _, _, err = await okta_client.expire_password(user["id"])
    assert err.error_code == "E0000038"


async def test_reset_password(okta_app: FastAPI, okta_client: Any, client: httpx.AsyncClient) -> None:
    user = user_in(okta_app, "ACTIVE")
    token, _, err = await okta_client.reset_password(user["id"], send_email=False)
    assert err is None and "/reset_password/" in token.reset_password_url
    assert status_of(okta_app, user["id"]) == "RECOVERY"
    assert events(okta_app, "user.account.reset_password", user["id"])
    authn = await client.post("/api/v1/authn", json={"username": user["login"], "password": DEFAULT_PASSWORD})
    assert authn.status_code == 401
    emailed = await client.post(f"/api/v1/users/{user['id']}/lifecycle/reset_password?sendEmail=true")
    assert emailed.json() == {}


@pytest.mark.parametrize("status", ["STAGED", "SUSPENDED", "DEPROVISIONED"])
async def test_reset_password_refused(okta_app: FastAPI, okta_client: Any, status: str) -> None:
    user = user_in(okta_app, status)
    _, _, err = await okta_client.reset_password(user["id"], send_email=False)
    assert err.error_code == "E0000038"


async def test_bodyless_octet_stream_posts(okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    """The SDK sends lifecycle POSTs with Content-Type application/octet-stream and no body."""
    user = user_in(okta_app, "ACTIVE")
    headers = {"Content-Type": "application/octet-stream", "Content-Length": "0"}
    resp = await client.post(f"/api/v1/users/{user['id']}/lifecycle/suspend", headers=headers, content=b"")
    assert resp.status_code == 200 and resp.json() == {}
    resp = await client.post(f"/api/v1/users/{user['login']}/lifecycle/unsuspend", headers=headers)
    assert resp.status_code == 200
    assert status_of(okta_app, user["id"]) == "ACTIVE"


async def test_unknown_user_and_no_token(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/v1/users/00uNOPE/lifecycle/suspend")
    assert resp.status_code == 404 and resp.json()["errorCode"] == "E0000007"
    resp = await client.post("/api/v1/users/00uNOPE/lifecycle/suspend", headers={"Authorization": "SSWS bad"})
    assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000011"


async def test_lifecycle_links_follow_the_status(okta_app: FastAPI, okta_client: Any) -> None:
    """After a transition the user's `_links` offer the next legal operations."""
    from twins.okta import schemas

    user = user_in(okta_app, "ACTIVE")
    await okta_client.suspend_user(user["id"])
    links = schemas.user(row_of(okta_app, user["id"]), "http://x")["_links"]
    assert "unsuspend" in links and "suspend" not in links
