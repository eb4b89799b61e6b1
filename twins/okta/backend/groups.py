"""Groups: Okta groups, the built-in Everyone group, and memberships (manual and rule-made)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import OktaError, no_permission, not_found, validation

FILTER_FIELDS = ("id", "type", "lastUpdated", "lastMembershipUpdated")
SEARCH_FIELDS = ("id", "type", "created", "lastUpdated", "lastMembershipUpdated", "profile.*", "source.id")


def unsupported() -> OktaError:
    return OktaError("Unsupported operation.", code="E0000060", status=400)


def query_predicate(
    expr: str, allowed: Iterable[str] | None, mode: Literal["filter", "search"]
) -> Callable[[Mapping[str, Any]], bool]:
    """A `filter`/`search` expression compiled by the shared expression module (E0000031)."""
    from twins.okta.filter import compile_expression

    return compile_expression(expr, allowed=tuple(allowed) if allowed is not None else None, mode=mode)


def group_fields(row: Row) -> dict[str, Any]:
    """The attributes a group filter or search sees (the wire names)."""
    return {
        "id": row["id"],
        "type": row["type"],
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "lastMembershipUpdated": row["last_membership_updated"],
        "profile": dict(row["profile"]),
    }


# ---------------------------------------------------------------------------------------------
# Groups


def get_group(state: TenantState, group_id: str) -> Row:
    row = state["groups"].get(group_id)
    if row is None:
        raise not_found(group_id, "UserGroup")
    return row


def everyone(state: TenantState) -> Row | None:
    """The built-in group every user belongs to."""
    return next((g for g in state["groups"].where("type", "BUILT_IN") if g["name"] == "Everyone"), None)


def _profile(body: Mapping[str, Any]) -> dict[str, Any]:
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise validation("profile", "profile: The field must be an object")
    profile = dict(profile or {})
    name = profile.get("name")
    if not isinstance(name, str) or not name.strip():
        raise validation("name", "name: The field cannot be left blank")
    if len(name) > 255:
        raise validation("name", "name: The field is too long")
    description = profile.get("description")
    if description is not None and not isinstance(description, str):
        raise validation("description", "description: The field must be a string")
    return profile


def _check_unique(state: TenantState, name: str, own_id: str | None = None) -> None:
    for group in state["groups"].where("type", "OKTA_GROUP"):
        if group["id"] != own_id and group["name"].lower() == name.lower():
            raise validation(
                "name", "name: An object with this field already exists in the current organization"
            )


def create_group(state: TenantState, body: Mapping[str, Any], *, actor_id: str | None) -> Row:
    profile = _profile(body)
    _check_unique(state, profile["name"])
    now = now_iso(state)
    row = state["groups"].insert(
        {
            "id": okta_id(state, "group"),
            "type": "OKTA_GROUP",
            "name": profile["name"],
            "profile": profile,
            "created": now,
            "last_updated": now,
            "last_membership_updated": now,
        }
    )
    logs.emit(
        state,
        "group.lifecycle.create",
        "Create okta group",
        actor_id=actor_id,
        targets=[logs.target(row, "UserGroup")],
    )
    return row


def replace_group(state: TenantState, group_id: str, body: Mapping[str, Any], *, actor_id: str | None) -> Row:
    """PUT: the whole profile is replaced; only OKTA_GROUP profiles can be changed."""
    group = get_group(state, group_id)
    if group["type"] != "OKTA_GROUP":
        raise no_permission()
    profile = _profile(body)
    _check_unique(state, profile["name"], own_id=group_id)
    row = state["groups"].update(group_id, name=profile["name"], profile=profile, last_updated=now_iso(state))
    logs.emit(
        state,
        "group.profile.update",
        "Update group profile",
        actor_id=actor_id,
        targets=[logs.target(row, "UserGroup")],
    )
    return row


def delete_group(state: TenantState, group_id: str, *, actor_id: str | None) -> None:
    """Delete an OKTA_GROUP or APP_GROUP with its memberships, app assignments and rule targets."""
    group = get_group(state, group_id)
    if group["type"] == "BUILT_IN":
        raise no_permission()
    for membership in state["memberships"].where("group_id", group_id):
        state["memberships"].delete(membership["id"])
    for assignment in state["app_groups"].where("group_id", group_id):
        state["app_groups"].delete(assignment["id"])
    from twins.okta.backend import group_rules

    group_rules.forget_group(state, group_id)
    state["groups"].delete(group_id)
    logs.emit(
        state,
        "group.lifecycle.delete",
        "Delete okta group",
        actor_id=actor_id,
        targets=[logs.target(group, "UserGroup")],
    )


def _sort_value(row: Row, sort_by: str) -> tuple[int, str]:
    value: Any = group_fields(row)
    for part in sort_by.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return (0, str(value).lower()) if value is not None else (1, "")


def list_groups(state: TenantState, params: Mapping[str, str]) -> list[Row]:
    """Groups matching q (name starts with), filter and search, in the requested order."""
    if params.get("filter") and params.get("search"):
        raise OktaError(
            "Bad request. Can't specify a search query and filter in the same request.", code="E0000033"
        )
    rows = list(state["groups"])
    q = params.get("q")
    if q:
        rows = [g for g in rows if g["name"].lower().startswith(q.lower())]
    if params.get("filter"):
        keep = query_predicate(params["filter"], FILTER_FIELDS, "filter")
        rows = [g for g in rows if keep(group_fields(g))]
    if params.get("search"):
        keep = query_predicate(params["search"], SEARCH_FIELDS, "search")
        rows = [g for g in rows if keep(group_fields(g))]
    sort_by = params.get("sortBy")
    if sort_by:
        rows.sort(key=lambda g: g["id"])
        rows.sort(key=lambda g: _sort_value(g, sort_by), reverse=params.get("sortOrder", "asc") == "desc")
    return rows


def stats(state: TenantState, group: Row) -> dict[str, Any]:
    """`_embedded.stats` for expand=stats."""
    return {
        "usersCount": len(members(state, group["id"])),
        "appsCount": len(state["app_groups"].where("group_id", group["id"])),
        "groupPushMappingsCount": 0,
        "hasAdminPrivlege": False,  # sic: Okta's spelling
    }


# ---------------------------------------------------------------------------------------------
# Memberships


def members(state: TenantState, group_id: str) -> list[Row]:
    """The group's users, in the order they joined (memberships of deleted users are skipped)."""
    users = state["users"]
    found = (users.get(m["user_id"]) for m in state["memberships"].where("group_id", group_id))
    return [u for u in found if u is not None]


