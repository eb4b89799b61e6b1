"""Event hooks: registration, lifecycle and verification state, with the System Log events Okta writes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import OktaError, not_found, validation

# Event types Okta lets an event hook subscribe to (the catalog's "event-hook-eligible" ones).
ELIGIBLE = frozenset(
    {
        "application.lifecycle.activate",
        "application.lifecycle.create",
        "application.lifecycle.deactivate",
        "application.lifecycle.delete",
        "application.lifecycle.update",
        "application.user_membership.add",
        "application.user_membership.change_password",
        "application.user_membership.change_username",
        "application.user_membership.remove",
        "application.user_membership.update",
        "app.oauth2.as.activated",
        "app.oauth2.as.created",
        "app.oauth2.as.deactivated",
        "app.oauth2.as.deleted",
        "app.oauth2.as.updated",
        "group.application_assignment.add",
        "group.application_assignment.remove",
        "group.application_assignment.update",
        "group.lifecycle.create",
        "group.lifecycle.delete",
        "group.profile.update",
        "group.user_membership.add",
        "group.user_membership.remove",
        "policy.lifecycle.activate",
        "policy.lifecycle.create",
        "policy.lifecycle.deactivate",
        "policy.lifecycle.delete",
        "policy.lifecycle.update",
        "policy.rule.activate",
        "policy.rule.add",
        "policy.rule.deactivate",
        "policy.rule.delete",
        "policy.rule.update",
        "system.api_token.create",
        "system.api_token.revoke",
        "user.account.lock",
        "user.account.privilege.grant",
        "user.account.privilege.revoke",
        "user.account.reset_password",
        "user.account.unlock",
        "user.account.unlock_by_admin",
        "user.account.update_password",
        "user.account.update_profile",
        "user.authentication.auth_via_IDP",
        "user.authentication.auth_via_mfa",
        "user.authentication.auth_via_social",
        "user.authentication.sso",
        "user.import.create",
        "user.lifecycle.activate",
        "user.lifecycle.create",
        "user.lifecycle.deactivate",
        "user.lifecycle.delete.completed",
        "user.lifecycle.delete.initiated",
        "user.lifecycle.password_mass_expiry",
        "user.lifecycle.reactivate",
        "user.lifecycle.suspend",
        "user.lifecycle.unsuspend",
        "user.mfa.factor.activate",
        "user.mfa.factor.deactivate",
        "user.mfa.factor.reset_all",
        "user.mfa.factor.suspend",
        "user.mfa.factor.unsuspend",
        "user.mfa.factor.update",
        "user.registration.create",
        "user.session.clear",
        "user.session.end",
        "user.session.start",
    }
)
KIND = "EventHook"


def get_hook(state: TenantState, hook_id: str) -> Row:
    row = state["event_hooks"].get(hook_id)
    if row is None:
        raise not_found(hook_id, KIND)
    return row


def _uri(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation("channel.config.uri", "channel.config.uri: The field cannot be left blank")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise validation("channel.config.uri", "channel.config.uri: The URI is not valid")
    return value.strip()


def _headers(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise validation("channel.config.headers", "channel.config.headers: must be an array")
    out = []
    for item in value:
        if item is None:
            continue
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"].strip():
            raise validation("channel.config.headers", "channel.config.headers: every header needs a key")
        out.append({"key": item["key"], "value": str(item.get("value") or "")})
    return out


def _auth(value: Any, old: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise validation("channel.config.authScheme", "channel.config.authScheme: must be an object")
    kind = value.get("type", "HEADER")
    if kind != "HEADER":
        raise validation("channel.config.authScheme.type", "channel.config.authScheme.type: must be HEADER")
    key = value.get("key")
    if not isinstance(key, str) or not key.strip():
        raise validation(
            "channel.config.authScheme.key", "channel.config.authScheme.key: The field cannot be left blank"
        )
    secret = value.get("value")
    if secret is None and old is not None and old.get("key", "").lower() == key.lower():
        secret = old.get("value")  # write-only: a replace that omits it keeps the secret
    return {"type": "HEADER", "key": key, "value": "" if secret is None else str(secret)}


def _channel(value: Any, old: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation("channel", "channel: The field cannot be left blank")
    if value.get("type", "HTTP") != "HTTP":
        raise validation("channel.type", "channel.type: must be HTTP")
    if value.get("version", "1.0.0") != "1.0.0":
        raise validation("channel.version", "channel.version: Only version 1.0.0 is supported")
    config = value.get("config")
    if not isinstance(config, dict):
        raise validation("channel.config", "channel.config: The field cannot be left blank")
    old_auth = (old or {}).get("config", {}).get("authScheme")
    out: dict[str, Any] = {
        "uri": _uri(config.get("uri")),
        "headers": _headers(config.get("headers")),
        "method": "POST",
    }
    auth = _auth(config.get("authScheme"), old_auth)
    if auth is not None:
        out["authScheme"] = auth
    return {"type": "HTTP", "version": "1.0.0", "config": out}


def _events(value: Any) -> tuple[list[str], dict[str, Any]]:
    if not isinstance(value, dict):
        raise validation("events", "events: The field cannot be left blank")
    if value.get("type", "EVENT_TYPE") != "EVENT_TYPE":
        raise validation("events.type", "events.type: must be EVENT_TYPE")
    items = value.get("items")
    if not isinstance(items, list) or not items:
        raise validation("events.items", "events.items: The field cannot be left blank")
    if not all(isinstance(i, str) for i in items):
        raise validation("events.items", "events.items: must be an array of event type names")
    unknown = [i for i in items if i not in ELIGIBLE]
    if unknown:
        causes = [f"events.items: Event type {i} is not eligible for event hooks" for i in unknown]
        raise validation("events.items", *causes)
    items = list(dict.fromkeys(items))
    return items, _filter(value.get("filter"), items)


def _filter(value: Any, items: list[str]) -> dict[str, Any]:
    """events.filter: kept and returned as given; conditions are not evaluated on delivery."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("eventFilterMap"), list):
        raise validation("events.filter", "events.filter: eventFilterMap is required")
    out = []
    for entry in value["eventFilterMap"]:
        event = entry.get("event") if isinstance(entry, dict) else None
        condition = entry.get("condition") if isinstance(entry, dict) else None
        expression = condition.get("expression") if isinstance(condition, dict) else None
        if event not in items or not isinstance(expression, str) or not expression.strip():
            raise validation(
                "events.filter",
                "events.filter: each filter needs a subscribed event and a condition expression",
            )
        out.append({"event": event, "condition": {"version": None, "expression": expression}})
    return {"type": "EXPRESSION_LANGUAGE", "eventFilterMap": out}


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise validation("name", "name: The field cannot be left blank")
    if len(value) > 255:
        raise validation("name", "name: must be at most 255 characters")
    return value


