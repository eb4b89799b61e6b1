"""Primary authentication (/api/v1/authn), one-time session tokens, lockout and Okta sessions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.ids import ALNUM
from twins.okta import logs
from twins.okta.backend.credentials import credentials_failed, set_password, verify_password
from twins.okta.backend.lifecycle import clear_sessions, find_user, transition
from twins.okta.common import iso, now_iso, okta_id, parse_iso
from twins.okta.errors import OktaError, invalid_token, not_found

SESSION_TOKEN_TTL = 300.0  # a sessionToken is good for one exchange within 5 minutes
STATE_TOKEN_TTL = 300.0
SESSION_LIFETIME = 7200.0  # default global session lifetime: 2 hours
DEFAULT_LOCKOUT_ATTEMPTS = 10
AUTHN_URI = {"requestUri": "/api/v1/authn"}


def authentication_failed() -> OktaError:
    return OktaError("Authentication failed", code="E0000004", status=401)


def invalid_session() -> OktaError:
    return OktaError("Invalid session", code="E0000005", status=401)


@dataclass
class AuthnResult:
    """The outcome of an authentication step: a transaction state, or an error to answer with.

    Failures are returned, not raised, so that what they change (the failed sign-in count,
    a lockout, System Log events) is kept.
    """

    status: str  # SUCCESS | PASSWORD_EXPIRED | LOCKED_OUT | FAILED
    user: Row | None = None
    token: str | None = None  # sessionToken (SUCCESS) or stateToken (PASSWORD_EXPIRED)
    expires_at: float | None = None
    error: OktaError | None = None


def lockout_attempts(state: TenantState) -> int:
    """Failed sign-ins before a lockout (org setting `lockout_attempts`; 0 turns lockout off)."""
    return int(state.meta.get("lockout_attempts", DEFAULT_LOCKOUT_ATTEMPTS) or 0)


def find_by_username(state: TenantState, username: str) -> Row | None:
    """The user by login, or by the login's short name (the part before @) when unambiguous."""
    name = username.strip().lower()
    user = state["users"].by("login", name)
    if user is not None or "@" in name or not name:
        return user
    matches = state["users"].filter(lambda u: u["login"].split("@", 1)[0] == name)
    return matches[0] if len(matches) == 1 else None


def _purge(state: TenantState, kind: str, now: float) -> None:
    tokens = state["tokens"]
    for row in tokens.where("kind", kind):
        if row["expires_at"] <= now:
            tokens.delete(row["id"])


def _issue(
    state: TenantState, kind: str, user: Row, ttl: float, prefix: str, length: int
) -> tuple[str, float]:
    now = state.clock.now()
    _purge(state, kind, now)
    token = prefix + state.ids.chars(kind, length, ALNUM)
    expires = now + ttl
    state["tokens"].insert(
        {
            "id": token,
            "kind": kind,
            "user_id": user["id"],
            "expires_at": expires,
            "data": {"issued": iso(now)},
        }
    )
    return token, expires


def issue_session_token(state: TenantState, user: Row) -> tuple[str, float]:
    """A one-time sessionToken for the user, valid for 5 minutes of tenant time."""
    return _issue(state, "session_token", user, SESSION_TOKEN_TTL, "20111", 50)


def _live_token(state: TenantState, token: str, kind: str) -> Row | None:
    row = state["tokens"].get(token) if token else None
    if row is None or row["kind"] != kind or row["revoked"] or row["expires_at"] <= state.clock.now():
        return None
    return row


def consume_session_token(state: TenantState, token: str) -> str | None:
    """Redeem a sessionToken once: the user's id, or None if unknown, used, expired or inactive."""
    row = _live_token(state, token, "session_token")
    if row is None:
        return None
    state["tokens"].delete(row["id"])
    user = state["users"].get(row["user_id"])
    if user is None or user["status"] != "ACTIVE":
        return None
    return str(user["id"])


def _session_start(
    state: TenantState, user: Row | None, outcome: str = "SUCCESS", reason: str | None = None
) -> None:
    logs.emit(
        state,
        "user.session.start",
        "User login to Okta",
        actor_id=user["id"] if user else None,
        outcome=outcome,
        reason=reason,
        severity="INFO" if outcome == "SUCCESS" else "WARN",
        extra=AUTHN_URI,
    )


def _success(state: TenantState, user: Row) -> AuthnResult:
    now = now_iso(state)
    user = state["users"].update(user["id"], failed_logins=0, last_login=now)
    token, expires = issue_session_token(state, user)
    _session_start(state, user)
    return AuthnResult("SUCCESS", user, token, expires)


def _failed(state: TenantState, user: Row) -> AuthnResult:
    """A wrong password: count it, and lock the account at the org's limit."""
    failures = int(user["failed_logins"] or 0) + 1
    limit = lockout_attempts(state)
    _session_start(state, user, "FAILURE", "INVALID_CREDENTIALS")
    if limit and failures >= limit:
        user = transition(state, user, "LOCKED_OUT", actor_id=user["id"], failed_logins=failures)
        logs.emit(
            state,
            "user.account.lock",
            "Max sign in attempts exceeded",
            actor_id=user["id"],
            targets=[logs.target(user, "User")],
            severity="WARN",
            extra=AUTHN_URI,
        )
    else:
        user = state["users"].update(user["id"], failed_logins=failures)
    return AuthnResult("FAILED", user, error=authentication_failed())


