"""POST /api/v1/users/{id}/lifecycle/*: bodyless status transitions (octet-stream, length 0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twins.kit import Call, Registry
from twins.kit.operations import Handler
from twins.okta import schemas
from twins.okta.backend import lifecycle
from twins.okta.kit import AUTH

SCOPE = "okta.users.manage"
ops = Registry(auth=AUTH, tags=("lifecycle",))
PREFIX = "/api/v1/users/{user_id}/lifecycle"


def transition(path: str) -> Callable[[Handler], Handler]:
    """A bodyless lifecycle POST that writes."""
    return ops.operation("POST", f"{PREFIX}/{path}", scope=SCOPE, write=True, body="none")


def _activation(call: Call, act: Callable[..., dict[str, Any]], send_email: bool) -> dict[str, Any]:
    """`act` (activate or reactivate), the activation link unless `sendEmail` (default `send_email`)."""
    return act(
        call.state,
        call.path["user_id"],
        send_email=call.args.flag("sendEmail", send_email),
        base=call.base_url,
        actor_id=call.caller.subject,
    )


def _plain(call: Call, act: Callable[..., Any]) -> dict[str, Any]:
    """`act` on the user; an empty answer."""
    act(call.state, call.path["user_id"], actor_id=call.caller.subject)
    return {}


@transition("activate")
def activate(call: Call) -> dict[str, Any]:
    """-> ACTIVE; the activation link unless `sendEmail` (default true)."""
    return _activation(call, lifecycle.activate, True)


@transition("reactivate")
def reactivate(call: Call) -> dict[str, Any]:
    return _activation(call, lifecycle.reactivate, False)


@transition("deactivate")
def deactivate(call: Call) -> dict[str, Any]:
    return _plain(call, lifecycle.deactivate)


@transition("suspend")
def suspend(call: Call) -> dict[str, Any]:
    return _plain(call, lifecycle.suspend)


@transition("unsuspend")
def unsuspend(call: Call) -> dict[str, Any]:
    return _plain(call, lifecycle.unsuspend)


@transition("unlock")
def unlock(call: Call) -> dict[str, Any]:
    return _plain(call, lifecycle.unlock)


@transition("reset_password")
def reset_password(call: Call) -> dict[str, Any]:
    return lifecycle.reset_password(
        call.state,
        call.path["user_id"],
        send_email=call.args.flag("sendEmail", True),
        revoke_sessions=call.args.flag("revokeSessions", False),
        base=call.base_url,
        actor_id=call.caller.subject,
    )


@transition("expire_password")
def expire_password(call: Call) -> dict[str, Any]:
    """The User, or {tempPassword} with `?tempPassword=true`."""
    temp = call.args.flag("tempPassword", False)
    row, password = lifecycle.expire_password(
        call.state, call.path["user_id"], temp=temp, actor_id=call.caller.subject
    )
    if password is not None:
        return {"tempPassword": password}
    return schemas.user(row, call.base_url)


@transition("expire_password_with_temp_password")
def expire_with_temp(call: Call) -> dict[str, Any]:
    _, password = lifecycle.expire_password(
        call.state,
        call.path["user_id"],
        temp=True,
        revoke_sessions=call.args.flag("revokeSessions", False),
        actor_id=call.caller.subject,
    )
    return {"tempPassword": password}