def groups_of(state: TenantState, user_id: str) -> list[Row]:
    """The groups a user belongs to (GET /users/{id}/groups)."""
    groups = state["groups"]
    found = (groups.get(m["group_id"]) for m in state["memberships"].where("user_id", user_id))
    return [g for g in found if g is not None]


def _get_user(state: TenantState, user_id: str) -> Row:
    user = state["users"].get(user_id)
    if user is None:
        raise not_found(user_id, "User")
    return user


def _touch(state: TenantState, group_id: str) -> None:
    state["groups"].update(group_id, last_membership_updated=now_iso(state))


def _membership_event(
    state: TenantState, kind: str, user: Row, group: Row, actor_id: str | None, rule: Row | None
) -> None:
    added = kind == "add"
    extra = {"groupRuleId": rule["id"], "groupRuleName": rule["name"]} if rule else None
    logs.emit(
        state,
        f"group.user_membership.{kind}",
        "Add user to group membership" if added else "Remove user from group membership",
        actor_id=actor_id,
        targets=[logs.target(user, "User"), logs.target(group, "UserGroup")],
        extra=extra,
    )


def add_member(
    state: TenantState,
    group: Row,
    user: Row,
    *,
    actor_id: str | None,
    rule: Row | None = None,
) -> bool:
    """Add a membership row (idempotent); a manual add takes over a rule-made membership."""
    key = f"{group['id']}:{user['id']}"
    existing = state["memberships"].get(key)
    if existing is not None:
        if rule is None and existing["rule_id"] is not None:
            state["memberships"].update(key, rule_id=None)
        return False
    from twins.okta.backend import apps

    before = apps.app_ids_for_user(state, user["id"])
    state["memberships"].insert(
        {"id": key, "group_id": group["id"], "user_id": user["id"], "rule_id": rule["id"] if rule else None}
    )
    _touch(state, group["id"])
    _membership_event(state, "add", user, group, actor_id, rule)
    apps.access_changed(state, user, before, actor_id=actor_id)
    return True


def remove_member(
    state: TenantState, group: Row, user: Row, *, actor_id: str | None, rule: Row | None = None
) -> bool:
    key = f"{group['id']}:{user['id']}"
    if state["memberships"].get(key) is None:
        return False
    from twins.okta.backend import apps

    before = apps.app_ids_for_user(state, user["id"])
    state["memberships"].delete(key)
    _touch(state, group["id"])
    _membership_event(state, "remove", user, group, actor_id, rule)
    apps.access_changed(state, user, before, actor_id=actor_id)
    return True


def assign_user(state: TenantState, group_id: str, user_id: str, *, actor_id: str | None) -> None:
    """PUT /groups/{g}/users/{u}: only OKTA_GROUP memberships can be changed by hand."""
    group = get_group(state, group_id)
    user = _get_user(state, user_id)
    _check_modifiable(group)
    if add_member(state, group, user, actor_id=actor_id):
        _reevaluate(state, user, actor_id)


def unassign_user(state: TenantState, group_id: str, user_id: str, *, actor_id: str | None) -> None:
    group = get_group(state, group_id)
    user = _get_user(state, user_id)
    _check_modifiable(group)
    if remove_member(state, group, user, actor_id=actor_id):
        _reevaluate(state, user, actor_id)


def _check_modifiable(group: Row) -> None:
    if group["type"] == "BUILT_IN":
        raise unsupported()
    if group["type"] == "APP_GROUP":
        raise no_permission()


def _reevaluate(state: TenantState, user: Row, actor_id: str | None) -> None:
    """Rules may test group membership (isMemberOfGroup), so a manual change can trigger them."""
    from twins.okta.backend import group_rules

    group_rules.reevaluate_user(state, user, actor_id=actor_id)


def add_to_everyone(state: TenantState, user: Row, *, actor_id: str | None = None) -> None:
    """Put a new user in the built-in Everyone group (the users backend calls this on create)."""
    group = everyone(state)
    if group is not None:
        add_member(state, group, user, actor_id=actor_id)


def forget_user(state: TenantState, user_id: str) -> None:
    """Drop every membership and app assignment of a user being deleted.

    The users backend calls this on the final DELETE; no membership events are emitted, the
    user.lifecycle.delete event covers them.
    """
    for membership in state["memberships"].where("user_id", user_id):
        state["memberships"].delete(membership["id"])
        if state["groups"].get(membership["group_id"]) is not None:
            _touch(state, membership["group_id"])
    for assignment in state["app_users"].where("user_id", user_id):
        state["app_users"].delete(assignment["id"])