def _description(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise validation("description", "description: must be a string")


def create_hook(state: TenantState, body: dict[str, Any], *, actor_id: str | None) -> Row:
    """POST /eventHooks: a new ACTIVE, UNVERIFIED hook."""
    name = _name(body.get("name"))
    items, event_filter = _events(body.get("events"))
    channel = _channel(body.get("channel"), None)
    now = now_iso(state)
    row = state["event_hooks"].insert(
        {
            "id": okta_id(state, "event_hook"),
            "name": name,
            "description": _description(body.get("description")),
            "status": "ACTIVE",
            "verification_status": "UNVERIFIED",
            "events": items,
            "filter": event_filter,
            "channel": channel,
            "created": now,
            "created_by": actor_id or "",
            "last_updated": now,
        }
    )
    logs.emit(state, "event_hook.created", "Event hook created", actor_id=actor_id, targets=[_target(row)])
    return row


def replace_hook(state: TenantState, hook_id: str, body: dict[str, Any], *, actor_id: str | None) -> Row:
    """PUT /eventHooks/{id}: a changed channel must be verified again."""
    old = get_hook(state, hook_id)
    name = _name(body.get("name"))
    items, event_filter = _events(body.get("events"))
    channel = _channel(body.get("channel"), old["channel"])
    status = body.get("status", old["status"])
    if status not in ("ACTIVE", "INACTIVE"):
        raise validation("status", "status: must be ACTIVE or INACTIVE")
    verification = old["verification_status"] if channel == old["channel"] else "UNVERIFIED"
    row = state["event_hooks"].update(
        hook_id,
        name=name,
        description=_description(body.get("description")),
        status=status,
        verification_status=verification,
        events=items,
        filter=event_filter,
        channel=channel,
        last_updated=now_iso(state),
    )
    logs.emit(state, "event_hook.updated", "Event hook updated", actor_id=actor_id, targets=[_target(row)])
    return row


def set_status(state: TenantState, hook_id: str, status: str, *, actor_id: str | None) -> Row:
    """lifecycle/activate and lifecycle/deactivate (idempotent)."""
    row = get_hook(state, hook_id)
    if row["status"] == status:
        return row
    row = state["event_hooks"].update(hook_id, status=status, last_updated=now_iso(state))
    word = "activated" if status == "ACTIVE" else "deactivated"
    logs.emit(state, f"event_hook.{word}", f"Event hook {word}", actor_id=actor_id, targets=[_target(row)])
    return row


def delete_hook(state: TenantState, hook_id: str, *, actor_id: str | None) -> None:
    """DELETE /eventHooks/{id}: only an INACTIVE hook can be deleted."""
    row = get_hook(state, hook_id)
    if row["status"] != "INACTIVE":
        raise OktaError(
            "Api validation failed: eventHook",
            causes=["Cannot delete an active event hook. Deactivate the event hook first."],
        )
    state["event_hooks"].delete(hook_id)
    logs.emit(state, "event_hook.deleted", "Event hook deleted", actor_id=actor_id, targets=[_target(row)])


def record_verification(state: TenantState, hook_id: str, ok: bool, *, actor_id: str | None) -> Row:
    """The outcome of the one-time verification call; Okta logs failures too."""
    row = get_hook(state, hook_id)
    if ok:
        row = state["event_hooks"].update(
            hook_id, verification_status="VERIFIED", last_updated=now_iso(state)
        )
    logs.emit(
        state,
        "event_hook.verified",
        "Event hook verified",
        actor_id=actor_id,
        targets=[_target(row)],
        outcome="SUCCESS" if ok else "FAILURE",
        reason=None if ok else "Hook execution failed",
    )
    return row


def verification_failed(row: Row) -> OktaError:
    return validation("eventHook", f"Unable to verify event hook. Hook {row['name']} execution failed")


def record_delivery_failure(state: TenantState, hook_id: str, reason: str) -> None:
    """`event_hook.delivery` is logged only when a delivery finally fails."""
    row = state["event_hooks"].get(hook_id)
    if row is None:
        return
    logs.emit(
        state,
        "event_hook.delivery",
        "Event hook delivery failed",
        targets=[_target(row)],
        outcome="FAILURE",
        reason=reason,
        severity="WARN",
    )


def receives(row: Row) -> bool:
    """Only ACTIVE and VERIFIED hooks receive events."""
    return bool(row["status"] == "ACTIVE" and row["verification_status"] == "VERIFIED")


def _target(row: Row) -> dict[str, Any]:
    return logs.target(row, KIND)
