"""Event hook delivery: committed System Log events go, in order, to every ACTIVE and VERIFIED hook
subscribed to their type, in Okta's envelope; and the one-time verification call.

A background task looks at each tenant's System Log every `poll` seconds for rows it has not seen
(by `twin_seq`), waits until they are durable, and queues one request per hook and batch. Each hook
has its own worker, so requests to one hook keep their order and a slow hook holds up no other.
A request that times out (3 s), cannot connect or gets a 5xx is sent once more; a 4xx is final.
A delivery that still fails leaves an `event_hook.delivery` failure in the System Log. Every
attempt (events and verification) is kept in memory for GET /_twin/okta/hook-deliveries
(hooks_requests.py sends them and keeps that journal).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from dataclasses import dataclass

import httpx

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.ids import IdSource
from twins.okta.backend.eventhooks import receives, record_delivery_failure
from twins.okta.common import now_iso
from twins.okta.hooks_requests import (
    CHALLENGE_HEADER,
    USER_AGENT,
    AttemptJournal,
    Call,
    DeliverySettings,
    echoes,
    envelope,
    hook_headers,
)

__all__ = ["Call", "DeliverySettings", "HookDelivery", "envelope", "hook_headers", "install", "start", "stop"]

KEY = "okta_hooks"

log = logging.getLogger("twins.okta.hooks")


@dataclass
class Job:
    """One request to one hook, built when its events were found."""

    tenant: str
    hook_id: str
    url: str
    headers: dict[str, str]
    event_id: str
    event_types: list[str]
    uuids: list[str]
    body: bytes


@dataclass
class Cursor:
    """The last System Log row seen in one tenant's state object, and its `twin_seq`."""

    state: TenantState
    seq: int = 0
    last: Row | None = None

    def move(self, row: Row) -> None:
        if row["twin_seq"] > self.seq:
            self.seq, self.last = row["twin_seq"], row

    def continues(self, state: TenantState) -> bool:
        """A new state object with the same history (read back from the database), which keeps
        the place; a reset or restored one does not (ids repeat there, so rows are compared)."""
        if self.last is None:
            return False
        return state["log_events"].get(self.last["id"]) == self.last


