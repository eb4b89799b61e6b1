"""The Events API dispatcher: routes committed events to subscribed apps, signs and POSTs them.

Each app gets its events in order from one worker task; a failed delivery (non-2xx, timeout,
connection error) is retried up to three times with `X-Slack-Retry-Num`/`X-Slack-Retry-Reason`,
as Slack does. Who receives what is in `subscriptions`, the envelope and signature in
`envelopes`, the record of every attempt in `deliveries`.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from twins._runtime.attempts import Attempted
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.ids import UPPER_ALNUM, IdSource
from twins.slack.deliveries import DeliveryJournal
from twins.slack.envelopes import JSON_CONTENT, dumps, event_callback, signed_headers
from twins.slack.subscriptions import listening_apps, route

KEY = "slack_events"


@dataclass
class DeliverySettings:
    """Timeout per attempt and the pause before each retry (Slack: now, 1 min, 5 min)."""

    timeout: float = 3.0
    retry_delays: tuple[float, ...] = (1.0, 5.0, 15.0)
    journal_limit: int = 10_000

    @classmethod
    def from_env(cls) -> DeliverySettings:
        settings = cls()
        if os.environ.get("TWINS_SLACK_EVENT_TIMEOUT"):
            settings.timeout = float(os.environ["TWINS_SLACK_EVENT_TIMEOUT"])
        if os.environ.get("TWINS_SLACK_RETRY_DELAYS"):
            raw = os.environ["TWINS_SLACK_RETRY_DELAYS"].split(",")
            settings.retry_delays = tuple(float(d) for d in raw if d.strip())[:3]
        return settings


@dataclass
class Job:
    """One event for one app, with everything needed to send it after the state moved on."""

    tenant: str
    app_id: str
    url: str
    secret: str
    event_id: str
    event_type: str
    payload: dict[str, Any]
    body: bytes = b""


Outcome = Attempted  # the answer of one attempt: the recorded attempt and the app's response


class EventDispatcher:
    """Put in `ctx.extras["events"]`; `publish` is called by the Web API after each commit."""

    def __init__(self, ctx: TwinContext, settings: DeliverySettings | None = None) -> None:
        self.ctx = ctx
        self.settings = settings or DeliverySettings()
        self.journal = DeliveryJournal(self.settings.journal_limit)
        self._ids: dict[str, IdSource] = {}
        self._queues: dict[tuple[str, str], deque[Job]] = {}
        self._workers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._lock = threading.Lock()

    # --- routing ----------------------------------------------------------------------------
    def publish(
        self, tenant_id: str, events: Iterable[tuple[str, dict[str, Any]]], *, app_id: str | None = None
    ) -> list[Job]:
        """Queue each event for every app subscribed to it (only `app_id` when given)."""
        state = self.ctx.store.get(tenant_id)
        if state is None:
            return []
        jobs = [self.job(state, app, t, e) for app, t, e in route(state, events, app_id=app_id)]
        for job in jobs:
            self._enqueue(job)
        return jobs

    def wants_events(self, state: TenantState) -> bool:
        """Whether any app of the workspace can receive events now (see `route`)."""
        return bool(listening_apps(state))

    def job(self, state: TenantState, app: Row, event_type: str, event: dict[str, Any]) -> Job:
        ids = self._ids.setdefault(state.id, IdSource(state.seed, scope=f"{state.id}:events"))
        event_id = "Ev" + ids.chars("event", 10, UPPER_ALNUM)
        payload = event_callback(state, app, event_type, event, event_id)
        body = dumps(payload).encode()
        return Job(
            state.id, app["id"], app["event_url"], app["signing_secret"], event_id, event_type, payload, body
        )

    # --- sending ----------------------------------------------------------------------------
    def _enqueue(self, job: Job) -> None:
        key = (job.tenant, job.app_id)
        with self._lock:
            self._queues.setdefault(key, deque()).append(job)
            worker = self._workers.get(key)
            if worker is not None and not worker.done() and not worker.get_loop().is_closed():
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self._workers[key] = loop.create_task(self._work(key))
                return
        asyncio.run(self._work(key))

    async def _work(self, key: tuple[str, str]) -> None:
        async with self.http_client() as client:
            while True:
                with self._lock:
                    queue = self._queues.get(key)
                    if not queue:
                        self._workers.pop(key, None)
                        return
                    job = queue.popleft()
                try:
                    await self._deliver(client, job)
                except Exception as exc:  # never let one event stop the app's queue
                    self.journal.crashed(job.event_id, exc)

    async def _deliver(self, client: httpx.AsyncClient, job: Job) -> None:
        reason: str | None = None
        delays = self.settings.retry_delays[:3]
        for attempt in range(len(delays) + 1):
            if attempt:
                await asyncio.sleep(delays[attempt - 1])
            outcome = await self.send(
                client,
                job.tenant,
                job.app_id,
                "event_callback",
                job.url,
                job.secret,
                job.body,
                JSON_CONTENT,
                retry=(attempt, reason) if attempt else None,
                extra={"event_id": job.event_id, "event_type": job.event_type},
            )
            no_retry = outcome.response is not None and outcome.response.headers.get("x-slack-no-retry")
            if outcome.ok or no_retry or attempt == len(delays):
                outcome.record["final"] = True
                return
            reason = outcome.record["error"]

    def http_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(trust_env=False, follow_redirects=False)

    def now(self, tenant: str) -> float:
        state = self.ctx.store.get(tenant)
        return state.clock.now() if state is not None else time.time()

    async def send(
        self,
        client: httpx.AsyncClient | None,
        tenant: str,
        app_id: str,
        kind: str,
        url: str,
        secret: str,
        body: bytes,
        content_type: str,
        *,
        retry: tuple[int, str | None] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Outcome:
        """One signed POST to an app, recorded; never raises for the app's failures."""
        timestamp = str(int(self.now(tenant)))
        headers = signed_headers(secret, timestamp, body, content_type, retry)
        record = self.journal.new_record(tenant, app_id, kind, url, headers, body, extra or {}, retry)
        started = time.monotonic()
        response: httpx.Response | None = None
        try:
            if client is None:
                async with self.http_client() as own:
                    response = await own.post(
                        url, content=body, headers=headers, timeout=self.settings.timeout
                    )
            else:
                response = await client.post(
                    url, content=body, headers=headers, timeout=self.settings.timeout
                )
        except httpx.TimeoutException:
            record["error"] = "http_timeout"
        except (httpx.HTTPError, OSError, ValueError) as exc:
            record["error"] = "connection_failed"
            record["detail"] = f"{type(exc).__name__}: {exc}"
        self.journal.answered(record, response, round((time.monotonic() - started) * 1000, 1))
        return Outcome(record, response)

    # --- queue state ------------------------------------------------------------------------
    def pending(self, tenant: str | None = None) -> int:
        """Events queued or being delivered (for callers that wait until the queue is idle)."""
        with self._lock:
            queued = sum(len(q) for k, q in self._queues.items() if tenant in (None, k[0]))
            running = sum(1 for k in self._workers if tenant in (None, k[0]))
        return queued + running

    def forget(self, tenant: str) -> None:
        """A reset tenant: its queued events are dropped, its workers cancelled, its delivery
        journal emptied and its event ids start over."""
        with self._lock:
            keys = [k for k in (*self._queues, *self._workers) if k[0] == tenant]
            workers = [w for k in keys if (w := self._workers.pop(k, None)) is not None]
            for key in keys:
                self._queues.pop(key, None)
            self._ids.pop(tenant, None)
        for task in workers:
            _cancel(task)
        self.journal.clear(tenant)

    def stop(self) -> None:
        """Cancel every worker; queued events are dropped."""
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
            self._queues.clear()
        for task in workers:
            _cancel(task)


def _cancel(task: asyncio.Task[None]) -> None:
    """Cancel a worker from any thread (at once when it runs on this thread's loop)."""
    loop = task.get_loop()
    if loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        task.cancel()
    else:
        loop.call_soon_threadsafe(task.cancel)


def install(ctx: TwinContext) -> EventDispatcher:
    """The context's dispatcher, created on first use; `ctx.extras["events"]` is what the Web API
    publishes to (left alone when something else, e.g. a test recorder, was put there)."""
    dispatcher = ctx.extras.get(KEY)
    if not isinstance(dispatcher, EventDispatcher):
        dispatcher = EventDispatcher(ctx, DeliverySettings.from_env())
        ctx.extras[KEY] = dispatcher
    ctx.extras.setdefault("events", dispatcher)
    return dispatcher


def uninstall(ctx: TwinContext) -> None:
    dispatcher = ctx.extras.pop(KEY, None)
    if ctx.extras.get("events") is dispatcher:
        del ctx.extras["events"]
    if isinstance(dispatcher, EventDispatcher):
        dispatcher.stop()
