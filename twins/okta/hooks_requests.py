"""One request of the twin to an event hook: what it carries, how it is sent (never raising for the
hook's failures), and the in-memory journal of every attempt that GET /_twin/okta/hook-deliveries
shows. The delivery worker (hooks_delivery.py) builds on `AttemptJournal`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from twins._runtime.attempts import Attempted, AttemptLog
from twins._runtime.collection import Row
from twins._runtime.context import TwinContext
from twins.okta.common import now_iso

USER_AGENT = "Okta-Integrations"
CHALLENGE_HEADER = "X-Okta-Verification-Challenge"
BODY_LIMIT = 64_000


@dataclass
class DeliverySettings:
    """Per-attempt timeout, how often the System Log is looked at, events per request."""

    timeout: float = 3.0
    poll: float = 0.2
    batch: int = 50
    journal_limit: int = 10_000

    @classmethod
    def from_env(cls) -> DeliverySettings:
        settings = cls()
        if os.environ.get("TWINS_OKTA_HOOK_TIMEOUT"):
            settings.timeout = float(os.environ["TWINS_OKTA_HOOK_TIMEOUT"])
        return settings


@dataclass
class Call:
    """One request the twin makes to a hook (sent once, or twice with a retry)."""

    tenant: str
    hook_id: str
    kind: str  # "event" | "verification"
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)


class Attempt(Attempted):
    @property
    def final(self) -> bool:
        """No retry: delivered, or a 4xx from the hook."""
        status = self.response.status_code if self.response is not None else 0
        return self.ok or 400 <= status < 500


def hook_headers(hook: Row) -> dict[str, str]:
    """The hook's configured headers and its authorization header."""
    config = hook["channel"].get("config", {})
    headers = {h["key"]: h["value"] for h in config.get("headers", [])}
    auth = config.get("authScheme")
    if auth and auth.get("key"):
        headers[auth["key"]] = auth.get("value", "")
    return headers


def envelope(source: str, event_id: str, event_time: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Okta's event hook request body (CloudEvents 0.1 style)."""
    return {
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
        "source": source,
        "eventId": event_id,
        "eventTime": event_time,
        "contentType": "application/json",
        "data": {"events": events},
    }


def echoes(response: httpx.Response | None, challenge: str) -> bool:
    if response is None:
        return False
    with contextlib.suppress(ValueError):
        data = response.json()
        return isinstance(data, dict) and data.get("verification") == challenge
    return False


class AttemptJournal(AttemptLog):
    """Sends requests to hooks and keeps every attempt (up to `settings.journal_limit`)."""

    def __init__(self, ctx: TwinContext, settings: DeliverySettings | None = None) -> None:
        self.ctx = ctx
        self.settings = settings or DeliverySettings()
        super().__init__(self.settings.journal_limit)

    async def send(self, client: httpx.AsyncClient, call: Call, attempt: int = 0) -> Attempt:
        """One HTTP request to a hook, recorded; never raises for the hook's failures."""
        headers = {**call.headers, "X-Okta-Request-Id": secrets.token_urlsafe(18)}
        record = self._new_record(call, headers, attempt)
        started = time.monotonic()
        response: httpx.Response | None = None
        try:
            response = await client.request(
                call.method,
                call.url,
                content=call.body or None,
                headers=headers,
                timeout=self.settings.timeout,
            )
        except httpx.TimeoutException:
            record["error"] = "timeout"
        except (httpx.HTTPError, OSError, ValueError) as exc:
            record["error"] = "connection_failed"
            record["detail"] = f"{type(exc).__name__}: {exc}"
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        if response is not None:
            record["http_status"] = response.status_code
            record["response"] = {"headers": dict(response.headers), "body": response.text[:BODY_LIMIT]}
            if 200 <= response.status_code < 300:
                record["status"] = "delivered"
            else:
                record["error"] = "http_error"
        if record["status"] != "delivered":
            record["status"] = "failed"
        return Attempt(record, response)

    def _new_record(self, call: Call, headers: dict[str, str], attempt: int) -> dict[str, Any]:
        seq = self.next_id()
        state = self.ctx.store.tenants.get(call.tenant)
        sent_at = now_iso(state) if state is not None else None
        text = call.body.decode("utf-8", "replace")
        payload: Any = None
        with contextlib.suppress(ValueError, RecursionError):
            payload = json.loads(text) if text else None
        record: dict[str, Any] = {
            "id": seq,
            "tenant": call.tenant,
            "hook_id": call.hook_id,
            "kind": call.kind,
            "event_id": None,
            "event_types": [],
            "uuids": [],
            "method": call.method,
            "url": call.url,
            "attempt": attempt,
            **self.pending_fields(sent_at, headers, text, payload, BODY_LIMIT),
            **call.extra,
        }
        self.records.append(record)
        return record

    def deliveries(
        self,
        tenant: str,
        *,
        hook_id: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        after: int = 0,
    ) -> list[dict[str, Any]]:
        """Recorded attempts of a tenant, oldest first, filtered."""
        return self.matching(tenant, after, hook_id=hook_id, kind=kind, status=status)
