"""The Events API dispatcher: routes committed events to subscribed apps, signs and POSTs them.

Each app gets its events in order from one worker task; a failed delivery (non-2xx, timeout,
connection error) is retried up to three times with `X-Slack-Retry-Num`/`X-Slack-Retry-Reason`,
as Slack does. Every HTTP attempt the twin makes towards an app (events, url_verification,
interactivity, slash commands) is recorded in a bounded in-memory list.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.ids import ALNUM, UPPER_ALNUM, IdSource

KEY = "slack_events"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
JSON_CONTENT = "application/json"
FORM_CONTENT = "application/x-www-form-urlencoded"
BODY_LIMIT = 64_000
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# channel_type of a message event -> the subscription that carries it.
MESSAGE_SUBSCRIPTION = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}
CHANNEL_TYPE = {"public": "channel", "private": "group", "im": "im", "mpim": "mpim"}
# Events about public channels every subscribed app receives, member or not.
WORKSPACE_WIDE = frozenset(
    {
        "channel_created",
        "channel_deleted",
        "channel_rename",
        "channel_archive",
        "channel_unarchive",
        "channel_id_changed",
        "channel_shared",
        "channel_unshared",
    }
)
LEFT = frozenset({"member_left_channel", "channel_left", "group_left"})
# Message subtypes that mention an app the way a new message does.
MENTIONING = (None, "thread_broadcast", "file_share", "bot_message", "me_message")


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


@dataclass
class Outcome:
    """The answer of one attempt: the recorded attempt and the app's response, if any."""

    record: dict[str, Any]
    response: httpx.Response | None = None

    @property
    def ok(self) -> bool:
        return bool(self.record["status"] == "delivered")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's request signature: v0=HMAC-SHA256(signing secret, "v0:{ts}:{body}")."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verification_token(app: Row) -> str:
    """The app's (deprecated) verification token, derived from its signing secret."""
    digest = hmac.new(app["signing_secret"].encode(), b"verification_token", hashlib.sha256).digest()
    value = int.from_bytes(digest, "big")
    out = []
    for _ in range(24):
        value, rem = divmod(value, len(ALNUM))
        out.append(ALNUM[rem])
    return "".join(out)


def echoed(response: httpx.Response, challenge: str) -> bool:
    """The app answered the challenge: as JSON {"challenge": …}, as plain text, or form-encoded."""
    text = response.text.strip()
    if text == challenge:
        return True
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        if isinstance(data, dict) and data.get("challenge") == challenge:
            return True
    return dict(parse_qsl(text)).get("challenge") == challenge


def team_id(state: TenantState) -> str:
    return str(state.meta.get("team", {}).get("id", ""))


def channel_of(event: dict[str, Any]) -> str | None:
    """The conversation an event is about, wherever that event type keeps it."""
    chan = event.get("channel")
    if isinstance(chan, dict):
        chan = chan.get("id")
    if not chan:
        chan = event.get("channel_id")
    if not chan and isinstance(event.get("item"), dict):
        chan = event["item"].get("channel")
    return chan if isinstance(chan, str) and chan else None


def mentions(text: Any) -> set[str]:
    return set(MENTION.findall(text)) if isinstance(text, str) else set()


def installed(state: TenantState, app: Row) -> bool:
    """The app has a live bot token in the workspace."""
    return any(
        t["kind"] == "bot" and t["app_id"] == app["id"] and not t["revoked"]
        for t in state["tokens"].where("user_id", app["bot_user_id"])
    )


def subscription(state: TenantState, event_type: str, event: dict[str, Any]) -> str | None:
    """The event subscription that carries this event (message -> message.channels etc.)."""
    if event_type != "message":
        return event_type
    kind = event.get("channel_type")
    if not kind:
        conv = state["conversations"].get(channel_of(event) or "")
        kind = CHANNEL_TYPE.get(conv["kind"]) if conv else None
    return MESSAGE_SUBSCRIPTION.get(str(kind)) if kind else None


