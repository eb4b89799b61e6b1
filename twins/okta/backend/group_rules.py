"""Group rules: expression-based membership, kept up to date as users change.

A rule is created INACTIVE. Activating it evaluates every user and adds the matching ones to
its target groups (membership rows carry the rule id). While it is ACTIVE, `reevaluate_user`
adds users who start matching and removes the rule's members who stop matching. Deactivating
keeps the members; deleting with removeUsers=true removes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta.backend import groups
from twins.okta.backend.expressions import Context, Expression, ExpressionError, parse
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import not_found, validation

EXPRESSION_TYPE = "urn:okta:expression:1.0"
MAX_PASSES = 5  # rules can test memberships other rules make; settle within a few passes
# The base Okta user profile: rules may read these even when no user has a value yet.
BASE_ATTRIBUTES = frozenset(
    {
        *("login", "email", "secondEmail", "firstName", "lastName", "middleName", "honorificPrefix"),
        *("honorificSuffix", "title", "displayName", "nickName", "profileUrl", "primaryPhone"),
        *("mobilePhone", "streetAddress", "city", "state", "zipCode", "postalAddress", "countryCode"),
        *("preferredLanguage", "locale", "timezone", "userType", "employeeNumber", "costCenter"),
        *("organization", "division", "department", "managerId", "manager"),
    }
)


@lru_cache(maxsize=512)
def compiled(text: str) -> Expression | None:
    """The parsed expression of a stored rule (None if it no longer parses)."""
    try:
        return parse(text)
    except ExpressionError:
        return None


def get_rule(state: TenantState, rule_id: str) -> Row:
    row = state["group_rules"].get(rule_id)
    if row is None:
        raise not_found(rule_id, "GroupRule")
    return row


def _known_attributes(state: TenantState) -> set[str]:
    known = set(BASE_ATTRIBUTES) | set(state.meta.get("custom_attributes") or {})
    for user in state["users"]:
        known.update(user["profile"])
    return known


def _strings(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation(field, f"{field}: The field must be an array of strings")
    return list(dict.fromkeys(value))


def _fields(state: TenantState, body: Mapping[str, Any], own_id: str | None = None) -> dict[str, Any]:
    """Validate a GroupRule body; the stored fields."""
    if body.get("type", "group_rule") != "group_rule":
        raise validation("type", "type: The only supported value is 'group_rule'")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise validation("name", "name: The field cannot be left blank")
    if len(name) > 50:
        raise validation("name", "name: The field must be at most 50 characters long")
    for rule in state["group_rules"]:
        if rule["id"] != own_id and rule["name"] == name:
            raise validation("name", "name: Policy rule name already in use")
    conditions = body.get("conditions") or {}
    expression = conditions.get("expression") if isinstance(conditions, dict) else None
    if not isinstance(expression, dict) or not isinstance(expression.get("value"), str):
        raise validation("conditions.expression", "conditions.expression: The field cannot be left blank")
    if expression.get("type", EXPRESSION_TYPE) != EXPRESSION_TYPE:
        raise validation(
            "conditions.expression.type",
            f"conditions.expression.type: The only supported value is '{EXPRESSION_TYPE}'",
        )
    value = expression["value"]
    try:
        parsed = parse(value)
    except ExpressionError as exc:
        raise validation("conditions.expression.value", f"conditions.expression.value: {exc}") from None
    unknown = sorted(parsed.attributes - _known_attributes(state))
    if unknown:
        raise validation(
            "conditions.expression.value",
            f"conditions.expression.value: Invalid property {unknown[0]} in expression {value}",
        )
    people = conditions.get("people") or {}
    users = people.get("users") if isinstance(people, dict) else None
    exclude = _strings(
        (users or {}).get("exclude") if isinstance(users, dict) else None, "conditions.people.users.exclude"
    )
    actions = body.get("actions") or {}
    assign = actions.get("assignUserToGroups") if isinstance(actions, dict) else None
    group_ids = _strings(
        (assign or {}).get("groupIds") if isinstance(assign, dict) else None,
        "actions.assignUserToGroups.groupIds",
    )
    if not group_ids:
        raise validation(
            "actions.assignUserToGroups.groupIds",
            "actions.assignUserToGroups.groupIds: The field cannot be left blank",
        )
    for group_id in group_ids:
        group = state["groups"].get(group_id)
        if group is None or group["type"] != "OKTA_GROUP":
            raise validation(
                "actions.assignUserToGroups.groupIds",
                f"actions.assignUserToGroups.groupIds: Group {group_id} is not a valid OKTA_GROUP",
            )
    return {"name": name, "expression": value, "group_ids": group_ids, "exclude_user_ids": exclude}


def create_rule(state: TenantState, body: Mapping[str, Any], *, actor_id: str | None) -> Row:
    """POST /groups/rules: a new INACTIVE rule."""
    fields = _fields(state, body)
    now = now_iso(state)
    return state["group_rules"].insert(
        {"id": okta_id(state, "rule"), "status": "INACTIVE", "created": now, "last_updated": now, **fields}
    )


def _must_be_inactive(rule: Row, action: str) -> None:
    if rule["status"] == "ACTIVE":
        raise validation("status", f"status: Cannot {action} an ACTIVE group rule; deactivate it first")


def replace_rule(state: TenantState, rule_id: str, body: Mapping[str, Any], *, actor_id: str | None) -> Row:
    """PUT /groups/rules/{id}: only INACTIVE (or INVALID) rules can change."""
    rule = get_rule(state, rule_id)
    _must_be_inactive(rule, "update")
    fields = _fields(state, body, own_id=rule_id)
    return state["group_rules"].update(rule_id, status="INACTIVE", last_updated=now_iso(state), **fields)


def activate_rule(state: TenantState, rule_id: str, *, actor_id: str | None) -> Row:
    """Make the rule ACTIVE and apply it to every user."""
    rule = get_rule(state, rule_id)
    if rule["status"] == "INVALID":
        raise validation("status", "status: An INVALID group rule cannot be activated")
    if rule["status"] == "ACTIVE":
        return rule
    rule = state["group_rules"].update(rule_id, status="ACTIVE", last_updated=now_iso(state))
    for user in state["users"]:
        reevaluate_user(state, user, actor_id=actor_id)
    return rule


def deactivate_rule(state: TenantState, rule_id: str, *, actor_id: str | None) -> Row:
    """INACTIVE: the rule stops managing memberships; its members stay."""
    rule = get_rule(state, rule_id)
    if rule["status"] != "ACTIVE":
        return rule
    return state["group_rules"].update(rule_id, status="INACTIVE", last_updated=now_iso(state))


def delete_rule(state: TenantState, rule_id: str, *, remove_users: bool, actor_id: str | None) -> None:
    """DELETE: with removeUsers=true the rule's members leave its groups; else they stay."""
    rule = get_rule(state, rule_id)
    _must_be_inactive(rule, "delete")
    for membership in list(state["memberships"]):
        if membership["rule_id"] != rule_id:
            continue
        group = state["groups"].get(membership["group_id"])
        user = state["users"].get(membership["user_id"])
        if remove_users and group is not None and user is not None:
            groups.remove_member(state, group, user, actor_id=actor_id, rule=rule)
        else:
            state["memberships"].update(membership["id"], rule_id=None)
    state["group_rules"].delete(rule_id)


