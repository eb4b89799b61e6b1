"""App assignments: users directly (scope USER) or through an assigned group (scope GROUP).

Direct assignments are `app_users` rows. Group-based access is derived from `app_groups` and
group memberships when read, so it follows membership changes at once; an `app_users` row with
scope GROUP only keeps per-user overrides (profile, credentials) of a group-based assignment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.common import now_iso
from twins.okta.errors import no_permission, not_found, validation

T = TypeVar("T")


def get_app(state: TenantState, app_id: str) -> Row:
    row = state["apps"].get(app_id)
    if row is None:
        raise not_found(app_id, "AppInstance")
    return row


def _groups_of_user(state: TenantState, user_id: str) -> set[str]:
    return {m["group_id"] for m in state["memberships"].where("user_id", user_id)}


def app_ids_for_user(state: TenantState, user_id: str) -> set[str]:
    """Apps the user can use: direct assignments and assignments of the user's groups."""
    ids = {a["app_id"] for a in state["app_users"].where("user_id", user_id) if a["scope"] == "USER"}
    user = state["users"].get(user_id)
    if user is None or user["status"] == "DEPROVISIONED":
        return ids  # a deactivated user keeps no group-based app access
    for group_id in _groups_of_user(state, user_id):
        ids.update(a["app_id"] for a in state["app_groups"].where("group_id", group_id))
    return ids


def is_assigned(state: TenantState, app_id: str, user_id: str) -> bool:
    return app_id in app_ids_for_user(state, user_id)


def via_group(state: TenantState, app_id: str, user_id: str) -> Row | None:
    """The highest-priority assignment of one of the user's groups to this app."""
    user = state["users"].get(user_id)
    if user is None or user["status"] == "DEPROVISIONED":
        return None
    mine = _groups_of_user(state, user_id)
    found = [a for a in state["app_groups"].where("app_id", app_id) if a["group_id"] in mine]
    return min(found, key=lambda a: a["priority"]) if found else None


def app_user(state: TenantState, app_id: str, user_id: str) -> Row | None:
    """The AppUser as stored, or synthesized from a group assignment; None if not assigned."""
    row = state["app_users"].get(f"{app_id}:{user_id}")
    if row is not None and row["scope"] == "USER":
        return row
    via = via_group(state, app_id, user_id)
    if via is None:
        return None
    if row is not None:
        return row
    return {
        "id": f"{app_id}:{user_id}",
        "app_id": app_id,
        "user_id": user_id,
        "scope": "GROUP",
        "status": "ACTIVE",
        "profile": dict(via["profile"]),
        "credentials": {},
        "created": via["last_updated"],
        "last_updated": via["last_updated"],
    }


def app_users(state: TenantState, app_id: str, q: str | None = None) -> list[Row]:
    """Everyone assigned to the app: direct assignments first, then members of assigned groups."""
    get_app(state, app_id)
    seen: dict[str, Row] = {}
    for row in state["app_users"].where("app_id", app_id):
        view = app_user(state, app_id, row["user_id"])
        if view is not None:
            seen[row["user_id"]] = view
    for assignment in sorted(state["app_groups"].where("app_id", app_id), key=lambda a: a["priority"]):
        for membership in state["memberships"].where("group_id", assignment["group_id"]):
            if membership["user_id"] not in seen and state["users"].get(membership["user_id"]):
                view = app_user(state, app_id, membership["user_id"])
                if view is not None:
                    seen[membership["user_id"]] = view
    rows = [r for r in seen.values() if state["users"].get(r["user_id"]) is not None]
    if q:
        needle = q.lower()

        def hit(r: Row) -> bool:
            profile = (state["users"].get(r["user_id"]) or {"profile": {}})["profile"]
            values = [
                profile.get("firstName"),
                profile.get("lastName"),
                profile.get("email"),
                user_name(state, r),
            ]
            return any(isinstance(v, str) and v.lower().startswith(needle) for v in values)

        rows = [r for r in rows if hit(r)]
    return rows


def user_name(state: TenantState, row: Row) -> str:
    """credentials.userName: the stored one, else the app's userNameTemplate applied to the user."""
    stored = row["credentials"].get("userName")
    if stored:
        return str(stored)
    user = state["users"].get(row["user_id"]) or {"profile": {}, "login": ""}
    app = state["apps"].get(row["app_id"])
    template = str(
        ((app or {}).get("data", {}).get("credentials", {}).get("userNameTemplate") or {}).get(
            "template", "${source.login}"
        )
    )
    match = re.fullmatch(r"\$\{source\.(\w+)\}|user\.(\w+)", template)
    attr = (match.group(1) or match.group(2)) if match else "login"
    return str(user["profile"].get(attr) or user["profile"].get("login") or user.get("login", ""))


def _assignable_user(state: TenantState, user_id: Any) -> Row:
    if not isinstance(user_id, str) or not user_id:
        raise validation("id", "id: The field cannot be left blank")
    user = state["users"].get(user_id)
    if user is None:
        raise not_found(user_id, "User")
    return user