def can_receive(state: TenantState, app: Row, event_type: str, event: dict[str, Any]) -> bool:
    """Slack's visibility rule: the bot must be in the conversation, bar workspace-wide events."""
    chan_id = channel_of(event)
    if chan_id is None:
        return True
    conv = state["conversations"].get(chan_id)
    if conv is None:
        return event_type in WORKSPACE_WIDE
    if event_type in WORKSPACE_WIDE and conv["kind"] == "public":
        return True
    bot = app["bot_user_id"]
    return bot in conv["members"] or (event_type in LEFT and event.get("user") == bot)


def with_mentions(events: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The events plus an `app_mention` for each new message that mentions someone else, unless
    the method that posted it emitted one already."""
    events = list(events)
    emitted = {(channel_of(e), e.get("ts")) for t, e in events if t == "app_mention"}
    out: list[tuple[str, dict[str, Any]]] = []
    for event_type, event in events:
        out.append((event_type, event))
        if event_type != "message" or event.get("subtype") not in MENTIONING or event.get("hidden"):
            continue
        if not mentions(event.get("text")) - {event.get("user")}:
            continue
        if (channel_of(event), event.get("ts")) in emitted:
            continue
        mention = {k: v for k, v in event.items() if k not in ("channel_type", "subtype", "type")}
        out.append(("app_mention", {"type": "app_mention", **mention}))
    return out


class EventDispatcher:
    """Put in `ctx.extras["events"]`; `publish` is called by the Web API after each commit."""

    def __init__(self, ctx: TwinContext, settings: DeliverySettings | None = None) -> None:
        self.ctx = ctx
        self.settings = settings or DeliverySettings()
        self.records: deque[dict[str, Any]] = deque(maxlen=self.settings.journal_limit)
        self._seq = 0
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
        apps = [
            a
            for a in state["apps"]
            if a["event_url"] and a["url_verified"] and (app_id is None or a["id"] == app_id)
        ]
        apps = [a for a in apps if installed(state, a)]
        jobs = []
        for event_type, event in with_mentions(events):
            for app in apps:
                if self.wants(state, app, event_type, event):
                    jobs.append(self.job(state, app, event_type, event))
        for job in jobs:
            self._enqueue(job)
        return jobs

    def wants(self, state: TenantState, app: Row, event_type: str, event: dict[str, Any]) -> bool:
        sub = subscription(state, event_type, event)
        if sub is None or sub not in app["event_types"]:
            return False
        bot = app["bot_user_id"]
        if event_type == "app_mention" and (
            bot not in mentions(event.get("text")) or event.get("user") == bot
        ):
            return False
        return can_receive(state, app, event_type, event)

    def job(self, state: TenantState, app: Row, event_type: str, event: dict[str, Any]) -> Job:
        now = state.clock.now()
        event = dict(event)
        event.setdefault("type", event_type)
        event.setdefault("event_ts", event.get("ts") or f"{now:.6f}")
        ids = self._ids.setdefault(state.id, IdSource(state.seed, scope=f"{state.id}:events"))
        event_id = "Ev" + ids.chars("event", 10, UPPER_ALNUM)
        team = team_id(state)
        context = {"et": event_type, "tid": team, "aid": app["id"]}
        if channel_of(event):
            context["cid"] = str(channel_of(event))
        encoded = base64.urlsafe_b64encode(json.dumps(context, separators=(",", ":")).encode())
        payload = {
            "token": verification_token(app),
            "team_id": team,
            "context_team_id": team,
            "context_enterprise_id": None,
            "api_app_id": app["id"],
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": app["bot_user_id"],
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + encoded.decode().rstrip("="),
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
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
                    self._record_crash(job, exc)

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
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "Accept": "*/*",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body),
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry[0])
            headers["X-Slack-Retry-Reason"] = retry[1] or "unknown_error"
        record = self._new_record(tenant, app_id, kind, url, headers, body, extra or {}, retry)
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
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        if response is not None:
            record["http_status"] = response.status_code
            record["response"] = {
                "headers": dict(response.headers),
                "body": response.text[:BODY_LIMIT],
            }
            if 200 <= response.status_code < 300:
                record["status"] = "delivered"
            else:
                record["error"] = "http_error"
        if record["status"] != "delivered":
            record["status"] = "failed"
        return Outcome(record, response)

    async def verify_url(self, state: TenantState, app: Row) -> dict[str, Any]:
        """Slack's url_verification handshake: the app must echo the challenge."""
        challenge = secrets.token_urlsafe(39)
        payload = {"token": verification_token(app), "challenge": challenge, "type": "url_verification"}
        body = json.dumps(payload, separators=(",", ":")).encode()
        outcome = await self.send(
            None,
            state.id,
            app["id"],
            "url_verification",
            app["event_url"],
            app["signing_secret"],
            body,
            JSON_CONTENT,
        )
        outcome.record["final"] = True
        verified = outcome.ok and outcome.response is not None and echoed(outcome.response, challenge)
        error = outcome.record["error"] or (None if verified else "challenge_mismatch")
        return {
            "verified": verified,
            "error": error,
            "http_status": outcome.record["http_status"],
            "delivery_id": outcome.record["id"],
        }

    # --- journal ----------------------------------------------------------------------------
    def _new_record(
        self,
        tenant: str,
        app_id: str,
        kind: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        extra: dict[str, Any],
        retry: tuple[int, str | None] | None,
    ) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            seq = self._seq
        text = body.decode("utf-8", "replace")
        payload: Any = dict(parse_qsl(text)) if headers["Content-Type"] == FORM_CONTENT else None
        with contextlib.suppress(ValueError):
            if headers["Content-Type"] == JSON_CONTENT:
                payload = json.loads(text)
            elif "payload" in payload:
                payload = json.loads(payload["payload"])  # interactivity: payload=<json>
        record: dict[str, Any] = {
            "id": seq,
            "tenant": tenant,
            "app_id": app_id,
            "kind": kind,
            "event_id": None,
            "event_type": None,
            "url": url,
            "attempt": retry[0] if retry else 0,
            "retry_reason": retry[1] if retry else None,
            "status": "pending",
            "final": False,
            "http_status": None,
            "error": None,
            "sent_at": float(headers["X-Slack-Request-Timestamp"]),
            "duration_ms": None,
            "request": {"headers": headers, "body": text[:BODY_LIMIT]},
            "payload": payload,
            "response": None,
            **extra,
        }
        self.records.append(record)
        return record

    def _record_crash(self, job: Job, exc: Exception) -> None:
        for record in reversed(self.records):
            if record.get("event_id") == job.event_id:
                record.update(status="failed", final=True, error="unknown_error", detail=repr(exc))
                return

    def deliveries(
        self,
        tenant: str,
        *,
        app_id: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        event_type: str | None = None,
        after: int = 0,
    ) -> list[dict[str, Any]]:
        """Recorded attempts of a tenant, oldest first, filtered."""
        return [
            dict(r)
            for r in list(self.records)
            if r["tenant"] == tenant
            and r["id"] > after
            and (app_id is None or r["app_id"] == app_id)
            and (status is None or r["status"] == status)
            and (kind is None or r["kind"] == kind)
            and (event_type is None or r.get("event_type") == event_type)
        ]

    def clear(self, tenant: str) -> int:
        with self._lock:
            kept = [r for r in self.records if r["tenant"] != tenant]
            removed = len(self.records) - len(kept)
            self.records.clear()
            self.records.extend(kept)
        return removed

    def pending(self, tenant: str | None = None) -> int:
        """Events queued or being delivered (for callers that wait until the queue is idle)."""
        with self._lock:
            queued = sum(len(q) for k, q in self._queues.items() if tenant in (None, k[0]))
            running = sum(1 for k in self._workers if tenant in (None, k[0]))
        return queued + running

    def stop(self) -> None:
        """Cancel every worker; queued events are dropped."""
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
            self._queues.clear()
        for task in workers:
            loop = task.get_loop()
            if not loop.is_closed():
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
