"""Custom authorization servers: create, replace, delete, lifecycle, key rotation, the seed.

A server row keeps its scopes, claims and policies (each policy with its rules) in `data`,
in Okta's wire shape; every change replaces `data` by a new dict. The "default" server has
an `aus…` id like the others, and the path `default` resolves to it. Scopes and claims live in
authserver_items.py, policies and rules in authserver_policies.py.
"""

from __future__ import annotations

import copy
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import keys, logs
from twins.okta.common import iso, now_iso, okta_id
from twins.okta.errors import OktaError, not_found, validation

ALL_GRANT_TYPES = [
    "authorization_code",
    "password",
    "client_credentials",
    "implicit",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "interaction_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
]
DEFAULT_TOKEN_ACTIONS = {
    "accessTokenLifetimeMinutes": 60,
    "refreshTokenLifetimeMinutes": 0,
    "refreshTokenWindowMinutes": 10080,
}
ROTATION_DAYS = 90


def _cause(field: str, message: str) -> OktaError:
    return validation(field, f"{field}: {message}")


# --- servers ------------------------------------------------------------------------------------
def find_server(state: TenantState, server_id: str) -> Row | None:
    """By id, or "default" for the default server."""
    row = state["auth_servers"].get(server_id)
    if row is None and server_id == "default":
        row = next((r for r in state["auth_servers"] if r["data"].get("default")), None)
    return row


def get_server(state: TenantState, server_id: str) -> Row:
    row = find_server(state, server_id)
    if row is None:
        raise not_found(server_id, "AuthorizationServer")
    return row


def path_id(row: Row) -> str:
    """The id in /oauth2/{id}/... and in the issuer: "default" for the default server."""
    return "default" if row["data"].get("default") else str(row["id"])


def _server_fields(body: dict[str, Any], existing: Row | None) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _cause("name", "The field cannot be left blank.")
    audiences = body.get("audiences")
    if (
        not isinstance(audiences, list)
        or not audiences
        or not all(isinstance(a, str) and a for a in audiences)
    ):
        raise _cause("audiences", "The field cannot be left blank.")
    mode = body.get("issuerMode") or (existing["issuer_mode"] if existing else "ORG_URL")
    if mode not in ("ORG_URL", "CUSTOM_URL", "DYNAMIC"):
        raise _cause("issuerMode", "Invalid issuerMode. Valid values are ORG_URL, CUSTOM_URL and DYNAMIC.")
    description = body.get("description")
    return {
        "name": name,
        "description": description if isinstance(description, str) else "",
        "audiences": list(audiences),
        "issuer_mode": mode,
    }


def _check_name(state: TenantState, name: str, own_id: str | None) -> None:
    for row in state["auth_servers"]:
        if row["name"].lower() == name.lower() and row["id"] != own_id:
            raise _cause("name", "An object with this field already exists in the current organization")


def _rotation_mode(body: dict[str, Any], default: str) -> str:
    mode = ((body.get("credentials") or {}).get("signing") or {}).get("rotationMode") or default
    if mode not in ("AUTO", "MANUAL"):
        raise _cause("rotationMode", "Invalid rotationMode. Valid values are AUTO and MANUAL.")
    return str(mode)


def create_server(
    state: TenantState, body: dict[str, Any], *, actor_id: str | None, default: bool = False
) -> Row:
    """A server with the system scopes and claims, an ACTIVE and a NEXT key, and no policy."""
    from twins.okta.backend import authserver_items as items

    fields = _server_fields(body, None)
    _check_name(state, fields["name"], None)
    now = state.clock.now()
    data: dict[str, Any] = {
        "default": default,
        "credentials": {"signing": {"rotationMode": _rotation_mode(body, "AUTO"), "lastRotated": iso(now)}},
        "scopes": items.initial_scopes(state),
        "claims": items.initial_claims(state),
        "policies": [],
    }
    row = state["auth_servers"].insert(
        {
            "id": okta_id(state, "auth_server"),
            **fields,
            "status": "ACTIVE",
            "data": data,
            "created": iso(now),
            "last_updated": iso(now),
        }
    )
    keys.ensure_keys(state, row["id"])
    _emit(state, "oauth2.as.created", "Create authorization server", row, actor_id)
    return row


