"""POST /api/v1/users/{id}/credentials/*: change/forgot password and the recovery question."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.kit import Call, Registry
from twins.okta import schemas
from twins.okta.backend import credentials
from twins.okta.kit import AUTH

SCOPE = "okta.users.manage"
PREFIX = "/api/v1/users/{user_id}/credentials"
ops = Registry(auth=AUTH, tags=("credentials",))


def credentials_view(row: Row) -> dict[str, Any]:
    """UserCredentials as Okta returns them: no secrets, only the question."""
    view: dict[str, Any] = schemas.user(row, "")["credentials"]
    return view


@ops.operation("POST", f"{PREFIX}/change_password", scope=SCOPE, write=True)
def change_password(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = credentials.change_password(call.state, call.path["user_id"], body, actor_id=call.caller.subject)
    return credentials_view(row)


@ops.operation("POST", f"{PREFIX}/change_recovery_question", scope=SCOPE, write=True)
def change_recovery_question(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = credentials.change_recovery_question(
        call.state, call.path["user_id"], body, actor_id=call.caller.subject
    )
    return credentials_view(row)


@ops.operation("POST", f"{PREFIX}/forgot_password", scope=SCOPE, write=True)
def forgot_password(call: Call) -> dict[str, Any]:
    """Bodyless: a reset link. With {password, recovery_question}: set the password."""
    body, user_id = dict(call.body), call.path["user_id"]
    if "password" in body or "recovery_question" in body:
        row = credentials.forgot_password_set(call.state, user_id, body, actor_id=call.caller.subject)
        return credentials_view(row)
    send_email = call.args.flag("sendEmail", True)
    return credentials.forgot_password(call.state, user_id, send_email=send_email, base=call.base_url)


@ops.operation("POST", f"{PREFIX}/forgot_password_recovery_question", scope=SCOPE, write=True)
def forgot_password_recovery_question(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = credentials.forgot_password_set(
        call.state, call.path["user_id"], body, actor_id=call.caller.subject
    )
    return credentials_view(row)
