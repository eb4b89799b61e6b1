"""The Web API, `/api/{method}`, served by the kit: the methods' table (`methods.web_api`), token
auth with scopes, the error style, rate tiers as the kit's limits, the Events API outbox, and the
headers Slack puts on every answer."""

from __future__ import annotations

from collections.abc import Mapping

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins.kit import ready
from twins.kit.auth import Caller
from twins.kit.operations import Operation
from twins.kit.twin import Mount
from twins.slack import outbox, scheduler
from twins.slack.errors import STYLE
from twins.slack.methods import limits, load_all, web_api
from twins.slack.response_urls import Interactions
from twins.slack.scheduler import Scheduler


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


def mount() -> Mount:
    load_all()
    return Mount(
        style=STYLE,
        registries=[web_api],
        rpc_path="/api/{name}",
        encode=ready.dumps,  # rendered messages are spliced in as their ready JSON
        outbox=outbox.make,
        limits=limits(),
        answer_headers=answer_headers,
        before_call=post_due,
        rate_subject=rate_subject,
        extensions=[Interactions.build, Scheduler],
    )
