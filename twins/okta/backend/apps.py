"""Applications: sign-on modes with their settings, lifecycle, listing and filters.

Assignments live in app_assignments.py and OIDC client credentials in app_credentials.py; the
names other modules use (assign_user, assign_group, app_ids_for_user, find_client,
client_secret, client_jwks, ...) are re-exported here.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.backend.app_assignments import (
    access_changed,
    app_ids_for_user,
    app_user,
    app_users,
    apps_for_group,
    assign_group,
    assign_user,
    get_group_assignment,
    group_assignments,
    is_assigned,
    patch_group_assignment,
    unassign_group,
    unassign_user,
    update_app_user,
    user_name,
    via_group,
)
from twins.okta.backend.app_credentials import (
    check_oidc,
    client_jwks,
    client_secret,
    client_secrets,
    find_client,
    setup_oauth,
)
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import OktaError, not_found, validation

__all__ = [
    "access_changed",
    "app_ids_for_user",
    "app_user",
    "app_users",
    "apps_for_group",
    "assign_group",
    "assign_user",
    "client_jwks",
    "client_secret",
    "client_secrets",
    "create_app",
    "delete_app",
    "find_client",
    "get_app",
    "get_group_assignment",
    "group_assignments",
    "is_assigned",
    "list_apps",
    "patch_group_assignment",
    "replace_app",
    "set_status",
    "unassign_group",
    "unassign_user",
    "update_app_user",
    "user_name",
    "via_group",
]

SIGN_ON_MODES = ("OPENID_CONNECT", "SAML_2_0", "BOOKMARK", "BASIC_AUTH", "AUTO_LOGIN")
# Apps created without a catalog name get these names; others are "<org>_<label>_<n>".
DEFAULT_NAMES = {"OPENID_CONNECT": "oidc_client", "BOOKMARK": "bookmark", "BASIC_AUTH": "template_basic_auth"}
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
READ_ONLY = (
    "id",
    "name",
    "label",
    "status",
    "signOnMode",
    "_links",
    "_embedded",
    "created",
    "lastUpdated",
    "orn",
)
SAML_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("defaultRelayState", None),
    ("idpIssuer", "http://www.okta.com/${org.externalKey}"),
    ("subjectNameIdTemplate", "${user.userName}"),
    ("subjectNameIdFormat", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"),
    ("responseSigned", True),
    ("assertionSigned", True),
    ("signatureAlgorithm", "RSA_SHA256"),
    ("digestAlgorithm", "SHA256"),
    ("honorForceAuthn", True),
    ("authnContextClassRef", "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"),
    ("spIssuer", None),
    ("requestCompressed", False),
    ("allowMultipleAcsEndpoints", False),
    ("acsEndpoints", []),
    ("samlSignedRequestEnabled", False),
    ("attributeStatements", []),
    ("inlineHooks", []),
    ("slo", {"enabled": False}),
    ("assertionEncryption", {"enabled": False}),
)
# What Okta answers in an OIDC app's `settings.oauthClient` for the options a request leaves out.
OIDC_DEFAULTS: dict[str, Any] = {
    "client_uri": None,
    "logo_uri": None,
    "wildcard_redirect": "DISABLED",
    "dpop_bound_access_tokens": False,
    "participate_slo": False,
}


# ---------------------------------------------------------------------------------------------
# Settings by sign-on mode


def _blank(field: str) -> OktaError:
    return validation(field, f"{field}: The field cannot be left blank")


def _obj(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _url(settings: Mapping[str, Any], field: str, *, required: bool = True) -> None:
    value: Any = settings
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value in (None, ""):
        if required:
            raise _blank(field)
        return
    if not isinstance(value, str) or not URL_RE.match(value):
        raise validation(field, f"{field}: Invalid URL: {value}")


def _check_settings(mode: str, custom: bool, data: dict[str, Any]) -> None:
    """What each sign-on mode requires (catalog apps, created by name, bring their own)."""
    settings = data["settings"]
    if mode == "BOOKMARK":
        _url(settings, "app.url")
    elif mode == "BASIC_AUTH":
        _url(settings, "app.url")
        _url(settings, "app.authURL")
    elif mode == "AUTO_LOGIN" and custom:
        _url(settings, "signOn.loginUrl")
        _url(settings, "signOn.redirectUrl", required=False)
    elif mode == "SAML_2_0" and custom:
        sign_on = settings.setdefault("signOn", {})
        _url(settings, "signOn.ssoAcsUrl")
        if not sign_on.get("audience"):
            raise _blank("signOn.audience")
        sign_on.setdefault("recipient", sign_on["ssoAcsUrl"])
        sign_on.setdefault("destination", sign_on["ssoAcsUrl"])
        for key, value in SAML_DEFAULTS:
            sign_on.setdefault(key, copy.deepcopy(value))
        if sign_on["defaultRelayState"] == "":
            sign_on["defaultRelayState"] = None  # Okta keeps an empty relay state as none
    elif mode == "OPENID_CONNECT":
        check_oidc(data)


def _signing_kid(state: TenantState) -> str:
    digest = hashlib.sha256(f"{state.id}:{state.seed}:app-signing".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _data(state: TenantState, body: Mapping[str, Any], mode: str, name: str) -> dict[str, Any]:
    """The stored app document: the body's settings, credentials etc. with Okta's defaults."""
    data: dict[str, Any] = copy.deepcopy({k: v for k, v in body.items() if k not in READ_ONLY})
    data["accessibility"] = {
        "selfService": False,
        "errorRedirectUrl": None,
        "loginRedirectUrl": None,
        **_obj(data.get("accessibility")),
    }
    visibility = _obj(data.get("visibility"))
    link = "login" if mode in ("BOOKMARK", "BASIC_AUTH") else f"{name}_link"
    data["visibility"] = {
        "autoLaunch": False,
        "autoSubmitToolbar": False,
        "hide": {"iOS": False, "web": False},
        **visibility,
        "appLinks": visibility.get("appLinks") or {link: True},
    }
    data.setdefault("features", [])
    settings = _obj(data.get("settings"))
    settings.setdefault("app", {})
    settings.setdefault(
        "notifications", {"vpn": {"network": {"connection": "DISABLED"}, "message": None, "helpUrl": None}}
    )
    settings.setdefault("manualProvisioning", False)
    settings.setdefault("implicitAssignment", False)
    settings["notes"] = {"admin": None, "enduser": None, **_obj(settings.get("notes"))}
    data["settings"] = settings
    creds = _obj(data.get("credentials"))
    template = {"template": "${source.login}", "type": "BUILT_IN", **_obj(creds.get("userNameTemplate"))}
    if mode in ("BASIC_AUTH", "AUTO_LOGIN"):
        template.setdefault("pushStatus", "DONT_PUSH")
    creds["userNameTemplate"] = template
    signs = mode in ("OPENID_CONNECT", "SAML_2_0")
    creds["signing"] = _obj(creds.get("signing")) or ({"kid": _signing_kid(state)} if signs else {})
    for key in ("userName", "scheme"):
        if creds.get(key) in ("", None):
            creds.pop(key, None)
    data["credentials"] = creds
    if mode in ("OPENID_CONNECT", "SAML_2_0"):
        settings.setdefault("emOptInStatus", "NONE")
    if mode == "OPENID_CONNECT":
        creds["oauthClient"] = _obj(creds.get("oauthClient"))
        settings["oauthClient"] = {**OIDC_DEFAULTS, **_obj(settings.get("oauthClient"))}
        data.setdefault(
            "universalLogout",
            {
                "status": "DISABLED",
                "supportType": "FULL",
                "identityStack": "NOT_SHARED",
                "protocol": "GLOBAL_TOKEN_REVOCATION",
            },
        )
    return data


def _custom_name(state: TenantState, label: str) -> str:
    subdomain = str((state.meta.get("org") or {}).get("subdomain") or "twin")
    slug = re.sub(r"[^a-z0-9]", "", label.lower()) or "app"
    return f"{subdomain}_{slug}_{state.ids.sequence('custom-app-name')}"


# ---------------------------------------------------------------------------------------------
# Applications


def _common(body: Mapping[str, Any]) -> tuple[str, str]:
    mode = body.get("signOnMode")
    if mode not in SIGN_ON_MODES:
        raise validation("signOnMode", f"signOnMode: Must be one of {', '.join(SIGN_ON_MODES)}")
    label = body.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _blank("label")
    for key in ("settings", "credentials", "visibility", "accessibility"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise validation(key, f"{key}: The field must be an object")
    return str(mode), label


def _event(state: TenantState, kind: str, message: str, app: Row, actor_id: str | None) -> None:
    logs.emit(
        state,
        f"application.lifecycle.{kind}",
        message,
        actor_id=actor_id,
        targets=[logs.target(app, "AppInstance")],
    )


def create_app(
    state: TenantState, body: Mapping[str, Any], *, actor_id: str | None, activate: bool = True
) -> Row:
    """POST /apps: validate the sign-on mode's settings and fill in Okta's defaults."""
    mode, label = _common(body)
    given = body.get("name")
    if given is not None and (not isinstance(given, str) or not given.strip()):
        raise _blank("name")
    custom = not given or given == DEFAULT_NAMES.get(mode)
    name = str(given or DEFAULT_NAMES.get(mode) or _custom_name(state, label))
    data = _data(state, body, mode, name)
    _check_settings(mode, custom, data)
    app_id = okta_id(state, "app")
    client_id = setup_oauth(state, app_id, data, None) if mode == "OPENID_CONNECT" else None
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
    _event(state, "create", "Add application", row, actor_id)
    if activate:
        _event(state, "activate", "Activate application", row, actor_id)
    return row


def get_app(state: TenantState, app_id: str) -> Row:
    row = state["apps"].get(app_id)
    if row is None or row["status"] == "DELETED":
        raise not_found(app_id, "AppInstance")
    return row


def replace_app(state: TenantState, app_id: str, body: Mapping[str, Any], *, actor_id: str | None) -> Row:
    """PUT /apps/{id}: a full replacement; name, client_id and secrets are kept."""
    app = get_app(state, app_id)
    mode, label = _common(body)
    if mode != app["sign_on_mode"]:
        raise validation("signOnMode", "signOnMode: The sign-on mode of an application cannot be changed")
    custom = app["name"] == DEFAULT_NAMES.get(mode) or bool(re.fullmatch(r".+_.+_\d+", app["name"]))
    data = _data(state, body, mode, app["name"])
    if mode == "OPENID_CONNECT":
        method = app["data"]["credentials"]["oauthClient"].get("token_endpoint_auth_method")
        data["credentials"]["oauthClient"].setdefault("token_endpoint_auth_method", method)
    _check_settings(mode, custom, data)
    if mode == "OPENID_CONNECT":
        setup_oauth(state, app_id, data, app)
    row = state["apps"].update(app_id, label=label, data=data, last_updated=now_iso(state))
    _event(state, "update", "Update application", row, actor_id)
    return row


def set_status(state: TenantState, app_id: str, status: str, *, actor_id: str | None) -> Row:
    """Activate or deactivate (idempotent; the event only when the status changes)."""
    app = get_app(state, app_id)
    if app["status"] == status:
        return app
    row = state["apps"].update(app_id, status=status, last_updated=now_iso(state))
    kind = "activate" if status == "ACTIVE" else "deactivate"
    _event(state, kind, f"{kind.capitalize()} application", row, actor_id)
    return row


def delete_app(state: TenantState, app_id: str, *, actor_id: str | None) -> None:
    """Only an INACTIVE app can be deleted (E0000056 otherwise); assignments go with it."""
    app = get_app(state, app_id)
    if app["status"] == "ACTIVE":
        raise OktaError(
            "Delete application forbidden.",
            code="E0000056",
            status=403,
            causes=["The application must be deactivated before deletion."],
        )
    for row in state["app_users"].where("app_id", app_id):
        state["app_users"].delete(row["id"])
    for row in state["app_groups"].where("app_id", app_id):
        state["app_groups"].delete(row["id"])
    state["apps"].delete(app_id)
    _event(state, "delete", "Delete application", app, actor_id)


FILTER_RE = re.compile(r'^\s*(user|group)\.id\s+eq\s+"([^"]+)"\s*(?:and\s+(.+))?$', re.IGNORECASE | re.DOTALL)
FILTER_FIELDS = ("id", "status", "name", "credentials.signing.kid", "settings.slo.enabled")


def app_fields(row: Row) -> dict[str, Any]:
    """The attributes an app filter sees (the wire names)."""
    data = row["data"]
    return {
        "id": row["id"],
        "name": row["name"],
        "label": row["label"],
        "status": row["status"],
        "signOnMode": row["sign_on_mode"],
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "credentials": {"signing": _obj(data.get("credentials", {}).get("signing"))},
        "settings": {"slo": _obj(data.get("settings", {}).get("signOn", {}).get("slo"))},
    }


def list_apps(state: TenantState, params: Mapping[str, str]) -> list[Row]:
    """Apps matching q (name or label starts with) and filter (also `user.id`/`group.id eq`)."""
    from twins.okta.backend.groups import query_predicate

    rows = list(state["apps"])
    q = (params.get("q") or "").lower()
    if q:
        rows = [a for a in rows if a["name"].lower().startswith(q) or a["label"].lower().startswith(q)]
    expr = params.get("filter")
    if expr:
        match = FILTER_RE.match(expr)
        if match:
            kind, target, expr = match.group(1).lower(), match.group(2), match.group(3)
            if kind == "user":
                ids = app_ids_for_user(state, target)
            else:
                ids = {a["app_id"] for a in state["app_groups"].where("group_id", target)}
            rows = [a for a in rows if a["id"] in ids]
        if expr:
            keep = query_predicate(expr, FILTER_FIELDS, "filter")
            rows = [a for a in rows if keep(app_fields(a))]
    return rows
