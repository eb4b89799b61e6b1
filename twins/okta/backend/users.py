"""Users: create with or without credentials, find, list/search/filter, update, replace, delete."""

from __future__ import annotations

import hashlib
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import filter as okta_filter
from twins.okta import logs
from twins.okta.backend import apps, group_rules, groups, lifecycle
from twins.okta.backend.credentials import HISTORY, REQUIREMENTS, meets_policy
from twins.okta.backend.schema import check_profile, custom_defaults, unique_attributes
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import OktaError, not_found, validation
from twins.okta.passwords import check_password, hash_password

ALWAYS_PRESENT = ("mobilePhone", "secondEmail")
LEADING = ("firstName", "lastName", "mobilePhone", "secondEmail", "login", "email")
PROVIDERS = ("OKTA", "ACTIVE_DIRECTORY", "LDAP", "FEDERATION", "SOCIAL", "IMPORT")
HASH_ALGORITHMS = ("BCRYPT", "SHA-512", "SHA-256", "SHA-1", "MD5", "PBKDF2")
FILTER_ATTRIBUTES = frozenset(
    {
        "status",
        "lastUpdated",
        "id",
        "profile.login",
        "profile.email",
        "profile.firstName",
        "profile.lastName",
        "type.id",
    }
)
FILTER_OPERATORS: dict[str, set[str]] = {"*": {"eq"}, "lastUpdated": {"eq", "gt", "ge", "lt", "le"}}
_SEARCH_OPS = {"eq", "sw", "ew", "gt", "ge", "lt", "le", "pr"}
SEARCH_OPERATORS: dict[str, set[str]] = {
    "*": _SEARCH_OPS,
    **{f"profile.{name}": _SEARCH_OPS | {"co"} for name in ("firstName", "lastName", "email", "login")},
}
OKTA_PROVIDER = {"type": "OKTA", "name": "OKTA"}


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


def searchable(row: Row) -> dict[str, Any]:
    """The wire-shaped fields of a user that filter and search expressions see."""
    return {
        "id": row["id"],
        "status": row["status"],
        "created": row["created"],
        "activated": row["activated"],
        "statusChanged": row["status_changed"],
        "lastLogin": row["last_login"],
        "lastUpdated": row["last_updated"],
        "passwordChanged": row["password_changed"],
        "transitioningToStatus": row["transitioning_to"],
        "type": {"id": row["type_id"]},
        "profile": row["profile"],
        "credentials": {"provider": row["credentials"].get("provider", OKTA_PROVIDER)},
    }


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, list):
        return _sort_key(value[0] if value else None)
    return (1, str(value).casefold())


def list_users(
    state: TenantState,
    *,
    q: str | None = None,
    filter_expr: str | None = None,
    search: str | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
) -> list[Row]:
    """Users matching q / filter / search; without filter or search, DEPROVISIONED ones are left out."""
    checks = []
    if search is not None:
        checks.append(okta_filter.compile_expression(search, mode="search", operators=SEARCH_OPERATORS))
    if filter_expr is not None:
        checks.append(
            okta_filter.compile_expression(
                filter_expr,
                allowed=FILTER_ATTRIBUTES,
                mode="filter",
                operators=FILTER_OPERATORS,
                case_insensitive={"profile.login"},
            )
        )
    rows: list[Row] = []
    for row in state["users"]:
        if not checks and row["status"] == "DEPROVISIONED":
            continue
        if q is not None and (row["status"] == "DEPROVISIONED" or not _starts(row, q)):
            continue
        if checks:
            wire = searchable(row)
            if not all(check(wire) for check in checks):
                continue
        rows.append(row)
    if search is not None and sort_by:
        rows.sort(key=lambda r: r["id"])
        rows.sort(key=lambda r: _sort_key(okta_filter.resolve(searchable(r), sort_by)))
        if (sort_order or "").lower() == "desc":
            rows.reverse()
    return rows


def _starts(row: Row, q: str) -> bool:
    needle = q.casefold()
    profile = row["profile"]
    return any(
        isinstance(profile.get(f), str) and profile[f].casefold().startswith(needle)
        for f in ("firstName", "lastName", "email")
    )


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


# --- profiles and credentials ---------------------------------------------------------------
def normalize_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """Null values dropped (mobilePhone and secondEmail stay, as null), Okta's leading order."""
    kept = {k: v for k, v in profile.items() if v is not None}
    out: dict[str, Any] = {}
    for name in LEADING:
        if name in kept:
            out[name] = kept[name]
        elif name in ALWAYS_PRESENT:
            out[name] = None
    out.update({k: v for k, v in kept.items() if k not in out})
    return out


