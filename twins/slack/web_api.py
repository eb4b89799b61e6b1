"""What the Web API (`/api/{method}`, served by the twin's `Kit` in `twins/slack/service.py`) needs
beyond its methods' table (`methods.web_api`): the headers Slack puts on every answer, scheduled
messages posted before a call reads the workspace, and whose rate windows a call counts in."""

from __future__ import annotations

from collections.abc import Mapping

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins.kit.auth import Caller
from twins.kit.operations import Operation
from twins.slack import scheduler


def answer_headers(op: Operation, caller: Caller | None) -> Mapping[str, str]:
    """The scopes the caller's token has and those the method accepts, on every answer."""
    token = caller.token if caller is not None and caller.kind == "token" else None
    granted = token["scopes"] if token is not None else []
    accepted = (op.scope,) if isinstance(op.scope, str) else (op.scope or ())
    return {"X-OAuth-Scopes": ",".join(granted), "X-Accepted-OAuth-Scopes": ",".join(accepted)}


async def post_due(ctx: TwinContext, state: TenantState) -> TenantState:
    """Scheduled messages whose time has come are posted before a call reads the workspace."""
    if not scheduler.has_due(state):
        return state
    await scheduler.deliver(ctx, state.id)
    return ctx.store.get(state.id) or state


def rate_subject(caller: Caller) -> str:
    """Slack counts calls per app (its bot and user tokens together), else per token."""
    token = caller.token if caller.kind == "token" else None
    return str(token["app_id"] or token["id"]) if token is not None else "anon"
