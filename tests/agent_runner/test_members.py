"""Lists of members: a collection under an item written with the member's key only (a group's
users) lists each member as the item of the collection it names, as the tenant stores it; a list
whose items only share the key (an app's users, with fields of their own) stays as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, USERS, exchange, user

GROUPS = "/api/v1/groups"


def session(n: int) -> list[Exchange]:
    uid, gid = f"00u{n}abcdEFGH{n}ijklm{n}", f"00g{n}abcdEFGH{n}ijklm{n}"
    member = user(uid, f"user{n}@example.com", "ACTIVE")
    group: dict[str, Any] = {"id": gid, "profile": {"name": f"group {n}"}}
    app_user = {"id": uid, "scope": "USER", "credentials": {"userName": "u"}, "syncState": "DISABLED"}
    return [
        exchange(ORG, "POST", USERS, 200, member, {"profile": member["profile"]}),
        exchange(ORG, "GET", f"{USERS}/{uid}", 200, member),
        exchange(ORG, "POST", GROUPS, 200, group, {"profile": group["profile"]}),
        exchange(ORG, "GET", f"{GROUPS}/{gid}", 200, group),
        exchange(ORG, "PUT", f"{GROUPS}/{gid}/users/{uid}", 204),
        exchange(ORG, "GET", f"{GROUPS}/{gid}/users", 200, [member]),
        exchange(ORG, "PUT", f"/api/v1/apps/0oa{n}x/users/{uid}", 200, app_user, {"scope": "USER"}),
        exchange(ORG, "GET", f"/api/v1/apps/0oa{n}x/users", 200, [app_user]),
    ]


def sessions() -> dict[str, list[Exchange]]:
    return {f"s{n}": session(n) for n in (1, 2, 3)}


def test_a_list_of_another_collections_items_is_learnt_by_key_and_fields() -> None:
    resources = infer("okta", list(sessions().items())).resources
    assert resources[f"{GROUPS}/{{groupId}}/users"].members == USERS
    assert resources["/api/v1/apps/{appId}/users"].members == ""  # same key, other fields


async def test_a_group_lists_its_members_as_the_users_they_are(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app, "SSWS"):
            profile = {
                "firstName": "Ann",
                "lastName": "Bee",
                "login": "ann@example.com",
                "email": "ann@example.com",
            }
            made = (await client.post(USERS, json={"profile": profile})).json()
            gid = (await client.post(GROUPS, json={"profile": {"name": "mine"}})).json()["id"]
            assert (await client.put(f"{GROUPS}/{gid}/users/{made['id']}")).status_code == 204
            listed = (await client.get(f"{GROUPS}/{gid}/users")).json()
            assert listed == [(await client.get(f"{USERS}/{made['id']}")).json()]
            assert listed[0]["profile"]["login"] == "ann@example.com"
    finally:
        app.state.twin.store.stop()
