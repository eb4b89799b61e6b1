"""User lifecycle: Okta's status machine (activate, deactivate, suspend, unlock, reset, expire)."""

from __future__ import annotations

import string
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.ids import ALNUM
from twins.okta import logs
from twins.okta.backend import group_rules
from twins.okta.backend.app_assignments import membership_event
from twins.okta.common import now_iso
from twins.okta.errors import OktaError, not_found, validation
from twins.okta.passwords import hash_password

STATUSES = (
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "PASSWORD_EXPIRED",
    "LOCKED_OUT",
    "SUSPENDED",
    "DEPROVISIONED",
)
# Statuses in which the user has been activated once (activate answers "already active").
ACTIVATED = ("PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED")
EXPIRABLE = ("ACTIVE", "RECOVERY", "PASSWORD_EXPIRED")
RESETTABLE = ("PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT")


def status_not_allowed() -> OktaError:
    return OktaError(
        "This operation is not allowed in the user's current status.", code="E0000038", status=403
    )


def find_user(state: TenantState, id_or_login: str) -> Row:
    """The user by id, login (case-insensitive) or unambiguous login short name; else 404 E0000007."""
    users = state["users"]
    row = users.get(id_or_login) or users.by("login", id_or_login.lower())
    if row is None and "@" not in id_or_login:
        short = users.filter(lambda u: u["login"].split("@", 1)[0] == id_or_login.lower())
        row = short[0] if len(short) == 1 else None
    if row is None:
        raise not_found(id_or_login, "User")
    return row


def has_password(user: Row) -> bool:
    return bool(user["credentials"].get("password"))


def transition(state: TenantState, user: Row, status: str, *, actor_id: str | None, **changes: Any) -> Row:
    """Move the user to `status` (stamping statusChanged) and let group rules react."""
    now = now_iso(state)
    fields: dict[str, Any] = {"last_updated": now, "transitioning_to": None, **changes}
    if status != user["status"]:
        fields["status"] = status
        fields["status_changed"] = now
    row = state["users"].update(user["id"], **fields)
    group_rules.reevaluate_user(state, row, actor_id=actor_id)
    return row


def clear_sessions(state: TenantState, user_id: str, *, oauth_tokens: bool = False) -> int:
    """End every Okta session of the user (and, if asked, revoke its OAuth tokens)."""
    sessions = state["sessions"]
    ended = 0
    for row in sessions.where("user_id", user_id):
        sessions.delete(row["id"])
        ended += 1
    if oauth_tokens:
        tokens = state["tokens"]
        for token in tokens.filter(lambda t: t["user_id"] == user_id and not t["revoked"]):
            if token["kind"] in ("access_token", "refresh_token", "id_token"):
                tokens.update(token["id"], revoked=True)
    return ended


def _one_time_token(state: TenantState, kind: str) -> str:
    return state.ids.chars(kind, 20, ALNUM)


def temp_password(state: TenantState) -> str:
    """An 8-character password that meets the default policy (like Okta's `F46gy7X4`)."""
    rng = state.ids.rng("temp-password")
    chars = (
        rng.choices(string.ascii_uppercase, k=2)
        + rng.choices(string.ascii_lowercase, k=3)
        + rng.choices(string.digits, k=3)
    )
    rng.shuffle(chars)
    return "".join(chars)


def _event(state: TenantState, event_type: str, message: str, user: Row, actor_id: str | None) -> None:
    logs.emit(state, event_type, message, actor_id=actor_id, targets=[logs.target(user, "User")])


def activate(
    state: TenantState, user_id: str, *, send_email: bool, base: str, actor_id: str | None
) -> dict[str, Any]:
    """STAGED/DEPROVISIONED -> ACTIVE (has a password) or PROVISIONED; the activation link."""
    user = find_user(state, user_id)
    if user["status"] in ACTIVATED:
        raise OktaError("Activation failed because the user is already active", code="E0000016", status=403)
    status = "ACTIVE" if has_password(user) else "PROVISIONED"
    user = transition(state, user, status, actor_id=actor_id, activated=now_iso(state), failed_logins=0)
    _event(state, "user.lifecycle.activate", "Activate Okta user", user, actor_id)
    return _activation_token(state, base, send_email)


def _activation_token(state: TenantState, base: str, send_email: bool) -> dict[str, Any]:
    token = _one_time_token(state, "activation-token")
    if send_email:
        return {}
    return {"activationUrl": f"{base}/welcome/{token}", "activationToken": token}