def _credentials(body_creds: Any, old: Mapping[str, Any]) -> dict[str, Any]:
    if body_creds is None:
        return dict(old)
    if not isinstance(body_creds, dict):
        raise validation("credentials", "credentials: The field must be an object")
    out = {**old, **{k: v for k, v in body_creds.items() if k in ("userName", "password")}}
    if not out.get("userName"):
        out.pop("userName", None)
    password = out.get("password")
    if not (isinstance(password, dict) and password.get("value")):
        out.pop("password", None)
    return out


def assign_user(state: TenantState, app_id: str, body: dict[str, Any], *, actor_id: str | None) -> Row:
    """POST /apps/{a}/users: assign directly (scope USER); an existing assignment is updated."""
    app = get_app(state, app_id)
    user = _assignable_user(state, body.get("id"))
    key = f"{app_id}:{user['id']}"
    now = now_iso(state)
    existing = state["app_users"].get(key)
    before = app_ids_for_user(state, user["id"])
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise validation("profile", "profile: The field must be an object")
    fields = {
        "scope": "USER",
        "profile": {**(existing["profile"] if existing else {}), **(profile or {})},
        "credentials": _credentials(body.get("credentials"), existing["credentials"] if existing else {}),
        "last_updated": now,
    }
    if existing is not None:
        row = state["app_users"].update(key, **fields)
    else:
        row = state["app_users"].insert(
            {"id": key, "app_id": app_id, "user_id": user["id"], "status": "ACTIVE", "created": now, **fields}
        )
    if app_id not in before:
        membership_event(state, "add", user, app, actor_id=actor_id)
    return row


def update_app_user(
    state: TenantState, app_id: str, user_id: str, body: Mapping[str, Any], *, actor_id: str | None
) -> Row:
    """POST /apps/{a}/users/{u}: merge profile and credentials of an assigned user."""
    app = get_app(state, app_id)
    user = _assignable_user(state, user_id)
    current = app_user(state, app_id, user_id)
    if current is None:
        raise not_found(user_id, "AppUser")
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise validation("profile", "profile: The field must be an object")
    old_name = user_name(state, current)
    fields = {
        "profile": {**current["profile"], **(profile or {})},
        "credentials": _credentials(body.get("credentials"), current["credentials"]),
        "last_updated": now_iso(state),
    }
    key = current["id"]
    if state["app_users"].get(key) is not None:
        row = state["app_users"].update(key, **fields)
    else:
        row = state["app_users"].insert({**current, **fields})
    if user_name(state, row) != old_name:
        membership_event(state, "change_username", user, app, actor_id=actor_id)
    return row


def unassign_user(state: TenantState, app_id: str, user_id: str, *, actor_id: str | None) -> None:
    """DELETE /apps/{a}/users/{u}: a user assigned only through a group cannot be removed here."""
    app = get_app(state, app_id)
    user = _assignable_user(state, user_id)
    row = state["app_users"].get(f"{app_id}:{user_id}")
    if row is None or row["scope"] != "USER":
        if via_group(state, app_id, user_id) is not None:
            raise no_permission()
        raise not_found(user_id, "AppUser")
    state["app_users"].delete(row["id"])
    if via_group(state, app_id, user_id) is None:
        membership_event(state, "remove", user, app, actor_id=actor_id)


MEMBERSHIP_EVENTS = {
    "add": "Add user to application membership",
    "remove": "Remove user from application membership",
    "change_username": "Change users application username",
}


def membership_event(state: TenantState, kind: str, user: Row, app: Row, *, actor_id: str | None) -> None:
    """The System Log's `application.user_membership.<kind>` for `user` in `app`."""
    logs.emit(
        state,
        f"application.user_membership.{kind}",
        MEMBERSHIP_EVENTS[kind],
        actor_id=actor_id,
        targets=[logs.target(user, "User"), logs.target(app, "AppInstance")],
    )


def access_changed(state: TenantState, user: Row, before: set[str], *, actor_id: str | None) -> None:
    """Log application membership changes caused by a group membership change."""
    after = app_ids_for_user(state, user["id"])
    for app_id, kind in [
        *((a, "add") for a in sorted(after - before)),
        *((a, "remove") for a in sorted(before - after)),
    ]:
        app = state["apps"].get(app_id)
        if app is not None:
            membership_event(state, kind, user, app, actor_id=actor_id)


def _group_access(
    state: TenantState, app: Row, group_id: str, kind: str, change: Callable[[], T], *, actor_id: str | None
) -> T:
    """`change` (a group's assignment to `app` made or removed), logged as
    `group.application_assignment.<kind>`, with the application memberships of the group's
    members that it changed."""
    members = _group_members(state, group_id)
    before = {u["id"]: app_ids_for_user(state, u["id"]) for u in members}
    result = change()
    group = state["groups"].get(group_id) or {"id": group_id, "profile": {}}
    message = (
        "Add assigned application to group" if kind == "add" else "Remove assigned application from group"
    )
    logs.emit(
        state,
        f"group.application_assignment.{kind}",
        message,
        actor_id=actor_id,
        targets=[logs.target(group, "UserGroup"), logs.target(app, "AppInstance")],
    )
    for user in members:
        access_changed(state, user, before[user["id"]], actor_id=actor_id)
    return result


