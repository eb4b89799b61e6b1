"""Encoded User objects: byte for byte what schemas.user gives, and never older than the row."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.okta.org_support import org as tenant
from twins.okta import schemas, user_json
from twins.okta.common import encode

BASE = "http://testserver"


def a_user(app: FastAPI, status: str = "ACTIVE") -> str:
    state = tenant(app)
    admin = state.meta["admin_user_id"]
    return next(u["id"] for u in state["users"] if u["status"] == status and u["id"] != admin)


async def department_of(client: httpx.AsyncClient, user_id: str, department: str) -> bool:
    resp = await client.get("/api/v1/users", params={"search": f'profile.department eq "{department}"'})
    assert resp.status_code == 200
    return user_id in [u["id"] for u in resp.json()]


def test_encoded_users_are_the_rendered_users(okta_app: FastAPI) -> None:
    state = tenant(okta_app)
    rows = list(state["users"])
    for row in rows:
        assert user_json.user(state, row, BASE) == encode(schemas.user(row, BASE))
        assert user_json.user(state, row, BASE) is user_json.user(state, row, BASE)  # encoded once
    assert user_json.users(state, rows, BASE) == encode([schemas.user(r, BASE) for r in rows])
    assert user_json.users(state, [], BASE) == encode([])
    assert user_json.user(state, rows[0], "http://other") == encode(schemas.user(rows[0], "http://other"))


def test_rows_are_replaced_not_changed_on_update(okta_app: FastAPI) -> None:
    """What the encodings rely on: a write puts a new row object in place, the old one stays as it was."""
    state = tenant(okta_app)
    user_id = a_user(okta_app)
    before = state["users"].get(user_id)
    assert before is not None
    snapshot = dict(before)
    after = state["users"].update(user_id, status="SUSPENDED")
    assert after is not before and state["users"].get(user_id) is after
    assert before == snapshot
    state.rollback()
    assert state["users"].get(user_id) is before


async def test_get_and_search_show_a_profile_update(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    user_id = a_user(okta_app)
    first = (await client.get(f"/api/v1/users/{user_id}")).json()
    assert await department_of(client, user_id, first["profile"]["department"])
    resp = await client.post(f"/api/v1/users/{user_id}", json={"profile": {"department": "Research"}})
    assert resp.status_code == 200
    got = (await client.get(f"/api/v1/users/{user_id}")).json()
    assert got["profile"]["department"] == "Research" and got == resp.json()
    assert got["lastUpdated"] >= first["lastUpdated"]
    assert await department_of(client, user_id, "Research")
    assert not await department_of(client, user_id, first["profile"]["department"])
    listed = (await client.get("/api/v1/users", params={"filter": f'id eq "{user_id}"'})).json()
    assert listed == [got]


async def test_get_shows_lifecycle_and_credential_changes(
    client: httpx.AsyncClient, okta_app: FastAPI
) -> None:
    user_id = a_user(okta_app)
    before = (await client.get(f"/api/v1/users/{user_id}")).json()
    assert before["status"] == "ACTIVE" and "suspend" in before["_links"]
    assert (await client.post(f"/api/v1/users/{user_id}/lifecycle/suspend")).status_code == 200
    suspended = (await client.get(f"/api/v1/users/{user_id}")).json()
    assert suspended["status"] == "SUSPENDED" and "unsuspend" in suspended["_links"]
    assert (await client.post(f"/api/v1/users/{user_id}/lifecycle/unsuspend")).status_code == 200
    question = {"question": "Favourite colour?", "answer": "vermilion"}
    body = {"credentials": {"recovery_question": question}}
    resp = await client.post(f"/api/v1/users/{user_id}", json=body)
    assert resp.status_code == 200
    got = (await client.get(f"/api/v1/users/{user_id}")).json()
    assert got["status"] == "ACTIVE"
    assert got["credentials"]["recovery_question"] == {"question": "Favourite colour?"}


async def test_failed_update_leaves_the_user_as_it_was(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    state = tenant(okta_app)
    user_id = a_user(okta_app)
    before = (await client.get(f"/api/v1/users/{user_id}")).json()
    taken = state["users"].get(state.meta["admin_user_id"])
    assert taken is not None
    body: dict[str, Any] = {"profile": {"department": "Nowhere", "login": taken["profile"]["login"]}}
    resp = await client.post(f"/api/v1/users/{user_id}", json=body)
    assert resp.status_code == 400
    assert (await client.get(f"/api/v1/users/{user_id}")).json() == before
    assert not await department_of(client, user_id, "Nowhere")


async def test_reset_and_restore_never_serve_old_rows(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    user_id = a_user(okta_app)
    seeded = (await client.get(f"/api/v1/users/{user_id}")).json()
    await client.post(f"/api/v1/users/{user_id}", json={"profile": {"department": "Research"}})
    assert (await client.get(f"/api/v1/users/{user_id}")).json()["profile"]["department"] == "Research"
    assert (await client.post("/_twin/reset")).status_code == 200
    assert (await client.get(f"/api/v1/users/{user_id}")).json() == seeded
    assert not await department_of(client, user_id, "Research")

    await client.post(f"/api/v1/users/{user_id}", json={"profile": {"department": "Research"}})
    assert (await client.post("/_twin/snapshot", json={"name": "research"})).status_code == 201
    researched = (await client.get(f"/api/v1/users/{user_id}")).json()
    await client.post(f"/api/v1/users/{user_id}", json={"profile": {"department": "Archive"}})
    assert await department_of(client, user_id, "Archive")
    assert (await client.post("/_twin/restore", json={"name": "research"})).status_code == 200
    assert (await client.get(f"/api/v1/users/{user_id}")).json() == researched
    assert await department_of(client, user_id, "Research")
    assert not await department_of(client, user_id, "Archive")


async def test_a_reset_keeps_no_old_rendering(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    """A reset builds a new tenant state: its users start with no kept rendering, and the old
    state's cache is not the one read again."""
    user_id = a_user(okta_app)
    await client.get(f"/api/v1/users/{user_id}")
    kept = tenant(okta_app)["users"].renders[user_json.USER]
    assert user_id in kept
    assert (await client.post("/_twin/reset")).status_code == 200
    users = tenant(okta_app)["users"]
    assert user_json.USER not in users.renders
    await client.get(f"/api/v1/users/{user_id}")
    assert user_id in users.renders[user_json.USER] and users.renders[user_json.USER] is not kept


async def test_each_org_url_gets_its_own_links(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    user_id = a_user(okta_app)
    here = (await client.get(f"/api/v1/users/{user_id}")).json()
    there = (await client.get(f"http://127.0.0.1:9999/api/v1/users/{user_id}")).json()
    assert here["_links"]["self"]["href"] == f"{BASE}/api/v1/users/{user_id}"
    assert there["_links"]["self"]["href"] == f"http://127.0.0.1:9999/api/v1/users/{user_id}"
    again = (await client.get(f"/api/v1/users/{user_id}")).json()
    assert again == here


async def test_group_members_show_updates(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    state = tenant(okta_app)
    user_id = a_user(okta_app)
    group_id = next(m["group_id"] for m in state["memberships"].where("user_id", user_id))
    url = f"/api/v1/groups/{group_id}/users"
    assert user_id in [u["id"] for u in (await client.get(url)).json()]
    await client.post(f"/api/v1/users/{user_id}", json={"profile": {"department": "Research"}})
    members = {u["id"]: u for u in (await client.get(url)).json()}
    assert members[user_id]["profile"]["department"] == "Research"