def forget_group(state: TenantState, group_id: str) -> None:
    """A target group was deleted: drop it from rules; a rule left without groups is INVALID."""
    for rule in list(state["group_rules"]):
        if group_id in rule["group_ids"]:
            rest = [g for g in rule["group_ids"] if g != group_id]
            state["group_rules"].update(
                rule["id"], group_ids=rest, status=rule["status"] if rest else "INVALID"
            )


def list_rules(state: TenantState, search: str | None) -> list[Row]:
    rows = list(state["group_rules"])
    if search:
        rows = [r for r in rows if search.lower() in r["name"].lower()]
    return rows


def _context(state: TenantState, user: Row) -> Context:
    member_of = groups.groups_of(state, user["id"])
    return Context(
        user=user,
        group_ids=frozenset(g["id"] for g in member_of),
        group_names=frozenset(g["name"] for g in member_of),
    )


def _matches(rule: Row, user: Row, ctx: Context) -> bool:
    if user["id"] in rule["exclude_user_ids"]:
        return False
    expression = compiled(rule["expression"])
    return expression is not None and expression.matches(ctx)


def _apply(state: TenantState, user: Row, active: list[Row], actor_id: str | None) -> bool:
    """One pass of every ACTIVE rule over one user; True if a membership changed."""
    ctx = _context(state, user)
    wanted: dict[str, Row] = {}
    for rule in active:
        if _matches(rule, user, ctx):
            for group_id in rule["group_ids"]:
                wanted.setdefault(group_id, rule)
    changed = False
    for group_id, rule in wanted.items():
        group = state["groups"].get(group_id)
        if group is not None:
            changed |= groups.add_member(state, group, user, actor_id=actor_id, rule=rule)
    by_id = {r["id"]: r for r in active}
    for membership in state["memberships"].where("user_id", user["id"]):
        owner = by_id.get(membership["rule_id"] or "")
        if owner is None or membership["group_id"] in wanted:
            continue
        group = state["groups"].get(membership["group_id"])
        if group is not None:
            changed |= groups.remove_member(state, group, user, actor_id=actor_id, rule=owner)
    return changed


def reevaluate_user(state: TenantState, user: Row, *, actor_id: str | None = None) -> None:
    """Add or remove the user from every group an ACTIVE rule manages, per the rule's expression.

    Called by the users backend after a user is created, updated or changes status. Rules
    skip deactivated (DEPROVISIONED) users: their memberships stay as they are until the user
    is activated again.
    """
    active = [r for r in state["group_rules"] if r["status"] == "ACTIVE"]
    if not active:
        return
    for _ in range(MAX_PASSES):
        current = state["users"].get(user["id"])
        if current is None or current["status"] == "DEPROVISIONED":
            return
        if not _apply(state, current, active, actor_id):
            return
