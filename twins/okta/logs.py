"""The System Log: every change leaves the event Okta would, with actor, targets and outcome. Each
event is also emitted through the kit into the operation (or kit write) running, for the event
hooks subscribed to its type (hooks.py)."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.kit.call import writing
from twins.okta.common import now_iso


def display_name(row: Row, kind: str) -> str:
    if kind == "User":
        profile = row["profile"]
        return f"{profile.get('firstName', '')} {profile.get('lastName', '')}".strip()
    if kind == "UserGroup":
        return str(row["profile"].get("name", ""))
    return str(row.get("label") or row.get("name") or "")


def actor(state: TenantState, user_id: str | None) -> dict[str, Any]:
    user = state["users"].get(user_id) if user_id else None
    if user is None:
        return {
            "id": "system",
            "type": "SystemPrincipal",
            "alternateId": "system@okta.com",
            "displayName": "Okta System",
            "detailEntry": None,
        }
    return target(user, "User")


def target(row: Row, kind: str) -> dict[str, Any]:
    alternate = row.get("login") or row.get("name") or row["id"]
    return {
        "id": row["id"],
        "type": kind,
        "alternateId": alternate,
        "displayName": display_name(row, kind),
        "detailEntry": None,
    }


def emit(
    state: TenantState,
    event_type: str,
    display_message: str,
    *,
    actor_id: str | None = None,
    targets: list[dict[str, Any]] | None = None,
    outcome: str = "SUCCESS",
    reason: str | None = None,
    severity: str = "INFO",
    extra: dict[str, Any] | None = None,
) -> Row:
    """Append a LogEvent shaped as Okta's /api/v1/logs returns it."""
    uuid = state.ids.uuid("log")
    published = now_iso(state)
    data: dict[str, Any] = {
        "actor": actor(state, actor_id),
        "client": {
            "userAgent": {"rawUserAgent": "twin", "os": "Unknown", "browser": "UNKNOWN"},
            "zone": "null",
            "device": "Unknown",
            "id": None,
            "ipAddress": "127.0.0.1",
            "geographicalContext": None,
        },
        "device": None,
        "authenticationContext": {
            "authenticationProvider": None,
            "credentialProvider": None,
            "credentialType": None,
            "issuer": None,
            "interface": None,
            "authenticationStep": 0,
            "rootSessionId": "unknown",
            "externalSessionId": "unknown",
        },
        "displayMessage": display_message,
        "eventType": event_type,
        "outcome": {"result": outcome, "reason": reason},
        "published": published,
        "securityContext": {"asNumber": None, "asOrg": None, "isp": None, "domain": None, "isProxy": None},
        "severity": severity,
        "debugContext": {"debugData": dict(extra or {})},
        "legacyEventType": None,
        "transaction": {"type": "WEB", "id": state.ids.chars("log-tx", 27), "detail": {}},
        "uuid": uuid,
        "version": "0",
        "request": {"ipChain": []},
        "target": list(targets or []),
    }
    row = state["log_events"].insert(
        {"id": uuid, "published": published, "event_type": event_type, "data": data}
    )
    into = writing()
    if into is not None:
        into.emit(event_type, lambda: data)
    return row
