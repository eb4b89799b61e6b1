"""The Events API on the kit's outbox: which app gets which event (`route`, by the subscriptions'
rules), the `event_callback` envelope, signing and Slack's retries; and the requests the twin makes
to an app and waits for (url_verification, interactivity, slash commands), recorded in the same
delivery journal (GET /_twin/slack/deliveries).

Each app gets its events in order; a failed delivery (non-2xx, timeout, connection error) is
retried up to three times with `X-Slack-Retry-Num`/`X-Slack-Retry-Reason`, unless the app answers
with `X-Slack-No-Retry`. The pauses (Slack: 1 and 5 minutes) are `TWINS_SLACK_RETRY_DELAYS`
(default 1, 5, 15 seconds), the time an attempt may take `TWINS_SLACK_EVENT_TIMEOUT`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import httpx

from twins._runtime.attempts import Attempted
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins._runtime.ids import UPPER_ALNUM, IdSource
from twins._runtime.tls import client_tls
from twins.kit.outbox import SLACK_RETRY, Delivery, Event, Outbox, SlackSignature
from twins.kit.twin import runtime_of
from twins.slack.call import EventList
from twins.slack.deliveries import DeliveryJournal
from twins.slack.envelopes import USER_AGENT, event_callback, signed_headers
from twins.slack.subscriptions import listening_apps, listens, wants, with_mentions

T = TypeVar("T")
KIND = "event_callback"
APP_HEADERS = {"User-Agent": USER_AGENT, "Accept": "*/*"}
JOURNAL_LIMIT = 10_000


def next_event_id(state: TenantState) -> str:
    """The workspace's next event id: the n-th is a function of (seed, workspace, n) alone, as
    Slack's are unique per event and delivery; n is a counter of the tenant's ids, so it is kept
    with the workspace, undone with a failed write and starts over on a reset."""
    n = state.ids.sequence("event")
    ids = IdSource(state.seed, {"event": n - 1}, scope=f"{state.id}:events")
    return "Ev" + ids.chars("event", 10, UPPER_ALNUM)


def route(state: TenantState, event: Event) -> list[Delivery]:
    """The deliveries of one event: one per verified, installed app that wants it."""
    out: list[Delivery] = []
    for app in listening_apps(state):
        if not wants(state, app, event.type, event.payload):
            continue
        event_id = next_event_id(state)
        payload = event_callback(state, app, event.type, event.payload, event_id)
        out.append(
            Delivery.json(
                app["id"],
                app["event_url"],
                payload,
                secret=app["signing_secret"],
                kind=KIND,
                event_id=event_id,
                headers=APP_HEADERS,
                fields={"app_id": app["id"], "event_type": event.type},
            )
        )
    return out


def make() -> Outbox:
    """The twin's outbox (the kit builds it when the twin starts), with the settings of the env."""
    retry = SLACK_RETRY
    if os.environ.get("TWINS_SLACK_EVENT_TIMEOUT"):
        retry = replace(retry, timeout=float(os.environ["TWINS_SLACK_EVENT_TIMEOUT"]))
    raw = os.environ.get("TWINS_SLACK_RETRY_DELAYS", "1,5,15").split(",")
    retry = replace(retry, delays=tuple(float(d) for d in raw if d.strip())[:3])
    return Outbox(route, SlackSignature(), retry, log=DeliveryJournal(JOURNAL_LIMIT), listens=listens)


def outbox_of(ctx: TwinContext) -> Outbox:
    outbox = runtime_of(ctx).outbox
    if outbox is None:
        raise LookupError("the Slack twin runs without its outbox")
    return outbox


def journal_of(ctx: TwinContext) -> DeliveryJournal:
    log = outbox_of(ctx).log
    assert isinstance(log, DeliveryJournal)
    return log


def set_delivery(ctx: TwinContext, timeout: float | None, delays: list[float] | None) -> dict[str, object]:
    """Change (or just read) the time an attempt may take and the pauses before retries."""
    outbox = outbox_of(ctx)
    if timeout is not None:
        outbox.retry = replace(outbox.retry, timeout=timeout)
    if delays is not None:
        outbox.retry = replace(outbox.retry, delays=tuple(max(0.0, d) for d in delays))
    return {"timeout": outbox.retry.timeout, "retry_delays": list(outbox.retry.delays)}


def watch(ctx: TwinContext, watcher: Callable[[str, EventList], None]) -> None:
    """Call `watcher(tenant, [(type, event), …])` with the events of every durable write."""
    outbox_of(ctx).watch(lambda tenant, events: watcher(tenant, [(e.type, e.payload) for e in events]))


def as_events(events: EventList) -> list[Event]:
    """Queued (type, event) pairs as the outbox's events, with the app mentions they imply."""
    return [Event(event_type, event) for event_type, event in with_mentions(events)]


async def write(ctx: TwinContext, tenant: str, fn: Callable[[TenantState, EventList], T]) -> T:
    """Run `fn(state, events)` as a committed write; the events it queues go out once it is durable."""

    def run(state: TenantState, out: list[Event]) -> T:
        events: EventList = []
        result = fn(state, events)
        out.extend(as_events(events))
        return result

    return await runtime_of(ctx).write(tenant, run)


async def publish(
    ctx: TwinContext, tenant: str, events: EventList, *, app_id: str | None = None
) -> list[Delivery]:
    """Send events that need no write of their own (only to `app_id`, when given)."""
    outbox = outbox_of(ctx)
    queued = as_events(events)

    def routed(state: TenantState) -> list[Delivery]:  # a write: event ids come from the tenant's ids
        return [d for d in outbox.route(state, queued) if app_id in (None, d.target)]

    deliveries = await ctx.store.run(tenant, routed)
    outbox.committed(tenant, queued, deliveries)
    return deliveries


async def send(
    ctx: TwinContext,
    tenant: str,
    app_id: str,
    kind: str,
    url: str,
    secret: str,
    body: bytes,
    content_type: str,
) -> Attempted:
    """One signed POST to an app that the twin waits for, recorded (final: never retried)."""
    state = ctx.store.get(tenant)
    timestamp = str(int(state.clock.now() if state is not None else time.time()))
    headers = signed_headers(secret, timestamp, body, content_type)
    journal = journal_of(ctx)
    record = journal.new_record(tenant, app_id, kind, url, headers, body, {}, None)
    started = time.monotonic()
    response: httpx.Response | None = None
    try:
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False, verify=client_tls()) as client:
            response = await client.post(
                url, content=body, headers=headers, timeout=outbox_of(ctx).retry.timeout
            )
    except httpx.TimeoutException:
        record["error"] = "http_timeout"
    except (httpx.HTTPError, OSError, ValueError) as exc:
        record["error"] = "connection_failed"
        record["detail"] = f"{type(exc).__name__}: {exc}"
    journal.answered(record, response, round((time.monotonic() - started) * 1000, 1))
    record["final"] = True
    return Attempted(record, response)
