"""Users API through the official async `okta` SDK over real HTTP, plus raw wire checks."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from okta import models as m
from okta.pagination import PaginationHelper, paginate_all

from tests.okta.org_support import events
from tests.okta.org_support import org as tenant

STRONG = "Abcd1234x"


def new_user(login: str = "ada@example.com", **profile: Any) -> m.CreateUserRequest:
    fields = {"firstName": "Ada", "lastName": "Lovelace", "email": login, "login": login, **profile}
    return m.CreateUserRequest(profile=m.UserProfile.from_dict(fields))


def with_password(login: str = "ada@example.com", password: str = STRONG) -> m.CreateUserRequest:
    body = new_user(login)
    body.credentials = m.UserCredentialsWritable(password=m.PasswordCredential(value=password))
    return body


def causes(err: Any) -> list[str]:
    return [c["errorSummary"] for c in err.error_causes]


# --- create ---------------------------------------------------------------------------------
async def test_create_with_password_is_active(okta_client: Any, okta_app: FastAPI) -> None:
    user, resp, err = await okta_client.create_user(with_password(), activate=True)
    assert err is None and resp.status_code == 200
    assert user.status.value == "ACTIVE"
    assert user.id.startswith("00u") and len(user.id) == 20
    assert user.activated is not None and user.password_changed is not None
    assert user.credentials.password is not None
    assert user.credentials.provider.type.value == "OKTA"
    assert user.profile.login == "ada@example.com"
    assert user.type.id == tenant(okta_app).meta["user_type_id"]
    created = events(okta_app, "user.lifecycle.create")
    assert created[-1]["target"][0]["id"] == user.id
    assert events(okta_app, "user.lifecycle.activate")[-1]["target"][0]["id"] == user.id


async def test_create_without_credentials_provisioned_or_staged(okta_client: Any) -> None:
    provisioned, _, err = await okta_client.create_user(new_user("p@example.com"))
    assert err is None and provisioned.status.value == "PROVISIONED"
    assert provisioned.password_changed is None and provisioned.credentials.password is None
    staged, _, err = await okta_client.create_user(new_user("s@example.com"), activate=False)
    assert err is None and staged.status.value == "STAGED"
    assert staged.activated is None


async def test_create_with_recovery_question(okta_client: Any) -> None:
    body = new_user("rq@example.com")
    body.credentials = m.UserCredentialsWritable(
        recovery_question=m.RecoveryQuestionCredential(question="Favourite engine?", answer="Analytical")
    )
    user, _, err = await okta_client.create_user(body)
    assert err is None and user.status.value == "PROVISIONED"
    assert user.credentials.recovery_question.question == "Favourite engine?"
    assert user.credentials.recovery_question.answer is None
    body.profile.login = body.profile.email = "rq2@example.com"
    body.credentials.recovery_question.answer = "no"
    _, _, err = await okta_client.create_user(body)
    assert err.error_code == "E0000001"
    assert "at least 4 characters" in causes(err)[0]


async def test_create_with_authentication_provider(okta_client: Any) -> None:
    body = new_user("fed@example.com")
    body.credentials = m.UserCredentialsWritable(
        provider=m.AuthenticationProviderWritable(type="FEDERATION", name="FEDERATION")
    )
    user, _, err = await okta_client.create_user(body, activate=True, provider=True)
    assert err is None
    assert user.status.value == "ACTIVE"
    assert user.credentials.provider.type.value == "FEDERATION"


async def test_next_login_change_password(okta_client: Any) -> None:
    user, _, err = await okta_client.create_user(
        with_password("exp@example.com"), next_login="changePassword"
    )
    assert err is None and user.status.value == "PASSWORD_EXPIRED"
    _, _, err = await okta_client.create_user(new_user("exp2@example.com"), next_login="changePassword")
    assert err.error_code == "E0000124"
    _, _, err = await okta_client.create_user(
        with_password("exp3@example.com"), activate=False, next_login="changePassword"
    )
    assert err.error_code == "E0000125"


async def test_create_in_groups(okta_client: Any, okta_app: FastAPI) -> None:
    sales = next(g for g in tenant(okta_app)["groups"] if g["name"] == "Sales")
    body = new_user("grp@example.com")
    body.group_ids = [sales["id"]]
    user, _, err = await okta_client.create_user(body)
    assert err is None
    groups, _, err = await okta_client.list_user_groups(user.id)
    assert err is None
    assert [g.profile.actual_instance.name for g in groups] == ["Everyone", "Sales"]
    body = new_user("grp2@example.com")
    body.group_ids = ["00gdoesnotexist00000"]
    _, _, err = await okta_client.create_user(body)
    assert err.error_code == "E0000007"


async def test_create_validation_errors(okta_client: Any) -> None:
    _, _, err = await okta_client.create_user(with_password())
    assert err is None
    _, resp, err = await okta_client.create_user(new_user("ADA@example.COM"))
    assert resp.status == 400 and err.error_code == "E0000001"
    assert err.error_summary == "Api validation failed: login"
    assert causes(err) == ["login: An object with this field already exists in the current organization"]

    _, _, err = await okta_client.create_user(new_user("not-an-email"))
    assert "login: Username must be in the form of an email address" in causes(err)
    _, _, err = await okta_client.create_user(
        m.CreateUserRequest(profile=m.UserProfile(login="x@example.com", email="bad email", firstName="A"))
    )
    assert err.error_summary == "Api validation failed: lastName"
    assert causes(err) == [
        "lastName: The field cannot be left blank",
        "email: Does not match required pattern",
    ]

    _, _, err = await okta_client.create_user(with_password("weak@example.com", "password"))
    assert err.error_summary == "Api validation failed: password"
    assert causes(err)[0].startswith("password: Password requirements were not met")


async def test_unknown_profile_property_raw(client: httpx.AsyncClient) -> None:
    body = {
        "profile": {
            "firstName": "A",
            "lastName": "B",
            "email": "u@example.com",
            "login": "u@example.com",
            "postalAddress": None,
            "notValid": "x",
        },
        "credentials": {"password": {}},
    }
    resp = await client.post("/api/v1/users", json=body)
    assert resp.status_code == 400
    assert resp.json()["errorSummary"] == "Api validation failed: newUser"
    assert resp.json()["errorCauses"] == [
        {"errorSummary": "Property name 'notValid' is not defined in profile"}
    ]
    del body["profile"]["notValid"]  # type: ignore[attr-defined]
    resp = await client.post("/api/v1/users", json=body)
    assert resp.status_code == 200
    user = resp.json()
    assert user["status"] == "PROVISIONED"
    # Nulls are dropped; mobilePhone and secondEmail are always there.
    assert user["profile"] == {
        "firstName": "A",
        "lastName": "B",
        "mobilePhone": None,
        "secondEmail": None,
        "login": "u@example.com",
        "email": "u@example.com",
    }
    assert user["credentials"] == {"provider": {"type": "OKTA", "name": "OKTA"}}


async def test_malformed_bodies_raw(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/api/v1/users", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000003"
    resp = await client.post("/api/v1/users", json={"profile": "nope"})
    assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000001"
    resp = await client.post("/api/v1/users", json={"profile": {}, "groupIds": "00g"})
    assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000001"
    resp = await client.post(
        "/api/v1/users",
        json={
            "profile": {
                "firstName": "A",
                "lastName": "B",
                "email": "t@example.com",
                "login": "t@example.com",
            },
            "type": {"id": "otyunknown0000000000"},
        },
    )
    assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000001"


# --- read -----------------------------------------------------------------------------------
async def test_get_by_id_login_and_me(
    okta_client: Any, client: httpx.AsyncClient, creds: dict[str, Any]
) -> None:
    user, _, _ = await okta_client.create_user(with_password("Grace.Hopper@example.com"))
    by_id, _, err = await okta_client.get_user(user.id)
    assert err is None and by_id.id == user.id
    by_login, _, err = await okta_client.get_user("grace.hopper@EXAMPLE.com")
    assert err is None and by_login.id == user.id
    raw = await client.get("/api/v1/users/grace.hopper@example.com")
    encoded = await client.get("/api/v1/users/grace.hopper%40example.com")
    short = await client.get("/api/v1/users/grace.hopper")
    assert raw.json()["id"] == encoded.json()["id"] == short.json()["id"] == user.id
    me, _, err = await okta_client.get_user("me")
    assert err is None and me.profile.login == creds["admin_login"]


async def test_get_unknown_user(okta_client: Any) -> None:
    user, resp, err = await okta_client.get_user("00unknown00000000000")
    assert user is None
    assert resp.status == 404
    assert err.error_code == "E0000007"
    assert err.error_summary == "Not found: Resource not found: 00unknown00000000000 (User)"


async def test_ssws_without_space_and_bad_tokens(okta_app: FastAPI, creds: dict[str, Any]) -> None:
    transport = httpx.ASGITransport(app=okta_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
        ok = await raw.get("/api/v1/users/me", headers={"Authorization": f"SSWS{creds['api_token']}"})
        assert ok.status_code == 200 and ok.json()["profile"]["login"] == creds["admin_login"]
        bad = await raw.get("/api/v1/users", headers={"Authorization": "SSWS nope"})
        assert bad.status_code == 401 and bad.json()["errorCode"] == "E0000011"
        none = await raw.get("/api/v1/users")
        assert none.status_code == 401


# --- list, search, filter, paging -----------------------------------------------------------
async def test_default_list_excludes_deprovisioned(okta_client: Any, okta_app: FastAPI) -> None:
    state = tenant(okta_app)
    users, _, err = await okta_client.list_users()
    assert err is None
    active = [u for u in state["users"] if u["status"] != "DEPROVISIONED"]
    assert {u.id for u in users} == {u["id"] for u in active}
    deprovisioned, _, _ = await okta_client.list_users(filter='status eq "DEPROVISIONED"')
    assert deprovisioned and all(u.status.value == "DEPROVISIONED" for u in deprovisioned)
    searched, _, _ = await okta_client.list_users(search='status eq "DEPROVISIONED"')
    assert {u.id for u in searched} == {u.id for u in deprovisioned}


async def test_q_starts_with_and_defaults_to_ten(okta_client: Any) -> None:
    for i in range(12):
        await okta_client.create_user(new_user(f"zed{i}@example.com", firstName="Zedekiah"))
    found, _, err = await okta_client.list_users(q="zedek")
    assert err is None and len(found) == 10
    assert all(u.profile.first_name == "Zedekiah" for u in found)
    found, _, _ = await okta_client.list_users(q="zed", limit=50)
    assert len(found) == 12
    found, _, _ = await okta_client.list_users(q="LOVELACE", limit=20)
    assert len(found) == 12


async def test_filter_supports_only_a_few_properties(okta_client: Any) -> None:
    user, _, _ = await okta_client.create_user(with_password("ada@example.com"))
    found, _, err = await okta_client.list_users(filter=f'id eq "{user.id}"')
    assert err is None and [u.id for u in found] == [user.id]
    found, _, _ = await okta_client.list_users(filter='profile.login eq "ADA@example.com"')
    assert [u.id for u in found] == [user.id]
    found, _, _ = await okta_client.list_users(filter='profile.firstName eq "ada"')
    assert found == []
    found, _, _ = await okta_client.list_users(
        filter=f'lastUpdated ge "{user.last_updated.isoformat()}" and status eq "ACTIVE"'
    )
    assert user.id in [u.id for u in found]
    for bad in ('profile.department eq "Engineering"', 'status sw "ACT"', 'status eq "ACTIVE" and', "junk"):
        users, resp, err = await okta_client.list_users(filter=bad)
        assert users is None and resp.status == 400
        assert err.error_code == "E0000031" and err.error_summary == "Invalid search criteria."


async def test_search_any_property_sorted(okta_client: Any) -> None:
    for first, dept in (("Cleo", "Research"), ("Anna", "Research"), ("Bea", "Research")):
        await okta_client.create_user(
            new_user(f"{first.lower()}@example.com", firstName=first, department=dept)
        )
    found, _, err = await okta_client.list_users(
        search='profile.department eq "research"', sort_by="profile.firstName", sort_order="asc"
    )
    assert err is None
    assert [u.profile.first_name for u in found] == ["Anna", "Bea", "Cleo"]
    found, _, _ = await okta_client.list_users(
        search='profile.department eq "Research"', sort_by="profile.firstName", sort_order="desc"
    )
    assert [u.profile.first_name for u in found] == ["Cleo", "Bea", "Anna"]
    found, _, _ = await okta_client.list_users(search='profile.firstName co "le" and profile.email pr')
    assert [u.profile.first_name for u in found] == ["Cleo"]
    _, _, err = await okta_client.list_users(search='profile.department co "search"')
    assert err.error_code == "E0000031"  # co only works on names, email and login
    _, _, err = await okta_client.list_users(search='status ne "ACTIVE"')
    assert err.error_code == "E0000031"


async def test_paging_with_link_headers(okta_client: Any, okta_app: FastAPI) -> None:
    expected = [u["id"] for u in tenant(okta_app)["users"] if u["status"] != "DEPROVISIONED"]
    first, resp, err = await okta_client.list_users(limit=5)
    assert err is None and len(first) == 5
    cursor = PaginationHelper.extract_next_cursor(resp.headers)
    assert cursor == first[-1].id
    seen = [u.id for u in first]
    while cursor:
        page, resp, err = await okta_client.list_users(limit=5, after=cursor)
        assert err is None
        seen.extend(u.id for u in page)
        cursor = PaginationHelper.extract_next_cursor(resp.headers)
    assert seen == expected
    collected = [u.id async for u in paginate_all(okta_client.list_users, limit=4)]
    assert collected == expected
    assert not hasattr(resp, "has_next")  # okta 3.x: paging is by cursor, not resp.next()


async def test_link_header_shape_raw(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/v1/users", params={"limit": 2, "search": 'status eq "ACTIVE"'})
    link = resp.headers["link"]
    self_part, next_part = link.split(", ")
    assert self_part.endswith('rel="self"') and next_part.endswith('rel="next"')
    assert "after=" in next_part and "limit=2" in next_part and "search=" in next_part
    last = await client.get("/api/v1/users", params={"limit": 200})
    assert 'rel="next"' not in last.headers["link"]
    bad = await client.get("/api/v1/users", params={"limit": "lots"})
    assert bad.status_code == 400


# --- update and replace ---------------------------------------------------------------------
async def test_update_merges_profile(okta_client: Any, okta_app: FastAPI, client: httpx.AsyncClient) -> None:
    user, _, _ = await okta_client.create_user(with_password())
    updated, _, err = await okta_client.update_user(
        user.id, m.UpdateUserRequest(profile=m.UserProfile(nickName="Addy", city="London"))
    )
    assert err is None
    assert updated.profile.nick_name == "Addy" and updated.profile.first_name == "Ada"
    assert updated.last_updated >= user.last_updated
    assert events(okta_app, "user.account.update_profile")[-1]["target"][0]["id"] == user.id
    raw = await client.post(
        f"/api/v1/users/{user.id}", json={"profile": {"city": None, "mobilePhone": "555"}}
    )
    assert raw.status_code == 200
    assert "city" not in raw.json()["profile"] and raw.json()["profile"]["mobilePhone"] == "555"
    _, _, err = await okta_client.update_user(
        user.id, m.UpdateUserRequest(profile=m.UserProfile(email="nope-at-all"))
    )
    assert err.error_code == "E0000001"
    assert causes(err) == ["email: Does not match required pattern"]


async def test_update_login_uniqueness(okta_client: Any) -> None:
    await okta_client.create_user(new_user("taken@example.com"))
    user, _, _ = await okta_client.create_user(new_user("mine@example.com"))
    _, _, err = await okta_client.update_user(
        user.id, m.UpdateUserRequest(profile=m.UserProfile(login="TAKEN@example.com"))
    )
    assert causes(err) == ["login: An object with this field already exists in the current organization"]
    renamed, _, err = await okta_client.update_user(
        user.id, m.UpdateUserRequest(profile=m.UserProfile(login="renamed@example.com"))
    )
    assert err is None and renamed.profile.login == "renamed@example.com"
    again, _, err = await okta_client.get_user("renamed@example.com")
    assert err is None and again.id == user.id


async def test_replace_replaces_profile(okta_client: Any) -> None:
    user, _, _ = await okta_client.create_user(new_user(nickName="Addy", city="London"))
    replaced, _, err = await okta_client.replace_user(
        user.id,
        m.UpdateUserRequest(
            profile=m.UserProfile(
                firstName="Ada", lastName="King", email="ada@example.com", login="ada@example.com"
            )
        ),
    )
    assert err is None
    assert replaced.profile.last_name == "King"
    assert replaced.profile.nick_name is None and replaced.profile.city is None
    _, _, err = await okta_client.replace_user(
        user.id, m.UpdateUserRequest(profile=m.UserProfile(firstName="Ada", login="ada@example.com"))
    )
    assert err.error_code == "E0000001"
    assert "lastName: The field cannot be left blank" in causes(err)


async def test_put_credentials_only_keeps_profile_raw(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    created = (
        await client.post(
            "/api/v1/users",
            json={
                "profile": {
                    "firstName": "A",
                    "lastName": "B",
                    "email": "carol@example.com",
                    "login": "carol@example.com",
                },
                "credentials": {"password": {"value": STRONG}},
            },
        )
    ).json()
    tenant(okta_app).clock.advance(5)
    resp = await client.put(
        f"/api/v1/users/{created['id']}", json={"credentials": {"password": {"value": "Zyxw9876v"}}}
    )
    body = resp.json()
    assert resp.status_code == 200
    assert body["profile"] == created["profile"]
    assert body["lastUpdated"] == created["lastUpdated"]
    assert body["passwordChanged"] > created["passwordChanged"]
    again = await client.post(
        f"/api/v1/users/{created['id']}?strict=true", json={"credentials": {"password": {"value": STRONG}}}
    )
    assert again.status_code == 400 and again.json()["errorCode"] == "E0000001"
    weak = await client.put(
        f"/api/v1/users/{created['id']}", json={"credentials": {"password": {"value": "abc"}}}
    )
    assert weak.status_code == 400
    assert events(okta_app, "user.account.update_password")


# --- delete ---------------------------------------------------------------------------------
async def test_delete_twice(okta_client: Any, okta_app: FastAPI) -> None:
    user, _, _ = await okta_client.create_user(with_password())
    _, resp, err = await okta_client.delete_user(user.id)
    assert err is None and resp.status_code == 204
    after, _, _ = await okta_client.get_user(user.id)
    assert after.status.value == "DEPROVISIONED"
    _, resp, err = await okta_client.delete_user(user.id, send_email=False)
    assert err is None and resp.status_code == 204
    gone, resp, err = await okta_client.get_user(user.id)
    assert gone is None and err.error_code == "E0000007"
    resp, err = await okta_client.delete_user(user.id)  # errors on 204-typed methods are 2-tuples
    assert err.error_code == "E0000007"
    assert events(okta_app, "user.lifecycle.deactivate")[-1]["target"][0]["id"] == user.id
    assert events(okta_app, "user.lifecycle.delete.initiated")[-1]["target"][0]["id"] == user.id
    assert events(okta_app, "user.lifecycle.delete.completed")
    state = tenant(okta_app)
    assert not state["memberships"].where("user_id", user.id)
    # The login is free again.
    _, _, err = await okta_client.create_user(with_password())
    assert err is None


# --- groups and app links -------------------------------------------------------------------
async def test_app_links_direct_and_via_groups(okta_client: Any, okta_app: FastAPI) -> None:
    state = tenant(okta_app)
    engineering = next(g for g in state["groups"] if g["name"] == "Engineering")
    body = new_user("eng@example.com")
    body.group_ids = [engineering["id"]]
    user, _, _ = await okta_client.create_user(body)
    links, _, err = await okta_client.list_app_links(user.id)
    assert err is None
    labels = sorted(link.label for link in links)
    assert labels == ["Company Wiki", "Twin Web App"]
    assert all(link.app_instance_id and link.link_url for link in links)
    nobody, _, _ = await okta_client.create_user(new_user("nobody@example.com"))
    links, _, _ = await okta_client.list_app_links(nobody.id)
    assert links == []
    _, _, err = await okta_client.list_user_groups("00unknown00000000000")
    assert err.error_code == "E0000007"
