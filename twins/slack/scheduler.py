"""Delivery of scheduled messages by the tenant clock: at the start of every Web API call on a
tenant, and by a background task that looks at every tenant twice a second."""

from __future__ import annotations

import asyncio
import logging

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.slack import outbox
from twins.slack.call import EventList
from twins.slack.methods.chat import post

POLL_SECONDS = 0.5
TASK_KEY = "slack_scheduler"

log = logging.getLogger("twins.slack.scheduler")


def has_due(state: TenantState) -> bool:
    """Whether a pending scheduled message has reached its time (cheap: no write)."""
    now = state.clock.now()
    return any(r["post_at"] <= now for r in state["scheduled"].where("state", "pending"))


def deliver_due(state: TenantState, sink: EventList) -> list[Row]:
    """Post every due scheduled message as its scheduler; the posted message rows, oldest first.

    Runs inside a store operation; the message events are appended to `sink`.
    """
    now = state.clock.now()
    due = [r for r in state["scheduled"].where("state", "pending") if r["post_at"] <= now]
    due.sort(key=lambda r: (r["post_at"], r["twin_seq"]))
    posted = []
    for row in due:
        chan = state["conversations"].get(row["channel"])
        if chan is None or chan["is_archived"]:
            # Slack drops a scheduled message whose conversation is gone or archived.
            state["scheduled"].update(row["id"], state="failed")
            continue
        posted.append(post(state, chan, dict(row["payload"]), sink, at=row["post_at"]))
        state["scheduled"].update(row["id"], state="sent")
    return posted


async def deliver(ctx: TwinContext, tenant_id: str) -> list[Row]:
    """Deliver a tenant's due messages in one committed operation, then publish their events."""
    state = ctx.store.get(tenant_id)
    if state is None or not has_due(state):
        return []
    try:
        return await outbox.write(ctx, tenant_id, deliver_due)
    except Exception:  # a failed delivery is undone; it must not fail the caller's own request
        log.exception("scheduled delivery failed for tenant %s", tenant_id)
        return []


async def run(ctx: TwinContext) -> None:
    """The background loop: every POLL_SECONDS, deliver what is due on each tenant."""
    while True:
        await asyncio.sleep(POLL_SECONDS)
        for tenant_id in list(ctx.store.tenants):
            try:
                await deliver(ctx, tenant_id)
            except Exception:  # e.g. the database is briefly unreachable: try again next round
                log.exception("scheduled delivery check failed for tenant %s", tenant_id)


def start(ctx: TwinContext) -> None:
    """Service `on_start` hook: run the delivery loop on the app's event loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    ctx.extras[TASK_KEY] = loop.create_task(run(ctx))


def stop(ctx: TwinContext) -> None:
    """Service `on_stop` hook."""
    task: asyncio.Task[None] | None = ctx.extras.pop(TASK_KEY, None)
    if task is not None:
        task.cancel()