def reactivate(
    state: TenantState, user_id: str, *, send_email: bool, base: str, actor_id: str | None
) -> dict[str, Any]:
    """Restart activation of a PROVISIONED (or RECOVERY) user; a fresh activation link."""
    user = find_user(state, user_id)
    if user["status"] not in ("PROVISIONED", "RECOVERY"):
        raise status_not_allowed()
    user = transition(state, user, "PROVISIONED", actor_id=actor_id)
    _event(state, "user.lifecycle.reactivate", "Reactivate Okta user", user, actor_id)
    return _activation_token(state, base, send_email)


def deactivate(state: TenantState, user_id: str, *, actor_id: str | None) -> None:
    """Any status but DEPROVISIONED -> DEPROVISIONED: app assignments and sessions go, groups stay."""
    user = find_user(state, user_id)
    if user["status"] == "DEPROVISIONED":
        raise not_found(user_id, "User")
    user = transition(state, user, "DEPROVISIONED", actor_id=actor_id, failed_logins=0)
    for assignment in state["app_users"].where("user_id", user["id"]):
        state["app_users"].delete(assignment["id"])
        app = state["apps"].get(assignment["app_id"])
        if app is not None:
            membership_event(state, "remove", user, app, actor_id=actor_id)
    clear_sessions(state, user["id"], oauth_tokens=True)
    _event(state, "user.lifecycle.deactivate", "Deactivate Okta user", user, actor_id)


def suspend(state: TenantState, user_id: str, *, actor_id: str | None) -> None:
    user = find_user(state, user_id)
    if user["status"] != "ACTIVE":
        raise validation("Cannot suspend a user that is not active")
    user = transition(state, user, "SUSPENDED", actor_id=actor_id)
    clear_sessions(state, user["id"])
    _event(state, "user.lifecycle.suspend", "Suspend Okta user", user, actor_id)


def unsuspend(state: TenantState, user_id: str, *, actor_id: str | None) -> None:
    user = find_user(state, user_id)
    if user["status"] != "SUSPENDED":
        raise validation("Cannot unsuspend a user that is not suspended")
    user = transition(state, user, "ACTIVE", actor_id=actor_id)
    _event(state, "user.lifecycle.unsuspend", "Unsuspend Okta user", user, actor_id)


def unlock(state: TenantState, user_id: str, *, actor_id: str | None) -> None:
    """LOCKED_OUT -> ACTIVE, and the failed sign-in count starts over."""
    user = find_user(state, user_id)
    if user["status"] != "LOCKED_OUT":
        raise OktaError("Unlock is not allowed for this user.", code="E0000032", status=403)
    user = transition(state, user, "ACTIVE", actor_id=actor_id, failed_logins=0)
    _event(state, "user.account.unlock_by_admin", "Unlock user account by admin", user, actor_id)


def reset_password(
    state: TenantState,
    user_id: str,
    *,
    send_email: bool,
    revoke_sessions: bool,
    base: str,
    actor_id: str | None,
) -> dict[str, Any]:
    """-> RECOVERY: the user cannot sign in until the reset completes; the reset link."""
    user = find_user(state, user_id)
    if user["status"] not in RESETTABLE:
        raise status_not_allowed()
    user = transition(state, user, "RECOVERY", actor_id=actor_id, failed_logins=0)
    if revoke_sessions:
        clear_sessions(state, user["id"])
    _event(
        state,
        "user.account.reset_password",
        "Fired when the user's Okta password is reset",
        user,
        actor_id,
    )
    token = _one_time_token(state, "reset-token")
    return {} if send_email else {"resetPasswordUrl": f"{base}/reset_password/{token}"}


def expire_password(
    state: TenantState,
    user_id: str,
    *,
    temp: bool,
    revoke_sessions: bool = False,
    actor_id: str | None,
) -> tuple[Row, str | None]:
    """-> PASSWORD_EXPIRED (optionally after setting a temporary password, which is returned)."""
    user = find_user(state, user_id)
    if user["status"] not in EXPIRABLE or not has_password(user):
        raise status_not_allowed()
    password: str | None = None
    changes: dict[str, Any] = {}
    if temp:
        password = temp_password(state)
        changes["credentials"] = {**user["credentials"], "password": hash_password(state, password)}
        changes["password_changed"] = now_iso(state)
    user = transition(state, user, "PASSWORD_EXPIRED", actor_id=actor_id, **changes)
    if revoke_sessions:
        clear_sessions(state, user["id"])
    _event(state, "user.account.expire_password", "Expire password for user", user, actor_id)
    return user, password