class HookDelivery(AttemptJournal):
    """Put in `ctx.extras["okta_hooks"]` by `install`; the routes call `ensure_running`."""

    def __init__(self, ctx: TwinContext, settings: DeliverySettings | None = None) -> None:
        super().__init__(ctx, settings)
        self.base_urls: dict[str, str] = {}
        self._ids: dict[str, IdSource] = {}
        self._cursors: dict[str, Cursor] = {}
        self._queues: dict[tuple[str, str], deque[Job]] = {}
        self._workers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._poller: asyncio.Task[None] | None = None

    # --- life cycle -------------------------------------------------------------------------
    def ensure_running(self, state: TenantState | None = None) -> None:
        """Start the poller on the running loop unless it runs; start watching `state` now."""
        if state is not None:
            self.observe(state)
        poller = self._poller
        if poller is not None and not poller.done() and not poller.get_loop().is_closed():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._poller = loop.create_task(self._poll())

    def stop(self) -> None:
        """Cancel the poller and every worker; queued requests are dropped."""
        with self._lock:
            tasks = [t for t in (self._poller, *self._workers.values()) if t is not None]
            self._poller = None
            self._workers.clear()
            self._queues.clear()
        for task in tasks:
            loop = task.get_loop()
            if not loop.is_closed():
                loop.call_soon_threadsafe(task.cancel)

    def forget(self, tenant: str) -> None:
        """A reset tenant: its queued requests are dropped, its workers cancelled, its attempts
        forgotten and its delivery ids start over."""
        with self._lock:
            keys = [k for k in (*self._queues, *self._workers) if k[0] == tenant]
            tasks = [t for k in keys if (t := self._workers.pop(k, None)) is not None]
            for key in keys:
                self._queues.pop(key, None)
            self._ids.pop(tenant, None)
        for task in tasks:
            loop = task.get_loop()
            if not loop.is_closed():
                loop.call_soon_threadsafe(task.cancel)
        self.clear(tenant)

    def observe(self, state: TenantState) -> None:
        """Events of `state` already in its System Log are not delivered; later ones are.

        Called by the store for every tenant state put in place (so a reset or restored tenant is
        seen before anything is written to it), and on each scan.
        """
        cursor = self._cursors.get(state.id)
        if cursor is not None and cursor.state is not state and cursor.continues(state):
            cursor.state = state
        elif cursor is None or cursor.state is not state:
            top = max(state["log_events"].rows.values(), key=lambda r: r["twin_seq"], default=None)
            cursor = Cursor(state)
            if top is not None:
                cursor.move(top)
            self._cursors[state.id] = cursor

    # --- finding events ---------------------------------------------------------------------
    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.settings.poll)
            for tenant_id in list(self.ctx.store.tenants):
                try:
                    await self.scan(tenant_id)
                except Exception:  # e.g. the database is briefly away: look again next round
                    log.exception("event hook scan failed for tenant %s", tenant_id)

    async def scan(self, tenant_id: str) -> int:
        """Queue the tenant's new committed events for their hooks; the number of requests queued."""
        state = self.ctx.store.tenants.get(tenant_id)
        if state is None:
            self._cursors.pop(tenant_id, None)
            return 0
        self.observe(state)
        cursor = self._cursors[tenant_id]
        rows = _after(state, cursor.seq)
        if not rows:
            return 0
        hooks = [h for h in state["event_hooks"] if receives(h)]
        if not any(r["event_type"] in h["events"] for h in hooks for r in rows):
            cursor.move(rows[-1])
            return 0
        # Deliver only what is durable: wait for the writes queued so far, then check that the
        # rows are still those of the live state (a failed write reloads the tenant).
        try:
            await asyncio.wait_for(self.ctx.store.durable(), timeout=10)
        except TimeoutError:
            return 0
        if self.ctx.store.tenants.get(tenant_id) is not state:
            return 0  # reloaded meanwhile: look again in the new state
        cursor.move(rows[-1])
        rows = [r for r in rows if state["log_events"].get(r["id"]) is r]
        jobs = [job for hook in hooks for job in self.jobs_for(state, hook, rows)]
        for job in jobs:
            self._enqueue(job)
        return len(jobs)

    def jobs_for(self, state: TenantState, hook: Row, rows: list[Row]) -> list[Job]:
        events = [r["data"] for r in rows if r["event_type"] in hook["events"]]
        base = self.base_urls.get(state.id) or self.ctx.settings.public_url.rstrip("/")
        source = f"{base}/api/v1/eventHooks/{hook['id']}"
        ids = self._ids.setdefault(state.id, IdSource(state.seed, scope=f"{state.id}:event-hooks"))
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **hook_headers(hook),
        }
        jobs = []
        size = max(1, self.settings.batch)
        for start in range(0, len(events), size):
            chunk = events[start : start + size]
            event_id = ids.uuid("event-hook-delivery")
            body = envelope(source, event_id, now_iso(state), chunk)
            jobs.append(
                Job(
                    tenant=state.id,
                    hook_id=hook["id"],
                    url=hook["channel"]["config"]["uri"],
                    headers=dict(headers),
                    event_id=event_id,
                    event_types=[e["eventType"] for e in chunk],
                    uuids=[e["uuid"] for e in chunk],
                    body=json.dumps(body, separators=(",", ":")).encode(),
                )
            )
        return jobs

    # --- sending ----------------------------------------------------------------------------
    def _enqueue(self, job: Job) -> None:
        key = (job.tenant, job.hook_id)
        with self._lock:
            self._queues.setdefault(key, deque()).append(job)
            worker = self._workers.get(key)
            if worker is not None and not worker.done() and not worker.get_loop().is_closed():
                return
            self._workers[key] = asyncio.get_running_loop().create_task(self._work(key))

    async def _work(self, key: tuple[str, str]) -> None:
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            while True:
                with self._lock:
                    queue = self._queues.get(key)
                    if not queue:
                        self._queues.pop(key, None)
                        self._workers.pop(key, None)
                        return
                    job = queue.popleft()
                try:
                    await self.deliver(client, job)
                except Exception:  # one request must never stop the hook's queue
                    log.exception("event hook delivery crashed for hook %s", job.hook_id)

    async def deliver(self, client: httpx.AsyncClient, job: Job) -> bool:
        """POST one request, once more if it failed other than by a 4xx; log a final failure."""
        extra = {"event_id": job.event_id, "event_types": job.event_types, "uuids": job.uuids}
        call = Call(job.tenant, job.hook_id, "event", "POST", job.url, job.headers, job.body, extra)
        attempt = await self.send(client, call)
        if not attempt.final:
            attempt = await self.send(client, call, 1)
        attempt.record["final"] = True
        if not attempt.ok:
            reason = f"Hook execution failed: {attempt.record['error']}"
            if attempt.record["http_status"]:
                reason += f" (HTTP {attempt.record['http_status']})"
            with contextlib.suppress(Exception):
                await self.ctx.store.run(
                    job.tenant, lambda st: record_delivery_failure(st, job.hook_id, reason)
                )
        return attempt.ok

    async def verify(self, state: TenantState, hook: Row) -> bool:
        """The one-time verification GET: the hook must echo the challenge as {"verification": …}."""
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **hook_headers(hook),
        }
        url = hook["channel"]["config"]["uri"]
        challenge = secrets.token_urlsafe(30)
        sent = {**headers, CHALLENGE_HEADER: challenge}
        call = Call(state.id, hook["id"], "verification", "GET", url, sent)
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:
            for number in range(2):
                attempt = await self.send(client, call, number)
                if attempt.ok and not echoes(attempt.response, challenge):
                    attempt.record.update(status="failed", error="challenge_mismatch")
                if attempt.ok or attempt.record["error"] == "challenge_mismatch" or number == 1:
                    attempt.record["final"] = True
                    return attempt.ok
        return False

    def pending(self, tenant: str | None = None) -> int:
        """Requests queued or being sent."""
        with self._lock:
            queued = sum(len(q) for k, q in self._queues.items() if tenant in (None, k[0]))
            running = sum(1 for k in self._workers if tenant in (None, k[0]))
        return queued + running


def _after(state: TenantState, seq: int) -> list[Row]:
    """System Log rows newer than `seq`, oldest first (new rows are appended at the end)."""
    out = []
    for row in reversed(state["log_events"].rows.values()):
        if row["twin_seq"] <= seq:
            break
        out.append(row)
    out.reverse()
    return out


def install(ctx: TwinContext) -> HookDelivery:
    """The context's delivery worker, created on first use."""
    delivery = ctx.extras.get(KEY)
    if not isinstance(delivery, HookDelivery):
        delivery = HookDelivery(ctx, DeliverySettings.from_env())
        ctx.extras[KEY] = delivery
        ctx.store.tenants.watchers.append(delivery.observe)
        for state in list(ctx.store.tenants.values()):
            delivery.observe(state)
    return delivery


def start(ctx: TwinContext) -> None:
    """Service `on_start`: run the poller on the app's event loop."""
    install(ctx).ensure_running()


def stop(ctx: TwinContext) -> None:
    """Service `on_stop`."""
    delivery = ctx.extras.pop(KEY, None)
    if isinstance(delivery, HookDelivery):
        delivery.stop()
        if delivery.observe in ctx.store.tenants.watchers:
            ctx.store.tenants.watchers.remove(delivery.observe)
