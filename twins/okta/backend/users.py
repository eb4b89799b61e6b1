"""Users: create with or without credentials, find, update, replace, delete; groups and app links.

Listing and searching live in user_search.py, parsing of profiles and credentials in user_input.py.
"""

from __future__ import annotations

import hashlib
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.backend import apps, group_rules, groups, lifecycle
from twins.okta.backend.credentials import HISTORY, REQUIREMENTS
from twins.okta.backend.schema import check_profile, custom_defaults
from twins.okta.backend.user_input import (
    OKTA_PROVIDER,
    check_type,
    check_unique,
    credentials_body,
    groups_for,
    normalize_profile,
    parse_password,
    parse_provider,
    parse_question,
)
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import OktaError, not_found, validation
from twins.okta.passwords import check_password


# --- reading --------------------------------------------------------------------------------
def get_user(state: TenantState, id_or_login: str, *, caller_id: str | None = None) -> Row:
    """A user by id, `me` (the caller), login (case-insensitive) or unique login short name."""
    key = caller_id if id_or_login == "me" and caller_id else id_or_login
    users = state["users"]
    row = users.get(key) or users.by("login", key.lower())
    if row is None and "@" not in key:
        short = [u for u in users if u["login"].split("@", 1)[0] == key.lower()]
        row = short[0] if len(short) == 1 else None
    if row is None:
        raise not_found(id_or_login, "User")
    return row


def user_groups(state: TenantState, user: Row) -> list[Row]:
    groups = [state["groups"].get(m["group_id"]) for m in state["memberships"].where("user_id", user["id"])]
    return sorted((g for g in groups if g is not None), key=lambda g: int(g["twin_seq"]))


def app_links(state: TenantState, user: Row, base: str) -> list[dict[str, Any]]:
    """Links of the apps assigned to the user directly or through a group."""
    assigned = [state["apps"].get(a) for a in apps.app_ids_for_user(state, user["id"])]
    active = sorted(
        (a for a in assigned if a is not None and a["status"] == "ACTIVE"), key=lambda a: a["twin_seq"]
    )
    links: list[dict[str, Any]] = []
    for app in active:
        hide = (app["data"].get("visibility") or {}).get("hide") or {}
        digest = hashlib.sha256(f"{app['id']}:{user['id']}".encode()).hexdigest()
        links.append(
            {
                "id": user["id"],
                "label": app["label"],
                "linkUrl": f"{base}/home/{app['name']}/{app['id']}/alnk{digest[:6]}",
                "logoUrl": f"{base}/assets/img/logos/default.6770228fb0dab49a1695ef440a5279bb.png",
                "appName": app["name"],
                "appInstanceId": app["id"],
                "appAssignmentId": "0ua" + digest[:17],
                "credentialsSetup": False,
                "hidden": bool(hide.get("web", False)),
                "sortOrder": len(links),
            }
        )
    return links


# --- writing --------------------------------------------------------------------------------
def create_user(
    state: TenantState,
    body: dict[str, Any],
    *,
    activate: bool = True,
    provider: bool = False,
    next_login: str | None = None,
    actor_id: str | None = None,
) -> Row:
    """POST /api/v1/users: STAGED, PROVISIONED (no password), ACTIVE or PASSWORD_EXPIRED."""
    given = body.get("profile") or {}
    if not isinstance(given, dict):
        raise validation("profile", "profile: must be an object")
    profile = normalize_profile({**custom_defaults(state), **given})
    check_profile(state, profile, operation="newUser")
    check_unique(state, profile, None)
    check_type(state, body)
    login = str(profile["login"])
    creds_in = credentials_body(body)
    password, imported = parse_password(state, creds_in.get("password"), login)
    question = parse_question(creds_in.get("recovery_question"))
    chosen = parse_provider(creds_in.get("provider"))
    if provider and chosen is None:
        chosen = {"type": "FEDERATION", "name": "FEDERATION"}
    if imported:
        chosen = {"type": "IMPORT", "name": "IMPORT"}
    expire = next_login == "changePassword"
    if expire and not activate:
        message = (
            "Could not create user. To create a user and expire their password immediately, "
            "`activate` must be true."
        )
        raise OktaError(message, code="E0000125", causes=[message])
    if expire and password is None:
        message = (
            "Could not create user. To create a user and expire their password immediately, "
            "a password must be specified."
        )
        raise OktaError(message, code="E0000124", causes=[message])
    chosen_groups = groups_for(state, body.get("groupIds"))

    now = now_iso(state)
    credentials: dict[str, Any] = {"provider": chosen or dict(OKTA_PROVIDER)}
    if password is not None:
        credentials["password"] = password
    if question is not None:
        credentials["recovery_question"] = question
    federated = chosen is not None and chosen["type"] not in ("OKTA", "IMPORT")
    if not activate:
        status = "STAGED"
    elif expire:
        status = "PASSWORD_EXPIRED"
    elif password is not None or federated:
        status = "ACTIVE"
    else:
        status = "PROVISIONED"
    row = state["users"].insert(
        {
            "id": okta_id(state, "user"),
            "login": login.lower(),
            "status": status,
            "created": now,
            "activated": now if activate else None,
            "status_changed": now if activate else None,
            "last_updated": now,
            "password_changed": now if password is not None else None,
            "profile": profile,
            "credentials": credentials,
            "type_id": state.meta.get("user_type_id", ""),
        }
    )
    target = [logs.target(row, "User")]
    logs.emit(state, "user.lifecycle.create", "Create Okta user", actor_id=actor_id, targets=target)
    if activate:
        logs.emit(state, "user.lifecycle.activate", "Activate Okta user", actor_id=actor_id, targets=target)
    groups.add_to_everyone(state, row, actor_id=actor_id)
    for group in chosen_groups:
        groups.add_member(state, group, row, actor_id=actor_id)
    group_rules.reevaluate_user(state, row, actor_id=actor_id)
    return state["users"].get(row["id"]) or row