def replace_server(state: TenantState, server_id: str, body: dict[str, Any], *, actor_id: str | None) -> Row:
    row = get_server(state, server_id)
    fields = _server_fields(body, row)
    _check_name(state, fields["name"], row["id"])
    data = copy.deepcopy(row["data"])
    data["credentials"]["signing"]["rotationMode"] = _rotation_mode(
        body, data["credentials"]["signing"]["rotationMode"]
    )
    row = state["auth_servers"].update(row["id"], **fields, data=data, last_updated=now_iso(state))
    _emit(state, "oauth2.as.updated", "Update authorization server", row, actor_id)
    return row


def delete_server(state: TenantState, server_id: str, *, actor_id: str | None) -> None:
    row = get_server(state, server_id)
    state["auth_servers"].delete(row["id"])
    keys.delete_keys(state, row["id"])
    _emit(state, "oauth2.as.deleted", "Delete authorization server", row, actor_id)


def set_status(state: TenantState, server_id: str, active: bool, *, actor_id: str | None) -> Row:
    row = get_server(state, server_id)
    status = "ACTIVE" if active else "INACTIVE"
    if row["status"] != status:
        row = state["auth_servers"].update(row["id"], status=status, last_updated=now_iso(state))
        kind = "activated" if active else "deactivated"
        _emit(state, f"oauth2.as.{kind}", f"{kind[:-1].title()}e authorization server", row, actor_id)
    return row


def rotate_keys(state: TenantState, server_id: str, use: Any, *, actor_id: str | None) -> list[Row]:
    """POST …/credentials/lifecycle/keyRotate {"use": "sig"}; also used by the admin API."""
    if server_id != keys.ORG:
        row = get_server(state, server_id)
        if use != "sig":
            raise validation("rotateKeys", "Invalid value specified for key 'use' parameter")
        server_id = row["id"]
        data = copy.deepcopy(row["data"])
        data["credentials"]["signing"]["lastRotated"] = now_iso(state)
        state["auth_servers"].update(row["id"], data=data, last_updated=now_iso(state))
    rotated = keys.rotate(state, server_id)
    kind = "app.oauth2.key.rollover" if server_id == keys.ORG else "app.oauth2.as.key.rollover"
    logs.emit(
        state, kind, "Rollover of signing keys", actor_id=actor_id, extra={"authorizationServer": server_id}
    )
    return rotated


def signing_credentials(state: TenantState, row: Row) -> dict[str, Any]:
    signing = dict(row["data"]["credentials"]["signing"])
    active = next((k for k in keys.server_keys(state, row["id"]) if k["status"] == "ACTIVE"), None)
    out: dict[str, Any] = {"kid": active["id"]} if active else {}
    out.update(rotationMode=signing["rotationMode"], lastRotated=signing["lastRotated"], use="sig")
    if signing["rotationMode"] == "AUTO":
        from twins.okta.common import parse_iso

        out["nextRotation"] = iso((parse_iso(signing["lastRotated"]) or 0.0) + ROTATION_DAYS * 86400)
    return out


def _emit(state: TenantState, event: str, message: str, row: Row, actor_id: str | None) -> None:
    target = {
        "id": row["id"],
        "type": "AuthorizationServer",
        "alternateId": row["name"],
        "displayName": row["name"],
        "detailEntry": None,
    }
    logs.emit(state, event, message, actor_id=actor_id, targets=[target])


def seed_authorization_servers(state: TenantState) -> Row:
    """The org server's keys, and the "default" server with its "Default Policy"."""
    keys.ensure_keys(state, keys.ORG)
    server = create_server(
        state,
        {
            "name": "default",
            "description": "Default Authorization Server for your Applications",
            "audiences": ["api://default"],
            "credentials": {"signing": {"rotationMode": "MANUAL"}},
        },
        actor_id=None,
        default=True,
    )
    policy = {
        "name": "Default Policy",
        "description": "Default policy description",
        "priority": 1,
        "conditions": {"clients": {"include": ["ALL_CLIENTS"]}},
    }
    from twins.okta.backend import authserver_policies as policies

    policy_row = policies.create_policy(state, server["id"], policy, actor_id=None)
    everyone = next((g["id"] for g in state["groups"].where("type", "BUILT_IN")), "EVERYONE")
    rule = {
        "name": "Default Policy Rule",
        "priority": 1,
        "conditions": {
            "people": {"groups": {"include": [everyone]}},
            "grantTypes": {"include": list(ALL_GRANT_TYPES)},
            "scopes": {"include": ["*"]},
        },
        "actions": {"token": dict(DEFAULT_TOKEN_ACTIONS)},
    }
    policies.create_rule(state, server["id"], policy_row["id"], rule, actor_id=None)
    return server
