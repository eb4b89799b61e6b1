"""The outbox: outbound deliveries (Slack events, Okta event hooks, Jira webhooks), signed,
retried on the vendor's schedule, each attempt kept in a log the admin API shows.

A handler emits events (`call.emit(type, payload)`; code below it that holds only the state emits
through `twins.kit.call.writing()`); the twin's router turns each into the
deliveries its subscribers get (pure on the tenant state, so a JQL filter or an event-type list
is checked there), and the runtime hands them to the outbox only after the call's writes are
durable. Each target has its own queue and worker, so one target's deliveries keep their order and
a slow target holds up no other. An attempt is final on a 2xx, on a status the schedule does not
retry, or when the schedule runs out; a final failure may leave a record in the tenant state
(`Outbox(failed=…)`: Okta's `event_hook.delivery` System Log event).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx

from twins._runtime.attempts import AttemptLog
from twins._runtime.collection import TenantState
from twins._runtime.settings import Settings
from twins._runtime.tls import client_tls

T = TypeVar("T")
log = logging.getLogger("twins.kit.outbox")
BODY_LIMIT = 64_000


@dataclass(frozen=True)
class Event:
    """What a handler emits: a vendor event type and its payload."""

    type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    """One request to make: to `url` for the subscriber `target`, signed with `secret`."""

    target: str
    url: str
    body: bytes
    secret: str = ""
    kind: str = "event"
    event_id: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)  # more of the attempt log's record

    @classmethod
    def json(cls, target: str, url: str, payload: Any, **kw: Any) -> Delivery:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(
            target, url, body, headers={"Content-Type": "application/json", **kw.pop("headers", {})}, **kw
        )


Router = Callable[[TenantState, Event], list[Delivery]]
Watcher = Callable[[str, list[Event]], None]
TenantClock = Callable[[str], float]  # the time now for a tenant id
# Whether any subscriber of the tenant could receive an event of a type (cheap: no event built).
Listens = Callable[[TenantState, str], bool]
# A write that records a delivery's final failure in the tenant state: (state, delivery, its last
# attempt's record).
Failed = Callable[[TenantState, "Delivery", dict[str, Any]], None]


class Store(Protocol):
    async def run(self, tenant_id: str, fn: Callable[[TenantState], T]) -> T: ...


class Signer(Protocol):
    def sign(self, body: bytes, secret: str, timestamp: int) -> dict[str, str]: ...


@dataclass(frozen=True)
class SlackSignature:
    """Slack: `X-Slack-Signature: v0=hmac_sha256(secret, "v0:{ts}:{body}")` and the timestamp."""

    def sign(self, body: bytes, secret: str, timestamp: int) -> dict[str, str]:
        base = f"v0:{timestamp}:".encode() + body
        digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": str(timestamp)}


@dataclass(frozen=True)
class HubSignature:
    """Jira (and most webhooks): `X-Hub-Signature: sha256=hmac_sha256(secret, body)`."""

    header: str = "X-Hub-Signature"

    def sign(self, body: bytes, secret: str, timestamp: int) -> dict[str, str]:
        if not secret:
            return {}
        return {self.header: "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def no_retry_headers(attempt: int, reason: str) -> dict[str, str]:
    return {}


def slack_retry_headers(attempt: int, reason: str) -> dict[str, str]:
    return {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}


@dataclass(frozen=True)
class Retry:
    """The vendor's schedule: the pause before each retry, the time an attempt may take, and which
    answers are final (a 2xx always is; so is any 4xx but those of `retry_statuses`)."""

    delays: tuple[float, ...]
    timeout: float = 3.0
    retry_headers: Callable[[int, str], dict[str, str]] = no_retry_headers
    decline_header: str | None = None  # a receiver's answer with it is final (X-Slack-No-Retry)
    timeout_error: str = "timeout"  # the attempt log's error (and retry reason) of a timeout
    retry_statuses: tuple[int, ...] = (408, 429)  # the 4xx answers retried

    def retries(self, status: int | None) -> bool:
        return status is None or status >= 500 or status in self.retry_statuses


SLACK_RETRY = Retry(  # now, after 1 min and 5 min
    (60.0, 300.0),
    timeout=3.0,
    retry_headers=slack_retry_headers,
    decline_header="X-Slack-No-Retry",
    timeout_error="http_timeout",
)
# One retry, at once, after a timeout, a failed connection or a 5xx; every 4xx is final.
OKTA_RETRY = Retry((0.0,), timeout=3.0, retry_statuses=())
JIRA_RETRY = Retry((10.0, 30.0, 90.0), timeout=10.0)


class Outbox:
    """Queues, workers and the attempt log of one twin's outbound deliveries."""

    def __init__(
        self,
        router: Router,
        signer: Signer,
        retry: Retry,
        *,
        limit: int = 1000,
        time_scale: float = 1.0,
        clock: TenantClock | None = None,
        log: AttemptLog | None = None,
        listens: Listens | None = None,
        failed: Failed | None = None,
    ) -> None:
        self.router = router
        self.failed = failed
        self.store: Store | None = None  # the twin's store (the kit's runtime gives it)
        self.settings: Settings | None = None  # the twin's settings, its public URL (likewise)
        self.listens = listens
        self.signer = signer
        self.retry = retry
        self.time_scale = time_scale
        # A tenant's time, which signs each attempt and stamps its log record: the tenant clock
        # (frozen or advanced through the admin API; the kit's runtime gives it), else wall time.
        self.clock = clock
        self.log = log if log is not None else AttemptLog(limit)
        self.watchers: list[Watcher] = []  # told of every durable event, delivered or not
        self._queues: dict[tuple[str, str], deque[Delivery]] = {}
        self._workers: dict[tuple[str, str], asyncio.Task[None]] = {}

    def route(self, state: TenantState, events: list[Event]) -> list[Delivery]:
        """The deliveries of `events` (inside the write, on its state)."""
        return [d for event in events for d in self.router(state, event)]

    def now(self, tenant: str) -> float:
        """The time of `tenant` now (its clock, when the outbox was given the tenants' clocks)."""
        return time.time() if self.clock is None else self.clock(tenant)

    def wants(self, state: TenantState, event_type: str) -> bool:
        """Whether an event of `event_type` would reach anyone (a subscriber, or a watcher, which
        sees every event): when not, the kit need not build it."""
        return bool(self.watchers) or self.listens is None or self.listens(state, event_type)

    def watch(self, watcher: Watcher) -> None:
        """Call `watcher(tenant, events)` with the events of each durable write (tests, tools)."""
        self.watchers.append(watcher)

    def unwatch(self, watcher: Watcher) -> None:
        """Stop telling `watcher` (a test's recorder, at the end of the test)."""
        if watcher in self.watchers:
            self.watchers.remove(watcher)

    def committed(self, tenant: str, events: list[Event], deliveries: list[Delivery]) -> None:
        """A write is durable: tell the watchers of its events, queue its deliveries."""
        if events:
            for watcher in self.watchers:
                watcher(tenant, list(events))
        if deliveries:
            self.enqueue(tenant, list(deliveries))

    def enqueue(self, tenant: str, deliveries: list[Delivery]) -> None:
        """Queue durable deliveries; a worker per (tenant, target) sends them in order."""
        for delivery in deliveries:
            key = (tenant, delivery.target)
            self._queues.setdefault(key, deque()).append(delivery)
            worker = self._workers.get(key)
            if worker is None or worker.done():
                self._workers[key] = asyncio.get_running_loop().create_task(self._work(key))

    def forget(self, tenant: str) -> None:
        """Drop a tenant's queued deliveries and its attempt log (a reset tenant is a fresh one)."""
        for key in [k for k in self._workers if k[0] == tenant]:
            self._workers.pop(key).cancel()
        for key in [k for k in self._queues if k[0] == tenant]:
            del self._queues[key]
        self.log.clear(tenant)

    def pending(self, tenant: str | None = None) -> int:
        """Deliveries queued or being sent."""
        queued = sum(len(q) for k, q in self._queues.items() if tenant in (None, k[0]))
        return queued + sum(1 for k in self._workers if tenant in (None, k[0]))

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until nothing is queued or being sent (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._workers and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    def close(self) -> None:
        """Cancel every worker; queued deliveries are dropped."""
        for task in self._workers.values():
            if not task.get_loop().is_closed():
                task.get_loop().call_soon_threadsafe(task.cancel)
        self._workers.clear()
        self._queues.clear()

    async def _work(self, key: tuple[str, str]) -> None:
        async with httpx.AsyncClient(trust_env=False, follow_redirects=False, verify=client_tls()) as client:
            while True:
                queue = self._queues.get(key)
                if not queue:
                    self._queues.pop(key, None)
                    self._workers.pop(key, None)
                    return
                delivery = queue.popleft()
                try:
                    await self.deliver(client, key[0], delivery)
                except Exception:  # one delivery must never stop the target's queue
                    log.exception("delivery to %s crashed", delivery.url)

    async def deliver(self, client: httpx.AsyncClient, tenant: str, delivery: Delivery) -> bool:
        """Send one delivery, retrying on the schedule; True once a 2xx came back."""
        reason = ""
        for attempt, delay in enumerate((0.0, *self.retry.delays)):
            if delay:
                await asyncio.sleep(delay * self.time_scale)
            record = self._attempt(client, tenant, delivery, attempt, reason)
            status = await self._send(client, delivery, record, attempt, reason)
            last = attempt == len(self.retry.delays)
            declined = self._declined(record)
            if record["status"] == "delivered" or not self.retry.retries(status) or declined or last:
                record["final"] = True
                if record["status"] != "delivered":
                    await self._record_failure(tenant, delivery, record)
                return bool(record["status"] == "delivered")
            reason = str(record.get("error") or "http_error")
        return False

    async def _record_failure(self, tenant: str, delivery: Delivery, record: dict[str, Any]) -> None:
        failed, store = self.failed, self.store
        if failed is None or store is None:
            return
        try:
            await store.run(tenant, lambda state: failed(state, delivery, record))
        except Exception:  # the tenant is gone or the database away: the attempt log has it
            log.exception("recording the failed delivery to %s failed", delivery.url)

    def _declined(self, record: dict[str, Any]) -> bool:
        name = self.retry.decline_header
        response = record.get("response") or {}
        if name is None or not response:
            return False
        return name.lower() in {key.lower() for key in response.get("headers") or {}}

    def _attempt(
        self, client: httpx.AsyncClient, tenant: str, delivery: Delivery, attempt: int, reason: str
    ) -> dict[str, Any]:
        now = int(self.now(tenant))
        headers = {
            **delivery.headers,
            **self.signer.sign(delivery.body, delivery.secret, now),
            **(self.retry.retry_headers(attempt, reason) if attempt else {}),
        }
        text = delivery.body.decode("utf-8", "replace")
        payload: Any = None
        with contextlib.suppress(ValueError):
            payload = json.loads(text)
        record: dict[str, Any] = {
            "id": self.log.next_id(),
            "tenant": tenant,
            "target": delivery.target,
            "kind": delivery.kind,
            "event_id": delivery.event_id,
            "url": delivery.url,
            "attempt": attempt,
            "retry_reason": reason or None,
            **self.log.pending_fields(now, headers, text, payload, BODY_LIMIT),
            **delivery.fields,
        }
        self.log.records.append(record)
        return record

    async def _send(
        self, client: httpx.AsyncClient, delivery: Delivery, record: dict[str, Any], attempt: int, reason: str
    ) -> int | None:
        started = time.monotonic()
        headers = record["request"]["headers"]
        try:
            response = await client.post(
                delivery.url, content=delivery.body, headers=headers, timeout=self.retry.timeout
            )
        except httpx.TimeoutException:
            record.update(status="failed", error=self.retry.timeout_error)
            return None
        except (httpx.HTTPError, OSError, ValueError) as exc:  # ValueError: a URL httpx refuses
            record.update(status="failed", error="connection_failed", detail=f"{type(exc).__name__}: {exc}")
            return None
        finally:
            record["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
        record["http_status"] = response.status_code
        record["response"] = {"headers": dict(response.headers), "body": response.text[:BODY_LIMIT]}
        ok = 200 <= response.status_code < 300
        record.update(status="delivered" if ok else "failed", error=None if ok else "http_error")
        return response.status_code
