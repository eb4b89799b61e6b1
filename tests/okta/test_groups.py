"""Groups API through the official async `okta` SDK over real HTTP, plus raw wire checks."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx
from fastapi import FastAPI
from okta import models as m
from okta.pagination import paginate_all

from tests.okta.org_support import active_users, events, group_named
from tests.okta.org_support import org as tenant


def body(name: str, description: str = "") -> m.AddGroupRequest:
    return m.AddGroupRequest.from_dict({"profile": {"name": name, "description": description}})


async def no_content(call: Awaitable[Any]) -> tuple[int, Any]:
    """(HTTP status, error) of a 204-typed SDK call: it returns a 3-tuple on success, 2 on error."""
    result = await call
    resp = result[-2]
    return int(getattr(resp, "status_code", None) or resp.status), result[-1]


def causes(err: Any) -> list[str]:
    return [c["errorSummary"] for c in err.error_causes]


# --- create, get, replace, delete --------------------------------------------------------------
async def test_create_get_replace_delete(okta_client: Any, okta_app: FastAPI) -> None:
    group, resp, err = await okta_client.add_group(body("West Coast", "All users West of The Rockies"))
    assert err is None and resp.status_code == 200
    assert group.id.startswith("00g") and len(group.id) == 20
    assert group.type.value == "OKTA_GROUP"
    assert group.object_class == ["okta:user_group"]
    assert group.profile.actual_instance.name == "West Coast"
    assert events(okta_app, "group.lifecycle.create")[-1]["target"][0]["id"] == group.id

    fetched, _, err = await okta_client.get_group(group.id)
    assert err is None and fetched.profile.actual_instance.description == "All users West of The Rockies"

    replaced, _, err = await okta_client.replace_group(group.id, body("West Coast users", "Renamed"))
    assert err is None and replaced.profile.actual_instance.name == "West Coast users"
    assert replaced.last_updated >= fetched.last_updated
    assert events(okta_app, "group.profile.update")[-1]["target"][0]["id"] == group.id

    status, err = await no_content(okta_client.delete_group(group.id))
    assert err is None and status == 204
    _, _, err = await okta_client.get_group(group.id)
    assert err.status == 404 and err.error_code == "E0000007"
    assert err.error_summary == f"Not found: Resource not found: {group.id} (UserGroup)"
    assert events(okta_app, "group.lifecycle.delete")[-1]["target"][0]["id"] == group.id


async def test_create_requires_a_unique_name(okta_client: Any) -> None:
    _, _, err = await okta_client.add_group(body("Engineering"))
    assert err.status == 400 and err.error_code == "E0000001"
    assert causes(err) == ["name: An object with this field already exists in the current organization"]
    _, _, err = await okta_client.add_group(m.AddGroupRequest.from_dict({"profile": {"description": "x"}}))
    assert err.error_code == "E0000001" and causes(err) == ["name: The field cannot be left blank"]


async def test_replace_conflicting_name_and_missing_group(okta_client: Any, okta_app: FastAPI) -> None:
    sales = group_named(okta_app, "Sales")
    _, _, err = await okta_client.replace_group(sales["id"], body("Engineering"))
    assert err.error_code == "E0000001"
    _, _, err = await okta_client.replace_group("00gmissingmissing000", body("X"))
    assert err.status == 404 and err.error_code == "E0000007"


async def test_everyone_cannot_be_modified(okta_client: Any, okta_app: FastAPI) -> None:
    everyone = group_named(okta_app, "Everyone")
    _, _, err = await okta_client.replace_group(everyone["id"], body("Everybody"))
    assert err.status == 403 and err.error_code == "E0000006"
    _, err = await no_content(okta_client.delete_group(everyone["id"]))
    assert err.status == 403 and err.error_code == "E0000006"
    user = active_users(okta_app)[0]
    _, err = await no_content(okta_client.unassign_user_from_group(everyone["id"], user["id"]))
    assert err.error_code == "E0000060"


# --- list: q, filter, search, paging, expand ---------------------------------------------------
async def test_list_q_filter_search(okta_client: Any, okta_app: FastAPI) -> None:
    everything, _, err = await okta_client.list_groups()
    assert err is None
    names = [g.profile.actual_instance.name for g in everything]
    assert {"Everyone", "Engineering", "Sales", "Admins"} <= set(names)

    found, _, _ = await okta_client.list_groups(q="eng")
    assert [g.profile.actual_instance.name for g in found] == ["Engineering"]

    built_in, _, err = await okta_client.list_groups(filter='type eq "BUILT_IN"')
    assert err is None and [g.profile.actual_instance.name for g in built_in] == ["Everyone"]

    searched, _, err = await okta_client.list_groups(search='profile.name sw "Sa"')
    assert err is None and [g.profile.actual_instance.name for g in searched] == ["Sales"]

    ordered, _, _ = await okta_client.list_groups(
        search='type eq "OKTA_GROUP"', sort_by="profile.name", sort_order="desc"
    )
    assert [g.profile.actual_instance.name for g in ordered] == ["Sales", "Engineering", "Admins"]

    _, _, err = await okta_client.list_groups(filter='profile.name eq "Sales"')
    assert err.status == 400 and err.error_code == "E0000031"


async def test_paging_follows_link_headers(okta_client: Any) -> None:
    for i in range(5):
        await okta_client.add_group(body(f"Team {i}"))
    first, resp, err = await okta_client.list_groups(limit=3)
    assert err is None and len(first) == 3
    assert 'rel="next"' in resp.headers["Link"]
    everything = [g async for g in paginate_all(okta_client.list_groups, limit=3)]
    names = [g.profile.actual_instance.name for g in everything]
    assert len(names) == len(set(names)) == 9


async def test_expand_stats(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    engineering = group_named(okta_app, "Engineering")
    resp = await client.get(f"/api/v1/groups/{engineering['id']}", params={"expand": "stats"})
    stats = resp.json()["_embedded"]["stats"]
    members = [m_ for m_ in tenant(okta_app)["memberships"] if m_["group_id"] == engineering["id"]]
    assert stats["usersCount"] == len(members)
    assert stats["appsCount"] == 2  # the seeded web app and wiki are assigned to Engineering
    listed = await client.get("/api/v1/groups", params={"q": "Eng", "expand": "stats"})
    assert listed.json()[0]["_embedded"]["stats"]["usersCount"] == len(members)


# --- members ------------------------------------------------------------------------------------
async def test_assign_list_unassign_members(okta_client: Any, okta_app: FastAPI) -> None:
    group, _, _ = await okta_client.add_group(body("Pilots"))
    user = active_users(okta_app)[1]
    status, err = await no_content(okta_client.assign_user_to_group(group.id, user["id"]))
    assert err is None and status == 204
    status, err = await no_content(okta_client.assign_user_to_group(group.id, user["id"]))  # idempotent
    assert err is None and status == 204
    members, _, err = await okta_client.list_group_users(group.id)
    assert err is None and [u.id for u in members] == [user["id"]]
    assert events(okta_app, "group.user_membership.add")[-1]["target"][1]["id"] == group.id
    after, _, _ = await okta_client.get_group(group.id)
    assert after.last_membership_updated >= group.last_membership_updated

    status, err = await no_content(okta_client.unassign_user_from_group(group.id, user["id"]))
    assert err is None and status == 204
    members, _, _ = await okta_client.list_group_users(group.id)
    assert members == []
    assert events(okta_app, "group.user_membership.remove")[-1]["target"][0]["id"] == user["id"]


async def test_member_errors(okta_client: Any, okta_app: FastAPI) -> None:
    group, _, _ = await okta_client.add_group(body("Ghosts"))
    _, err = await no_content(okta_client.assign_user_to_group(group.id, "00umissingmissing000"))
    assert err.status == 404 and err.error_code == "E0000007"
    user = active_users(okta_app)[0]
    _, err = await no_content(okta_client.assign_user_to_group("00gmissingmissing000", user["id"]))
    assert err.status == 404 and err.error_code == "E0000007"
    _, _, err = await okta_client.list_group_users("00gmissingmissing000")
    assert err.status == 404


async def test_member_paging(okta_client: Any, okta_app: FastAPI) -> None:
    everyone = group_named(okta_app, "Everyone")
    expected = {m_["user_id"] for m_ in tenant(okta_app)["memberships"] if m_["group_id"] == everyone["id"]}
    page, resp, _ = await okta_client.list_group_users(everyone["id"], limit=4)
    assert len(page) == 4 and 'rel="next"' in resp.headers["Link"]
    everybody = [
        u async for u in paginate_all(okta_client.list_group_users, limit=4, group_id=everyone["id"])
    ]
    assert {u.id for u in everybody} == expected


async def test_new_user_joins_everyone(okta_client: Any, okta_app: FastAPI) -> None:
    profile = {
        "firstName": "Grace",
        "lastName": "Hopper",
        "email": "grace@example.com",
        "login": "grace@example.com",
    }
    user, _, err = await okta_client.create_user(
        m.CreateUserRequest(profile=m.UserProfile.from_dict(profile))
    )
    assert err is None
    everyone = group_named(okta_app, "Everyone")
    everybody = [u async for u in paginate_all(okta_client.list_group_users, group_id=everyone["id"])]
    assert user.id in {u.id for u in everybody}


async def test_group_apps(okta_client: Any, okta_app: FastAPI) -> None:
    engineering = group_named(okta_app, "Engineering")
    assigned, _, err = await okta_client.list_assigned_applications_for_group(engineering["id"])
    assert err is None
    assert sorted(a.label for a in assigned) == ["Company Wiki", "Twin Web App"]
    sales = group_named(okta_app, "Sales")
    none, _, err = await okta_client.list_assigned_applications_for_group(sales["id"])
    assert err is None and none == []


async def test_delete_group_removes_memberships_and_assignments(okta_client: Any, okta_app: FastAPI) -> None:
    engineering = group_named(okta_app, "Engineering")
    status, err = await no_content(okta_client.delete_group(engineering["id"]))
    assert err is None and status == 204
    state = tenant(okta_app)
    assert not [x for x in state["memberships"] if x["group_id"] == engineering["id"]]
    assert not [x for x in state["app_groups"] if x["group_id"] == engineering["id"]]


# --- wire -----------------------------------------------------------------------------------
async def test_wire_shape_and_bodyless_put(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    resp = await client.post("/api/v1/groups", json={"profile": {"name": "Wire", "description": ""}})
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    group = resp.json()
    assert set(group) >= {
        "id",
        "created",
        "lastUpdated",
        "lastMembershipUpdated",
        "objectClass",
        "type",
        "profile",
        "_links",
    }
    assert group["_links"]["users"]["href"].endswith(f"/api/v1/groups/{group['id']}/users")
    user = active_users(okta_app)[0]
    put = await client.put(
        f"/api/v1/groups/{group['id']}/users/{user['id']}",
        content=b"",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert put.status_code == 204 and put.content == b""
    bad = await client.post("/api/v1/groups", content=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000003"
