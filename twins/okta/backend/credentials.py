"""User credentials: change password, forgot password, recovery question, the password policy."""

from __future__ import annotations

import re
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.ids import ALNUM
from twins.okta import logs
from twins.okta.backend import group_rules
from twins.okta.backend.lifecycle import clear_sessions, find_user, has_password, status_not_allowed
from twins.okta.common import now_iso
from twins.okta.errors import OktaError, validation
from twins.okta.passwords import check_password, hash_password

HISTORY = 4  # the default password policy remembers the last 4 passwords
REQUIREMENTS = (
    "Password requirements were not met. Password requirements: at least 8 characters, "
    "a lowercase letter, an uppercase letter, a number, no parts of your username. "
    f"Your password cannot be any of your last {HISTORY} passwords."
)
_DELIMITERS = re.compile(r"[.,\-_#@+]")


def credentials_failed(cause: str) -> OktaError:
    """403 E0000014, the answer to a wrong current password."""
    return OktaError("Update of credentials failed", code="E0000014", status=403, causes=[cause])


def policy_failed() -> OktaError:
    return OktaError(
        "The password does not meet the complexity requirements of the current password policy.",
        code="E0000080",
        status=403,
        causes=[REQUIREMENTS],
    )


def username_parts(login: str) -> list[str]:
    """The parts of the login a password may not contain: the local part and its pieces."""
    local = login.split("@", 1)[0].lower()
    parts = [local] + [p for p in _DELIMITERS.split(local) if len(p) >= 3]
    return [p for p in dict.fromkeys(parts) if p]


def meets_policy(password: str, login: str) -> bool:
    """The default policy: 8+ characters, lower, upper, digit, no part of the username."""
    lowered = password.lower()
    return (
        len(password) >= 8
        and any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
        and not any(part in lowered for part in username_parts(login))
    )


def _recently_used(user: Row, password: str) -> bool:
    creds = user["credentials"]
    previous = [creds.get("password"), *list(creds.get("password_history") or [])]
    return any(isinstance(h, dict) and check_password(h, password) for h in previous[:HISTORY])


def set_password(
    state: TenantState, user: Row, password: str, *, actor_id: str | None, **changes: Any
) -> Row:
    """Store a new password (policy checked), remembering the old one for the history rule."""
    if not meets_policy(password, user["login"]) or _recently_used(user, password):
        raise policy_failed()
    creds = dict(user["credentials"])
    old = creds.get("password")
    history = list(creds.get("password_history") or [])
    if isinstance(old, dict) and old:
        history = [old, *history]
    creds["password"] = hash_password(state, password)
    creds["password_history"] = history[:HISTORY]
    now = now_iso(state)
    fields: dict[str, Any] = {
        "credentials": creds,
        "password_changed": now,
        "last_updated": now,
        "failed_logins": 0,
        **changes,
    }
    if "status" in changes and changes["status"] != user["status"]:
        fields["status_changed"] = now
    row = state["users"].update(user["id"], **fields)
    if "status" in changes:
        group_rules.reevaluate_user(state, row, actor_id=actor_id)
    return row


def password_value(body: dict[str, Any], field: str) -> str:
    """`body[field].value` as a string, or 400 E0000001 naming the field."""
    value = body.get(field)
    if isinstance(value, dict):
        value = value.get("value")
    if not isinstance(value, str) or not value:
        raise validation(field, f"{field}: The field cannot be left blank")
    return value


def verify_password(user: Row, password: str) -> bool:
    return check_password(user["credentials"].get("password"), password)


def change_password(state: TenantState, user_id: str, body: dict[str, Any], *, actor_id: str | None) -> Row:
    """Check the current password, set the new one; RECOVERY/PASSWORD_EXPIRED become ACTIVE."""
    user = find_user(state, user_id)
    old = password_value(body, "oldPassword")
    new = password_value(body, "newPassword")
    if user["status"] not in ("STAGED", "ACTIVE", "PASSWORD_EXPIRED", "RECOVERY") or not has_password(user):
        raise status_not_allowed()
    if not verify_password(user, old):
        raise credentials_failed("oldPassword: The credentials provided were incorrect.")
    changes: dict[str, Any] = {}
    if user["status"] in ("PASSWORD_EXPIRED", "RECOVERY"):
        changes["status"] = "ACTIVE"
    user = set_password(state, user, new, actor_id=actor_id, **changes)
    if body.get("revokeSessions") is True:
        clear_sessions(state, user["id"])
    _updated(state, user, actor_id)
    return user


def _updated(state: TenantState, user: Row, actor_id: str | None) -> None:
    logs.emit(
        state,
        "user.account.update_password",
        "Update password for Okta user",
        actor_id=actor_id,
        targets=[logs.target(user, "User")],
    )


def _forgot_allowed(user: Row) -> None:
    if user["status"] != "ACTIVE":
        raise OktaError("Forgot password not allowed on specified user.", code="E0000034", status=403)


def forgot_password(state: TenantState, user_id: str, *, send_email: bool, base: str) -> dict[str, Any]:
    """A one-time reset link for an ACTIVE user (sendEmail=false returns it); status unchanged."""
    user = find_user(state, user_id)
    _forgot_allowed(user)
    token = state.ids.chars("forgot-token", 20, ALNUM)
    return {} if send_email else {"resetPasswordUrl": f"{base}/signin/reset-password/{token}"}


def _answer_matches(stored: Any, answer: str) -> bool:
    given = answer.strip().casefold()
    if isinstance(stored, dict):
        return check_password(stored, given)
    return isinstance(stored, str) and stored.strip().casefold() == given


def forgot_password_set(
    state: TenantState, user_id: str, body: dict[str, Any], *, actor_id: str | None
) -> Row:
    """Set a new password after checking the answer to the recovery question."""
    user = find_user(state, user_id)
    new = password_value(body, "password")
    question = body.get("recovery_question")
    answer = question.get("answer") if isinstance(question, dict) else None
    if not isinstance(answer, str) or not answer:
        raise validation("recovery_question", "recovery_question.answer: The field cannot be left blank")
    _forgot_allowed(user)
    stored = user["credentials"].get("recovery_question") or {}
    if not stored:
        raise OktaError("Forgot password not allowed on specified user.", code="E0000034", status=403)
    if not _answer_matches(stored.get("answer"), answer):
        raise OktaError(
            "The recovery question answer did not match our records.", code="E0000087", status=400
        )
    user = set_password(state, user, new, actor_id=actor_id)
    _updated(state, user, actor_id)
    return user


def change_recovery_question(
    state: TenantState, user_id: str, body: dict[str, Any], *, actor_id: str | None
) -> Row:
    """Replace the recovery question and answer after checking the current password."""
    user = find_user(state, user_id)
    password = password_value(body, "password")
    recovery = body.get("recovery_question")
    if not isinstance(recovery, dict):
        raise validation("recovery_question", "recovery_question: The field cannot be left blank")
    question, answer = recovery.get("question"), recovery.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise validation("recovery_question", "recovery_question.question: The field cannot be left blank")
    if not isinstance(answer, str) or len(answer.strip()) < 4:
        raise validation(
            "recovery_question",
            "recovery_question.answer: The security question answer must be at least 4 characters in length",
        )
    if user["status"] not in ("STAGED", "ACTIVE", "RECOVERY") or not has_password(user):
        raise status_not_allowed()
    if not verify_password(user, password):
        raise credentials_failed("password: The credentials provided were incorrect.")
    creds = {**user["credentials"], "recovery_question": {"question": question, "answer": answer}}
    return state["users"].update(user["id"], credentials=creds, last_updated=now_iso(state))
