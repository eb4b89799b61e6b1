"""Group rules through the official async `okta` SDK over real HTTP; the expression evaluator."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from okta import models as m

from tests.okta.org_support import org as tenant
from twins.okta.backend import group_rules
from twins.okta.backend.expressions import Context, ExpressionError, parse

EXPRESSION = "urn:okta:expression:1.0"


def member_ids(app: FastAPI, group_id: str) -> set[str]:
    return {x["user_id"] for x in tenant(app)["memberships"] if x["group_id"] == group_id}


def rule_body(name: str, expression: str, group_ids: list[str], exclude: list[str] | None = None) -> Any:
    return m.CreateGroupRuleRequest.from_dict(
        {
            "type": "group_rule",
            "name": name,
            "conditions": {
                "expression": {"value": expression, "type": EXPRESSION},
                "people": {"users": {"exclude": exclude or []}},
            },
            "actions": {"assignUserToGroups": {"groupIds": group_ids}},
        }
    )


async def no_content(call: Awaitable[Any]) -> tuple[int, Any]:
    """(HTTP status, error) of a 204-typed SDK call: it returns a 3-tuple on success, 2 on error."""
    result = await call
    resp = result[-2]
    return int(getattr(resp, "status_code", None) or resp.status), result[-1]


async def new_group(okta_client: Any, name: str) -> str:
    group, _, err = await okta_client.add_group(m.AddGroupRequest.from_dict({"profile": {"name": name}}))
    assert err is None
    return str(group.id)


async def new_user(okta_client: Any, login: str, **profile: Any) -> str:
    fields = {"firstName": "Rule", "lastName": "Tester", "email": login, "login": login, **profile}
    user, _, err = await okta_client.create_user(m.CreateUserRequest(profile=m.UserProfile.from_dict(fields)))
    assert err is None
    return str(user.id)


async def set_profile(okta_client: Any, user_id: str, **profile: Any) -> None:
    _, _, err = await okta_client.update_user(user_id, m.UpdateUserRequest(profile=m.UserProfile(**profile)))
    assert err is None


# --- CRUD ---------------------------------------------------------------------------------------
async def test_create_get_list_replace(okta_client: Any, okta_app: FastAPI) -> None:
    target = await new_group(okta_client, "Rule Target")
    rule, resp, err = await okta_client.create_group_rule(
        rule_body("Engineers", 'user.department=="Engineering"', [target])
    )
    assert err is None and resp.status_code == 200
    assert rule.id.startswith("0pr") and rule.status.value == "INACTIVE" and rule.type == "group_rule"
    assert rule.conditions.expression.value == 'user.department=="Engineering"'
    assert rule.actions.assign_user_to_groups.group_ids == [target]
    assert member_ids(okta_app, target) == set()  # inactive rules change nothing

    fetched, _, err = await okta_client.get_group_rule(rule.id)
    assert err is None and fetched.name == "Engineers"

    await okta_client.create_group_rule(rule_body("Sellers", 'user.department=="Sales"', [target]))
    listed, _, err = await okta_client.list_group_rules(search="engin")
    assert err is None and [r.name for r in listed] == ["Engineers"]
    page, resp, _ = await okta_client.list_group_rules(limit=1)
    assert len(page) == 1 and 'rel="next"' in resp.headers["Link"]

    replacement = m.GroupRule.from_dict(
        {
            "type": "group_rule",
            "name": "Engineers v2",
            "conditions": {
                "expression": {"value": 'String.startsWith(user.department, "Eng")', "type": EXPRESSION}
            },
            "actions": {"assignUserToGroups": {"groupIds": [target]}},
        }
    )
    replaced, _, err = await okta_client.replace_group_rule(rule.id, replacement)
    assert err is None and replaced.name == "Engineers v2" and replaced.status.value == "INACTIVE"
    assert replaced.conditions.expression.value == 'String.startsWith(user.department, "Eng")'


async def test_expand_group_names(client: httpx.AsyncClient, okta_client: Any) -> None:
    target = await new_group(okta_client, "Mapped")
    rule, _, _ = await okta_client.create_group_rule(rule_body("Mapper", "user.title != null", [target]))
    resp = await client.get(f"/api/v1/groups/rules/{rule.id}", params={"expand": "groupIdToGroupNameMap"})
    assert resp.json()["_embedded"]["groupIdToGroupNameMap"] == {target: "Mapped"}
    assert resp.json()["allGroupsValid"] is True
    listed = await client.get("/api/v1/groups/rules", params={"expand": "groupIdToGroupNameMap"})
    assert listed.json()[0]["_embedded"]["groupIdToGroupNameMap"] == {target: "Mapped"}


async def test_validation_errors(okta_client: Any, okta_app: FastAPI) -> None:
    target = await new_group(okta_client, "Strict")
    cases = [
        (
            rule_body("Bad syntax", "user.department ==", [target]),
            "conditions.expression.value: Unexpected end",
        ),
        (
            rule_body("Bad op", 'user.department = "x"', [target]),
            "conditions.expression.value: Unexpected character",
        ),
        (rule_body("Bad fn", "String.nope(user.email)", [target]), "Unknown function 'String.nope'"),
        (rule_body("Bad arity", "String.startsWith(user.email)", [target]), "takes 2 argument(s), 1 given"),
        (rule_body("Bad attr", 'user.departmnt == "x"', [target]), "Invalid property departmnt"),
        (rule_body("No group", 'user.title == "x"', ["00gmissingmissing000"]), "is not a valid OKTA_GROUP"),
        (rule_body("No groups", 'user.title == "x"', []), "groupIds: The field cannot be left blank"),
    ]
    for body, cause in cases:
        _, _, err = await okta_client.create_group_rule(body)
        assert err is not None and err.status == 400 and err.error_code == "E0000001", body.name
        assert cause in err.error_causes[0]["errorSummary"], (body.name, err.error_causes)
    everyone = next(g for g in tenant(okta_app)["groups"] if g["name"] == "Everyone")
    _, _, err = await okta_client.create_group_rule(rule_body("To everyone", "true", [everyone["id"]]))
    assert err.error_code == "E0000001"
    await okta_client.create_group_rule(rule_body("Unique", "true", [target]))
    _, _, err = await okta_client.create_group_rule(rule_body("Unique", "true", [target]))
    assert err.error_causes[0]["errorSummary"] == "name: Policy rule name already in use"
    _, _, err = await okta_client.get_group_rule("0prmissingmissing000")
    assert err.status == 404 and err.error_code == "E0000007"


async def test_raw_body_errors(client: httpx.AsyncClient, okta_client: Any) -> None:
    target = await new_group(okta_client, "Raw")
    body = rule_body("x", "true", [target]).to_dict()
    resp = await client.post("/api/v1/groups/rules", json={**body, "name": ""})
    assert resp.status_code == 400 and resp.json()["errorCauses"] == [
        {"errorSummary": "name: The field cannot be left blank"}
    ]
    resp = await client.post("/api/v1/groups/rules", json={**body, "type": "policy_rule"})
    assert resp.json()["errorCode"] == "E0000001"
    resp = await client.post(
        "/api/v1/groups/rules", content=b"", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000003"


# --- lifecycle and membership --------------------------------------------------------------------
async def test_activate_adds_matching_users(okta_client: Any, okta_app: FastAPI) -> None:
    target = await new_group(okta_client, "All Engineers")
    rule, _, _ = await okta_client.create_group_rule(
        rule_body("Eng", 'user.department == "Engineering"', [target])
    )
    status, err = await no_content(okta_client.activate_group_rule(rule.id))
    assert err is None and status == 204
    expected = {
        u["id"]
        for u in tenant(okta_app)["users"]
        if u["profile"].get("department") == "Engineering" and u["status"] != "DEPROVISIONED"
    }
    assert expected and member_ids(okta_app, target) == expected
    members, _, _ = await okta_client.list_group_users(target)
    assert {u.id for u in members} == expected
    rows = [x for x in tenant(okta_app)["memberships"] if x["group_id"] == target]
    assert {x["rule_id"] for x in rows} == {rule.id}
    fetched, _, _ = await okta_client.get_group_rule(rule.id)
    assert fetched.status.value == "ACTIVE"
    events = [
        e["data"] for e in tenant(okta_app)["log_events"] if e["event_type"] == "group.user_membership.add"
    ]
    assert events[-1]["debugContext"]["debugData"]["groupRuleId"] == rule.id


async def test_users_follow_an_active_rule(okta_client: Any, okta_app: FastAPI) -> None:
    target = await new_group(okta_client, "Example staff")
    rule, _, _ = await okta_client.create_group_rule(
        rule_body("Staff", 'String.stringContains(user.email, "@staff.example.com")', [target])
    )
    await no_content(okta_client.activate_group_rule(rule.id))
    inside = await new_user(okta_client, "in@staff.example.com")
    outside = await new_user(okta_client, "out@elsewhere.example.com")
    assert member_ids(okta_app, target) == {inside}

    await set_profile(okta_client, outside, email="out@staff.example.com")
    assert member_ids(okta_app, target) == {inside, outside}
    await set_profile(okta_client, inside, email="in@elsewhere.example.com")
    assert member_ids(okta_app, target) == {outside}
    removed = [
        e["data"] for e in tenant(okta_app)["log_events"] if e["event_type"] == "group.user_membership.remove"
    ]
    assert removed[-1]["target"][0]["id"] == inside


async def test_excluded_users_and_manual_members_stay_put(okta_client: Any, okta_app: FastAPI) -> None:
    target = await new_group(okta_client, "Mountaineers")
    skipped = await new_user(okta_client, "skip@example.com", title="Climber")
    manual = await new_user(okta_client, "manual@example.com", title="Hiker")
    await no_content(okta_client.assign_user_to_group(target, manual))
    rule, _, _ = await okta_client.create_group_rule(
        rule_body("Climbers", 'user.title == "Climber"', [target], exclude=[skipped])
    )
    await no_content(okta_client.activate_group_rule(rule.id))
    assert member_ids(okta_app, target) == {manual}
    await set_profile(okta_client, manual, title="Climber")
    await set_profile(okta_client, manual, title="Hiker")
    assert member_ids(okta_app, target) == {manual}  # added by hand: the rule never removes it


async def test_deactivate_keeps_members_and_delete_removes_them(okta_client: Any, okta_app: FastAPI) -> None:
    target = await new_group(okta_client, "Sellers")
    rule, _, _ = await okta_client.create_group_rule(
        rule_body("Sales", 'user.department == "Sales"', [target])
    )
    await no_content(okta_client.activate_group_rule(rule.id))
    members = member_ids(okta_app, target)
    assert members

    _, _, err = await okta_client.replace_group_rule(rule.id, m.GroupRule.from_dict(rule.to_dict()))
    assert err.status == 400 and err.error_code == "E0000001"  # an ACTIVE rule cannot change
    _, err = await no_content(okta_client.delete_group_rule(rule.id))
    assert err.error_code == "E0000001"  # nor be deleted

    status, err = await no_content(okta_client.deactivate_group_rule(rule.id))
    assert err is None and status == 204
    assert member_ids(okta_app, target) == members
    status, err = await no_content(okta_client.delete_group_rule(rule.id, remove_users=True))
    assert err is None and status == 202
    assert member_ids(okta_app, target) == set()
    _, _, err = await okta_client.get_group_rule(rule.id)
    assert err.status == 404


async def test_delete_without_remove_users_keeps_members(
    client: httpx.AsyncClient, okta_client: Any, okta_app: FastAPI
) -> None:
    target = await new_group(okta_client, "Keepers")
    rule, _, _ = await okta_client.create_group_rule(
        rule_body("Keep", 'user.department == "Sales"', [target])
    )
    await no_content(okta_client.activate_group_rule(rule.id))
    await no_content(okta_client.deactivate_group_rule(rule.id))
    members = member_ids(okta_app, target)
    resp = await client.delete(f"/api/v1/groups/rules/{rule.id}", params={"removeUsers": "false"})
    assert resp.status_code == 202 and resp.json() == {}
    assert member_ids(okta_app, target) == members
    assert {x["rule_id"] for x in tenant(okta_app)["memberships"] if x["group_id"] == target} == {None}


async def test_rules_can_build_on_group_membership(okta_client: Any, okta_app: FastAPI) -> None:
    first = await new_group(okta_client, "Level one")
    second = await new_group(okta_client, "Level two")
    one, _, _ = await okta_client.create_group_rule(rule_body("L1", 'user.title == "Pilot"', [first]))
    two, _, _ = await okta_client.create_group_rule(
        rule_body("L2", f'isMemberOfAnyGroup("{first}")', [second])
    )
    await no_content(okta_client.activate_group_rule(one.id))
    await no_content(okta_client.activate_group_rule(two.id))
    pilot = await new_user(okta_client, "pilot@example.com", title="Pilot")
    assert pilot in member_ids(okta_app, first) and pilot in member_ids(okta_app, second)
    await set_profile(okta_client, pilot, title="Driver")
    assert pilot not in member_ids(okta_app, first) | member_ids(okta_app, second)


async def test_deleting_the_target_group_invalidates_the_rule(okta_client: Any) -> None:
    target = await new_group(okta_client, "Doomed")
    rule, _, _ = await okta_client.create_group_rule(rule_body("Doomed rule", "true", [target]))
    await no_content(okta_client.delete_group(target))
    fetched, _, _ = await okta_client.get_group_rule(rule.id)
    assert fetched.status.value == "INVALID"
    _, err = await no_content(okta_client.activate_group_rule(rule.id))
    assert err.error_code == "E0000001"


async def test_reevaluate_user_after_a_direct_store_change(okta_app: FastAPI, okta_client: Any) -> None:
    target = await new_group(okta_client, "Direct")
    rule, _, _ = await okta_client.create_group_rule(rule_body("Direct", 'user.city == "Oslo"', [target]))
    await no_content(okta_client.activate_group_rule(rule.id))
    state = tenant(okta_app)
    user = next(u for u in state["users"] if u["status"] == "ACTIVE")
    moved = state["users"].update(user["id"], profile={**user["profile"], "city": "Oslo"})
    group_rules.reevaluate_user(state, moved)
    assert member_ids(okta_app, target) == {user["id"]}
    state.rollback()


# --- the expression language ----------------------------------------------------------------------
USER = {"id": "00u1", "profile": {"department": "Engineering", "email": "ada@example.com", "level": 5}}
CTX = Context(USER, frozenset({"00gA"}), frozenset({"Admins", "Engineering"}))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('user.department=="Engineering"', True),
        ("user.department == 'Sales'", False),
        ('user.department != "Sales" && user.level > 3', True),
        ("user.level >= 5 AND user.level <= 5 and user.level < 6", True),
        ('!(user.department == "Engineering") || user.level > 9', False),
        ("NOT false OR false", True),
        ('String.stringContains(user.email, "@example.com")', True),
        ('String.startsWith(user.email, "ada") && String.endsWith(user.email, ".com")', True),
        ('String.toUpperCase(user.department) == "ENGINEERING"', True),
        ('String.toLowerCase("ABC") == "abc" && String.len(user.department) == 11', True),
        ('isMemberOfGroup("00gA") && isMemberOfAnyGroup("00gX", "00gA")', True),
        ('isMemberOfGroupName("Admins") && !isMemberOfGroupName("Sales")', True),
        ("user.missing == null", True),
        ('user.missing == "x"', False),
        ('String.stringContains(user.missing, "x")', False),
        ('user.level > "3"', False),
        ("user.level > 3 ? true : false", True),
        ('(user.department + "-" + user.level) == "Engineering-5"', True),
    ],
)
def test_expression_evaluation(expression: str, expected: bool) -> None:
    assert parse(expression).matches(CTX) is expected


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "user.department ==",
        "(user.level > 1",
        "user.a.b",
        "foo.bar",
        "String.nope()",
        "#",
        '"open',
        "a b",
    ],
)
def test_expression_errors(expression: str) -> None:
    with pytest.raises(ExpressionError):
        parse(expression)
