"""Applications: create with sign-on-mode defaults, assignments of users and groups."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import not_found, validation

SIGN_ON_MODES = ("OPENID_CONNECT", "SAML_2_0", "BOOKMARK", "BASIC_AUTH", "AUTO_LOGIN")


def _defaults(body: dict[str, Any], mode: str) -> dict[str, Any]:
    data = {k: v for k, v in body.items() if k not in ("id", "name", "label", "status", "signOnMode")}
    data.setdefault(
        "accessibility", {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None}
    )
    data.setdefault(
        "visibility",
        {
            "autoLaunch": False,
            "autoSubmitToolbar": False,
            "hide": {"iOS": False, "web": False},
            "appLinks": {},
        },
    )
    data.setdefault("features", [])
    data.setdefault("settings", {"app": {}})
    data["settings"].setdefault("app", {})
    data["settings"].setdefault(
        "notifications", {"vpn": {"network": {"connection": "DISABLED"}, "message": None, "helpUrl": None}}
    )
    creds = data.setdefault("credentials", {})
    creds.setdefault("userNameTemplate", {"template": "${source.login}", "type": "BUILT_IN"})
    if mode == "OPENID_CONNECT":
        creds.setdefault("oauthClient", {})
        data["settings"].setdefault("oauthClient", {})
    return data


def create_app(
    state: TenantState, body: dict[str, Any], *, actor_id: str | None, activate: bool = True
) -> Row:
    mode = body.get("signOnMode")
    if mode not in SIGN_ON_MODES:
        raise validation("signOnMode", f"signOnMode: must be one of {', '.join(SIGN_ON_MODES)}")
    label = body.get("label")
    if not label:
        raise validation("label", "label: The field cannot be left blank")
    name = str(
        body.get("name")
        or {
            "OPENID_CONNECT": "oidc_client",
            "BOOKMARK": "bookmark",
            "SAML_2_0": label.lower().replace(" ", ""),
        }.get(mode, "app")
    )
    data = _defaults(body, mode)
    app_id = okta_id(state, "app")
    client_id = None
    if mode == "OPENID_CONNECT":
        oauth = data["credentials"]["oauthClient"]
        client_id = oauth.get("client_id") or app_id
        oauth["client_id"] = client_id
        oauth.setdefault("autoKeyRotation", True)
        oauth.setdefault("token_endpoint_auth_method", "client_secret_basic")
        if oauth["token_endpoint_auth_method"] in (
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
        ):
            oauth.setdefault("client_secret", state.ids.chars("client-secret", 64))
    now = now_iso(state)
    row = state["apps"].insert(
        {
            "id": app_id,
            "name": name,
            "label": label,
            "status": "ACTIVE" if activate else "INACTIVE",
            "sign_on_mode": mode,
            "client_id": client_id,
            "data": data,
            "created": now,
            "last_updated": now,
        }
    )
    logs.emit(
        state,
        "application.lifecycle.create",
        "Create application",
        actor_id=actor_id,
        targets=[logs.target(row, "AppInstance")],
    )
    if activate:
        logs.emit(
            state,
            "application.lifecycle.activate",
            "Activate application",
            actor_id=actor_id,
            targets=[logs.target(row, "AppInstance")],
        )
    return row


def get_app(state: TenantState, app_id: str) -> Row:
    row = state["apps"].get(app_id)
    if row is None or row["status"] == "DELETED":
        raise not_found(app_id, "AppInstance")
    return row


def assign_user(state: TenantState, app_id: str, body: dict[str, Any], *, actor_id: str | None) -> Row:
    app = get_app(state, app_id)
    user_id = str(body.get("id") or "")
    user = state["users"].get(user_id)
    if user is None:
        raise not_found(user_id, "User")
    key = f"{app_id}:{user_id}"
    now = now_iso(state)
    existing = state["app_users"].get(key)
    fields = {
        "scope": body.get("scope", "USER"),
        "profile": dict(body.get("profile") or {}),
        "credentials": dict(body.get("credentials") or {}),
        "last_updated": now,
    }
    if existing is not None:
        return state["app_users"].update(key, **fields)
    row = state["app_users"].insert(
        {"id": key, "app_id": app_id, "user_id": user_id, "status": "ACTIVE", "created": now, **fields}
    )
    logs.emit(
        state,
        "application.user_membership.add",
        "Add user to application membership",
        actor_id=actor_id,
        targets=[logs.target(user, "User"), logs.target(app, "AppInstance")],
    )
    return row


def assign_group(
    state: TenantState, app_id: str, group_id: str, body: dict[str, Any], *, actor_id: str | None
) -> Row:
    app = get_app(state, app_id)
    group = state["groups"].get(group_id)
    if group is None:
        raise not_found(group_id, "UserGroup")
    key = f"{app_id}:{group_id}"
    now = now_iso(state)
    existing = state["app_groups"].get(key)
    priority = int(body.get("priority", len(state["app_groups"].where("app_id", app_id))))
    if existing is not None:
        return state["app_groups"].update(
            key, priority=priority, profile=dict(body.get("profile") or {}), last_updated=now
        )
    row = state["app_groups"].insert(
        {
            "id": key,
            "app_id": app_id,
            "group_id": group_id,
            "priority": priority,
            "profile": dict(body.get("profile") or {}),
            "last_updated": now,
        }
    )
    logs.emit(
        state,
        "application.user_membership.add",
        "Add group to application",
        actor_id=actor_id,
        targets=[logs.target(group, "UserGroup"), logs.target(app, "AppInstance")],
    )
    return row