def primary_authn(state: TenantState, username: Any, password: Any) -> AuthnResult:
    """Check a username and password and answer with the transaction state Okta would."""
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return AuthnResult("FAILED", error=authentication_failed())
    user = find_by_username(state, username)
    if user is None:
        _session_start(state, None, "FAILURE", "VERIFICATION_ERROR")
        return AuthnResult("FAILED", error=authentication_failed())
    status = user["status"]
    if status == "LOCKED_OUT":
        _session_start(state, user, "FAILURE", "LOCKED_OUT")
        if state.meta.get("show_lockout_failures", True):
            return AuthnResult("LOCKED_OUT", user)
        return AuthnResult("FAILED", user, error=authentication_failed())
    if status not in ("ACTIVE", "PASSWORD_EXPIRED"):
        _session_start(state, user, "FAILURE", "VERIFICATION_ERROR")
        return AuthnResult("FAILED", user, error=authentication_failed())
    if not verify_password(user, password):
        return _failed(state, user)
    if status == "PASSWORD_EXPIRED":
        user = state["users"].update(user["id"], failed_logins=0)
        token, expires = _issue(state, "state_token", user, STATE_TOKEN_TTL, "00", 40)
        return AuthnResult("PASSWORD_EXPIRED", user, token, expires)
    return _success(state, user)


def _state_token_user(state: TenantState, state_token: Any) -> tuple[Row, Row]:
    row = _live_token(state, state_token, "state_token") if isinstance(state_token, str) else None
    user = state["users"].get(row["user_id"]) if row else None
    if row is None or user is None:
        raise invalid_token()
    return row, user


def change_expired_password(state: TenantState, state_token: Any, old: Any, new: Any) -> AuthnResult:
    """PASSWORD_EXPIRED -> ACTIVE with a new password; the transaction ends in SUCCESS."""
    row, user = _state_token_user(state, state_token)
    if not isinstance(old, str) or not verify_password(user, old):
        raise credentials_failed("oldPassword: The credentials provided were incorrect.")
    if not isinstance(new, str) or not new:
        raise OktaError(
            "Api validation failed: newPassword", causes=["newPassword: The field cannot be left blank"]
        )
    user = set_password(state, user, new, actor_id=user["id"], status="ACTIVE")
    state["tokens"].delete(row["id"])
    logs.emit(
        state,
        "user.account.update_password",
        "Update password for Okta user",
        actor_id=user["id"],
        targets=[logs.target(user, "User")],
    )
    return _success(state, user)


def cancel(state: TenantState, state_token: Any) -> None:
    row, _ = _state_token_user(state, state_token)
    state["tokens"].delete(row["id"])


def session_lifetime(state: TenantState) -> float:
    return float(state.meta.get("session_lifetime_seconds", SESSION_LIFETIME) or SESSION_LIFETIME)


def create_session(state: TenantState, session_token: Any) -> Row:
    """Exchange a sessionToken for an Okta session; 401 E0000005 if the token is not good."""
    token = session_token if isinstance(session_token, str) else ""
    user_id = consume_session_token(state, token)
    user = state["users"].get(user_id) if user_id else None
    if user is None:
        raise invalid_session()
    now = state.clock.now()
    return state["sessions"].insert(
        {
            "id": okta_id(state, "session"),
            "user_id": user["id"],
            "login": user["profile"].get("login", user["login"]),
            "status": "ACTIVE",
            "created": iso(now),
            "expires_at": iso(now + session_lifetime(state)),
            "last_password_verification": user["last_login"] or iso(now),
            "token": token,
        }
    )


def get_session(state: TenantState, session_id: str) -> Row:
    """A live session by id; 404 E0000007 when unknown, ended or expired."""
    row = state["sessions"].get(session_id)
    expires = parse_iso(row["expires_at"]) if row else None
    if row is None or row["status"] != "ACTIVE" or expires is None or expires <= state.clock.now():
        raise not_found(session_id, "Session")
    return row


def refresh_session(state: TenantState, session_id: str) -> Row:
    row = get_session(state, session_id)
    expires = iso(state.clock.now() + session_lifetime(state))
    return state["sessions"].update(row["id"], expires_at=expires)


def _cleared(state: TenantState, user_id: str, actor_id: str | None) -> None:
    user = state["users"].get(user_id)
    logs.emit(
        state,
        "user.session.clear",
        "Clear user session",
        actor_id=actor_id,
        targets=[logs.target(user, "User")] if user else [],
    )


def revoke_session(state: TenantState, session_id: str, *, actor_id: str | None) -> None:
    row = get_session(state, session_id)
    state["sessions"].delete(row["id"])
    _cleared(state, row["user_id"], actor_id)


def revoke_user_sessions(
    state: TenantState, user_id: str, *, oauth_tokens: bool, actor_id: str | None
) -> None:
    """End all of a user's sessions (DELETE /users/{id}/sessions)."""
    user = find_user(state, user_id)
    clear_sessions(state, user["id"], oauth_tokens=oauth_tokens)
    _cleared(state, user["id"], actor_id)