def _group_members(state: TenantState, group_id: str) -> list[Row]:
    found = (state["users"].get(m["user_id"]) for m in state["memberships"].where("group_id", group_id))
    return [u for u in found if u is not None]


MAX_PRIORITY = 2**31 - 1  # Okta's priority is a 32-bit int; larger would not fit the store


def valid_priority(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_PRIORITY


def assign_group(
    state: TenantState, app_id: str, group_id: str, body: dict[str, Any], *, actor_id: str | None
) -> Row:
    """PUT /apps/{a}/groups/{g}: create or update the assignment (priority, profile)."""
    app = get_app(state, app_id)
    group = state["groups"].get(group_id)
    if group is None:
        raise not_found(group_id, "UserGroup")
    key = f"{app_id}:{group_id}"
    now = now_iso(state)
    existing = state["app_groups"].get(key)
    raw_priority = body.get(
        "priority", existing["priority"] if existing else len(state["app_groups"].where("app_id", app_id))
    )
    if not valid_priority(raw_priority):
        raise validation("priority", "priority: The field must be a non-negative integer")
    profile = body.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise validation("profile", "profile: The field must be an object")
    if existing is not None:
        return state["app_groups"].update(
            key,
            priority=raw_priority,
            profile=dict(profile if profile is not None else existing["profile"]),
            last_updated=now,
        )
    fields = {
        "id": key,
        "app_id": app_id,
        "group_id": group_id,
        "priority": raw_priority,
        "profile": dict(profile or {}),
        "last_updated": now,
    }
    return _group_access(
        state, app, group_id, "add", lambda: state["app_groups"].insert(fields), actor_id=actor_id
    )


def get_group_assignment(state: TenantState, app_id: str, group_id: str) -> Row:
    get_app(state, app_id)
    row = state["app_groups"].get(f"{app_id}:{group_id}")
    if row is None:
        raise not_found(group_id, "ApplicationGroupAssignment")
    return row


def patch_group_assignment(
    state: TenantState, app_id: str, group_id: str, ops: Any, *, actor_id: str | None
) -> Row:
    """PATCH /apps/{a}/groups/{g}: JSON Patch on /priority, /profile and /profile/<key>."""
    row = get_group_assignment(state, app_id, group_id)
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise validation("body", "body: A JSON Patch array of operations is required")
    priority, profile = row["priority"], dict(row["profile"])
    for op in ops:
        kind, path, value = op.get("op"), op.get("path"), op.get("value")
        if kind not in ("add", "replace", "remove") or not isinstance(path, str):
            raise validation("op", f"op: Unsupported operation {kind!r} on {path!r}")
        if path == "/priority" and kind != "remove":
            if not valid_priority(value):
                raise validation("priority", "priority: The field must be a non-negative integer")
            priority = value
        elif path == "/profile" and kind != "remove":
            if not isinstance(value, dict):
                raise validation("profile", "profile: The field must be an object")
            profile = dict(value)
        elif path.startswith("/profile/") and len(path) > len("/profile/"):
            key = path[len("/profile/") :]
            if kind == "remove":
                profile.pop(key, None)
            else:
                profile[key] = value
        else:
            raise validation("path", f"path: Unsupported path {path}")
    updated = state["app_groups"].update(
        row["id"], priority=priority, profile=profile, last_updated=now_iso(state)
    )
    app, group = state["apps"].get(app_id), state["groups"].get(group_id)
    if app is not None and group is not None:
        logs.emit(
            state,
            "group.application_assignment.update",
            "Update assigned application in group",
            actor_id=actor_id,
            targets=[logs.target(group, "UserGroup"), logs.target(app, "AppInstance")],
        )
    return updated


def group_assignments(state: TenantState, app_id: str, q: str | None = None) -> list[Row]:
    get_app(state, app_id)
    rows = state["app_groups"].where("app_id", app_id)
    if q:
        names = {g["id"]: g["name"].lower() for g in state["groups"]}
        rows = [r for r in rows if names.get(r["group_id"], "").startswith(q.lower())]
    return rows


def unassign_group(state: TenantState, app_id: str, group_id: str, *, actor_id: str | None) -> None:
    app = get_app(state, app_id)
    row = get_group_assignment(state, app_id, group_id)
    _group_access(
        state, app, group_id, "remove", lambda: state["app_groups"].delete(row["id"]), actor_id=actor_id
    )


def apps_for_group(state: TenantState, group_id: str) -> list[Row]:
    """GET /groups/{g}/apps: the apps the group is assigned to."""
    found = (state["apps"].get(a["app_id"]) for a in state["app_groups"].where("group_id", group_id))
    return [a for a in found if a is not None]
