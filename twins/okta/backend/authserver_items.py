"""Scopes and claims of a custom authorization server: the system ones every server starts
with, and create/replace/delete of the server's own."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.backend.authservers import get_server
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import OktaError, not_found, validation

SYSTEM_SCOPES = [
    ("openid", "openid", "Signals that a request is an OpenID request."),
    (
        "profile",
        "View your profile information.",
        "The exact data varies based on what profile "
        "information you have provided, such as: name, time zone, picture, or birthday.",
    ),
    ("email", "View your email address.", "This allows the app to view your email address."),
    (
        "address",
        "View your address.",
        "This allows the app to view your address, such as: street address, city, state, and zip code.",
    ),
    ("phone", "View your phone number.", "This allows the app to view your phone number."),
    (
        "offline_access",
        "Keep you signed in to the app.",
        "This keeps you signed in to the app, even when you are not using it.",
    ),
    (
        "device_sso",
        "Request device secret.",
        "This allows you to single sign on between native client applications on your device.",
    ),
]
OIDC_SCOPES = frozenset(name for name, _, _ in SYSTEM_SCOPES)
# (claim, scope, alwaysIncludeInToken): the system IDENTITY claims every server starts with.
SYSTEM_CLAIMS = [
    ("address", "address", False),
    ("birthdate", "profile", False),
    ("email", "email", True),
    ("email_verified", "email", False),
    ("family_name", "profile", False),
    ("gender", "profile", False),
    ("given_name", "profile", False),
    ("locale", "profile", False),
    ("middle_name", "profile", False),
    ("name", "profile", True),
    ("nickname", "profile", False),
    ("phone_number", "phone", False),
    ("picture", "profile", False),
    ("preferred_username", "profile", True),
    ("profile", "profile", False),
    ("updated_at", "profile", False),
    ("website", "profile", False),
    ("zoneinfo", "profile", False),
]
SUB_EXPRESSION = "(appuser != null) ? appuser.userName : app.clientId"


def _cause(field: str, message: str) -> OktaError:
    return validation(field, f"{field}: {message}")


def initial_scopes(state: TenantState) -> list[dict[str, Any]]:
    return [_system_scope(state, *spec) for spec in SYSTEM_SCOPES]


def initial_claims(state: TenantState) -> list[dict[str, Any]]:
    return [_system_claim(state, *spec) for spec in SYSTEM_CLAIMS] + [_sub_claim(state)]


def _system_scope(state: TenantState, name: str, display: str, description: str) -> dict[str, Any]:
    return {
        "id": okta_id(state, "scope"),
        "name": name,
        "displayName": display,
        "description": description,
        "system": True,
        "metadataPublish": "ALL_CLIENTS",
        "consent": "IMPLICIT",
        "optional": False,
        "apiResourceId": None,
        "default": False,
    }


def _system_claim(state: TenantState, name: str, scope: str, always: bool) -> dict[str, Any]:
    return {
        "id": okta_id(state, "claim"),
        "name": name,
        "status": "ACTIVE",
        "claimType": "IDENTITY",
        "valueType": "SYSTEM",
        "conditions": {"scopes": [scope]},
        "system": True,
        "alwaysIncludeInToken": always,
        "apiResourceId": None,
    }


def _sub_claim(state: TenantState) -> dict[str, Any]:
    return {
        "id": okta_id(state, "claim"),
        "name": "sub",
        "status": "ACTIVE",
        "claimType": "RESOURCE",
        "valueType": "EXPRESSION",
        "value": SUB_EXPRESSION,
        "conditions": {"scopes": []},
        "system": True,
        "alwaysIncludeInToken": True,
        "apiResourceId": None,
    }


def _items(row: Row, kind: str) -> list[dict[str, Any]]:
    return list(row["data"][kind])


def get_item(state: TenantState, server_id: str, kind: str, item_id: str) -> dict[str, Any]:
    """A scope or claim of the server; 404 E0000007 (OAuth2Scope / OAuth2Claim) when unknown."""
    row = get_server(state, server_id)
    for item in _items(row, kind):
        if item["id"] == item_id:
            return item
    raise not_found(item_id, "OAuth2Scope" if kind == "scopes" else "OAuth2Claim")


def _save_items(state: TenantState, row: Row, kind: str, items: list[dict[str, Any]]) -> None:
    data = {**row["data"], kind: items}
    state["auth_servers"].update(row["id"], data=data, last_updated=now_iso(state))


def _scope_fields(body: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _cause("name", "The field cannot be left blank.")
    if old and old["system"] and name != old["name"]:
        raise _cause("name", "System scopes cannot be renamed.")
    consent = body.get("consent", "IMPLICIT")
    if consent not in ("IMPLICIT", "REQUIRED", "FLEXIBLE"):
        raise _cause("consent", "Invalid consent. Valid values are IMPLICIT, REQUIRED and FLEXIBLE.")
    publish = body.get("metadataPublish", "NO_CLIENTS")
    if publish not in ("ALL_CLIENTS", "NO_CLIENTS"):
        raise _cause(
            "metadataPublish", "Invalid metadataPublish. Valid values are ALL_CLIENTS and NO_CLIENTS."
        )
    return {
        "name": name,
        "displayName": body.get("displayName") or name,
        "description": body.get("description"),
        "metadataPublish": publish,
        "consent": consent,
        "optional": bool(body.get("optional", False)),
        "default": bool(body.get("default", False)),
    }


def save_scope(
    state: TenantState, server_id: str, body: dict[str, Any], scope_id: str | None, *, actor_id: str | None
) -> dict[str, Any]:
    """Create (scope_id None) or replace a scope; names are unique per server."""
    row = get_server(state, server_id)
    old = get_item(state, server_id, "scopes", scope_id) if scope_id else None
    fields = _scope_fields(body, old)
    if any(s["name"] == fields["name"] and s["id"] != scope_id for s in _items(row, "scopes")):
        raise _cause("name", "An object with this field already exists in the current organization")
    if old is None:
        result = {"id": okta_id(state, "scope"), **fields, "system": False, "apiResourceId": None}
        items, event = [*_items(row, "scopes"), result], "oauth2.scope.created"
    else:
        result = {**old, **fields}
        items = [result if s["id"] == scope_id else s for s in _items(row, "scopes")]
        event = "oauth2.scope.updated"
    _save_items(state, row, "scopes", items)
    logs.emit(
        state,
        event,
        f"OAuth2 scope {event.rsplit('.', 1)[1]}",
        actor_id=actor_id,
        extra={"authorizationServer": row["id"], "scope": result["name"]},
    )
    return result


def _claim_fields(body: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _cause("name", "The field cannot be left blank.")
    claim_type = body.get("claimType")
    if claim_type not in ("RESOURCE", "IDENTITY"):
        raise _cause("claimType", "Invalid claimType. Valid values are RESOURCE and IDENTITY.")
    value_type = body.get("valueType", "EXPRESSION")
    if value_type not in ("EXPRESSION", "GROUPS", "SYSTEM"):
        raise _cause("valueType", "Invalid valueType. Valid values are EXPRESSION and GROUPS.")
    if value_type != "SYSTEM" and not isinstance(body.get("value"), str):
        raise _cause("value", "The field cannot be left blank.")
    status = body.get("status", "ACTIVE")
    if status not in ("ACTIVE", "INACTIVE"):
        raise _cause("status", "Invalid status. Valid values are ACTIVE and INACTIVE.")
    scopes = ((body.get("conditions") or {}).get("scopes")) or []
    fields: dict[str, Any] = {
        "name": name,
        "status": status,
        "claimType": claim_type,
        "valueType": value_type,
    }
    if value_type != "SYSTEM":
        fields["value"] = body["value"]
    fields["conditions"] = {"scopes": [s for s in scopes if isinstance(s, str)]}
    fields["alwaysIncludeInToken"] = bool(
        body.get("alwaysIncludeInToken", old["alwaysIncludeInToken"] if old else True)
    )
    if value_type == "GROUPS":
        fields["group_filter_type"] = body.get("group_filter_type", "STARTS_WITH")
    return fields


def save_claim(
    state: TenantState, server_id: str, body: dict[str, Any], claim_id: str | None, *, actor_id: str | None
) -> dict[str, Any]:
    row = get_server(state, server_id)
    old = get_item(state, server_id, "claims", claim_id) if claim_id else None
    fields = _claim_fields(body, old)
    if old is None:
        claim = {"id": okta_id(state, "claim"), **fields, "system": False, "apiResourceId": None}
        items, event = [*_items(row, "claims"), claim], "oauth2.claim.created"
    else:
        if old["system"]:  # only the inclusion and status of a system claim can change
            fields = {
                **old,
                "alwaysIncludeInToken": fields["alwaysIncludeInToken"],
                "status": fields["status"],
            }
        claim = {**old, **fields}
        items = [claim if c["id"] == claim_id else c for c in _items(row, "claims")]
        event = "oauth2.claim.updated"
    _save_items(state, row, "claims", items)
    logs.emit(
        state,
        event,
        f"OAuth2 claim {event.rsplit('.', 1)[1]}",
        actor_id=actor_id,
        extra={"authorizationServer": row["id"], "claim": claim["name"]},
    )
    return claim


def delete_item(state: TenantState, server_id: str, kind: str, item_id: str, *, actor_id: str | None) -> None:
    row = get_server(state, server_id)
    item = get_item(state, server_id, kind, item_id)
    if item.get("system"):
        label = "scope" if kind == "scopes" else "claim"
        raise validation(label, f"{label}: System {label}s cannot be deleted.")
    _save_items(state, row, kind, [i for i in _items(row, kind) if i["id"] != item_id])
    event = "oauth2.scope.deleted" if kind == "scopes" else "oauth2.claim.deleted"
    logs.emit(
        state,
        event,
        f"OAuth2 {kind[:-1]} deleted",
        actor_id=actor_id,
        extra={"authorizationServer": row["id"], kind[:-1]: item["name"]},
    )
