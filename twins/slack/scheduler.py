"""Delivery of scheduled messages by the tenant clock: at the start of every Web API call on a
tenant, and by a background task that looks at every tenant twice a second."""

from __future__ import annotations

import asyncio
import logging

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.kit.twin import runtime_of
from twins.slack import outbox
from twins.slack.call import EventList
from twins.slack.methods.chat import post

POLL_SECONDS = 0.5

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


class Scheduler:
    """The background delivery loop: an extension of the Slack twin (built when it starts), run
    by the service's `on_start` on the app's event loop and cancelled when the twin stops."""

    def __init__(self, ctx: TwinContext) -> None:
        self.ctx = ctx
        self.task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def begin(self) -> None:
        """Run the loop on the running event loop (none running: nothing to do)."""
        if self.running:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self.task = loop.create_task(run(self.ctx))

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None


def scheduler_of(ctx: TwinContext) -> Scheduler:
    """The running twin's scheduler (its extensions are built on first use)."""
    runtime = runtime_of(ctx)
    runtime.start()
    return runtime.extensions.get(Scheduler)


def start(ctx: TwinContext) -> None:
    """Service `on_start` hook: run the delivery loop on the app's event loop."""
    scheduler_of(ctx).begin()