def _recently_used(credentials: dict[str, Any], secret: Any) -> bool:
    if not isinstance(secret, str):
        return False
    previous = [credentials.get("password"), *list(credentials.get("password_history") or [])]
    return any(isinstance(h, dict) and check_password(h, secret) for h in previous[:HISTORY])


def update_user(
    state: TenantState,
    id_or_login: str,
    body: dict[str, Any],
    *,
    replace: bool,
    strict: bool = False,
    actor_id: str | None = None,
) -> Row:
    """POST (merge the profile) or PUT (replace it) /api/v1/users/{id}; credentials may change too.

    `strict` also applies the password history rule to a new password.
    """
    user = get_user(state, id_or_login)
    changes: dict[str, Any] = {}
    given = body.get("profile")
    if given is not None:
        if not isinstance(given, dict):
            raise validation("profile", "profile: must be an object")
        merged = dict(given) if replace else {**user["profile"], **given}
        profile = normalize_profile(merged)
        check_profile(state, profile, operation="user")
        check_unique(state, profile, user["id"])
        changes.update(profile=profile, login=str(profile["login"]).lower())
    check_type(state, body)
    creds_in = credentials_body(body)
    login = str(changes["login"] if "login" in changes else user["profile"].get("login", ""))
    password, imported = parse_password(state, creds_in.get("password"), login)
    question = parse_question(creds_in.get("recovery_question"))
    chosen = parse_provider(creds_in.get("provider"))
    credentials = dict(user["credentials"])
    raw = creds_in.get("password")
    secret = raw.get("value") if isinstance(raw, dict) else None
    if strict and password is not None and _recently_used(credentials, secret):
        raise validation("password", f"password: {REQUIREMENTS}")
    now = now_iso(state)
    if password is not None:
        old = credentials.get("password")
        if isinstance(old, dict) and old:
            history = [old, *list(credentials.get("password_history") or [])]
            credentials["password_history"] = history[:HISTORY]
        credentials["password"] = password
        changes["password_changed"] = now
        if imported:
            credentials["provider"] = {"type": "IMPORT", "name": "IMPORT"}
    if question is not None:
        credentials["recovery_question"] = question
    if chosen is not None:
        credentials["provider"] = chosen
    if credentials != user["credentials"]:
        changes["credentials"] = credentials
    if given is not None or question is not None:
        changes["last_updated"] = now
    if not changes:
        return user
    row = state["users"].update(user["id"], **changes)
    target = [logs.target(row, "User")]
    if given is not None:
        logs.emit(
            state,
            "user.account.update_profile",
            "Update user profile for Okta",
            actor_id=actor_id,
            targets=target,
        )
    if password is not None:
        logs.emit(
            state,
            "user.account.update_password",
            "Update password for Okta user",
            actor_id=actor_id,
            targets=target,
        )
    group_rules.reevaluate_user(state, row, actor_id=actor_id)
    return state["users"].get(row["id"]) or row


def delete_user(state: TenantState, id_or_login: str, *, actor_id: str | None = None) -> None:
    """DELETE /api/v1/users/{id}: the first call deactivates, a call on a DEPROVISIONED user deletes."""
    user = get_user(state, id_or_login)
    if user["status"] != "DEPROVISIONED":
        lifecycle.deactivate(state, user["id"], actor_id=actor_id)
        return
    target = [logs.target(user, "User")]
    logs.emit(state, "user.lifecycle.delete.initiated", "Delete Okta user", actor_id=actor_id, targets=target)
    groups.forget_user(state, user["id"])
    for collection in ("sessions", "api_tokens"):
        for row in state[collection].filter(lambda r: r["user_id"] == user["id"]):
            state[collection].delete(row["id"])
    logs.emit(
        state,
        "user.lifecycle.delete.completed",
        "Delete Okta user completed",
        actor_id=actor_id,
        targets=target,
    )
    state["users"].delete(user["id"])