def _parse_password(state: TenantState, value: Any, login: str) -> tuple[dict[str, Any] | None, bool]:
    """(stored password, imported?) from a credentials.password object; None when it sets nothing."""
    if value is None or value == {}:
        return None, False
    if not isinstance(value, dict):
        raise validation("password", "password: The password must be an object")
    if "hash" in value:
        digest = value["hash"]
        if not isinstance(digest, dict) or digest.get("algorithm") not in HASH_ALGORITHMS:
            raise validation("password", "password.hash.algorithm: Unsupported hash algorithm")
        if not isinstance(digest.get("value"), str) or not digest["value"]:
            raise validation("password", "password.hash.value: The field cannot be left blank")
        return {"imported": {k: v for k, v in digest.items() if v is not None}}, True
    if "hook" in value:
        return {"hook": dict(value["hook"]) if isinstance(value["hook"], dict) else {}}, True
    secret = value.get("value")
    if secret is None:
        return None, False
    if not isinstance(secret, str):
        raise validation("password", "password: The password must be a string")
    if not meets_policy(secret, login):
        raise validation("password", f"password: {REQUIREMENTS}")
    return hash_password(state, secret), False


def _parse_question(value: Any) -> dict[str, str] | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise validation("recovery_question", "recovery_question: must be an object")
    question, answer = value.get("question"), value.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise validation(
            "credentials.recovery_question.question",
            "credentials.recovery_question.question: The field cannot be left blank",
        )
    if not isinstance(answer, str) or len(answer.strip()) < 4:
        raise validation(
            "credentials.recovery_question.answer",
            "credentials.recovery_question.answer: The security question answer must be at least 4 "
            "characters in length",
        )
    return {"question": question, "answer": answer.strip().lower()}


def _parse_provider(value: Any) -> dict[str, str] | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, dict) or value.get("type") not in PROVIDERS:
        raise validation("provider", f"provider.type: must be one of {', '.join(PROVIDERS)}")
    return {"type": str(value["type"]), "name": str(value.get("name") or value["type"])}


def _credentials_body(body: dict[str, Any]) -> dict[str, Any]:
    creds = body.get("credentials") or {}
    if not isinstance(creds, dict):
        raise validation("credentials", "credentials: must be an object")
    return creds


def _check_unique(state: TenantState, profile: dict[str, Any], own_id: str | None) -> None:
    login = str(profile.get("login", "")).lower()
    other = state["users"].by("login", login)
    if other is not None and other["id"] != own_id:
        raise validation(
            "login", "login: An object with this field already exists in the current organization"
        )
    for name in unique_attributes(state):
        value = profile.get(name)
        if value is None:
            continue
        for user in state["users"]:
            if user["id"] != own_id and user["profile"].get(name) == value:
                raise validation(
                    name, f"{name}: An object with this field already exists in the current organization"
                )


def _check_type(state: TenantState, body: dict[str, Any]) -> None:
    kind = body.get("type")
    if kind is None:
        return
    type_id = kind.get("id") if isinstance(kind, dict) else None
    if type_id not in (None, state.meta.get("user_type_id")):
        raise validation("type", f"type.id: The user type {type_id} does not exist")


# --- writing --------------------------------------------------------------------------------
def _groups_for(state: TenantState, group_ids: Any) -> list[Row]:
    if group_ids is None:
        return []
    if not isinstance(group_ids, list) or not all(isinstance(g, str) for g in group_ids):
        raise validation("groupIds", "groupIds: must be an array of group ids")
    found = []
    for gid in dict.fromkeys(group_ids):
        group = state["groups"].get(gid)
        if group is None:
            raise not_found(gid, "UserGroup")
        if group["type"] != "OKTA_GROUP":
            raise validation("groupIds", f"groupIds: Group {gid} cannot be assigned users directly")
        found.append(group)
    return found


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
    _check_unique(state, profile, None)
    _check_type(state, body)
    login = str(profile["login"])
    creds_in = _credentials_body(body)
    password, imported = _parse_password(state, creds_in.get("password"), login)
    question = _parse_question(creds_in.get("recovery_question"))
    chosen = _parse_provider(creds_in.get("provider"))
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
    chosen_groups = _groups_for(state, body.get("groupIds"))

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
        _check_unique(state, profile, user["id"])
        changes.update(profile=profile, login=str(profile["login"]).lower())
    _check_type(state, body)
    creds_in = _credentials_body(body)
    login = str(changes["login"] if "login" in changes else user["profile"].get("login", ""))
    password, imported = _parse_password(state, creds_in.get("password"), login)
    question = _parse_question(creds_in.get("recovery_question"))
    chosen = _parse_provider(creds_in.get("provider"))
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
