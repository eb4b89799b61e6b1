"""Event hooks on the kit's outbox: which hook gets which System Log event (`HookRouter`), Okta's
envelope and headers, Okta's retry, the failure the System Log keeps, and the one-time
verification request.

Every System Log event an operation writes is emitted through the kit (`logs.emit` emits into the
operation running, `twins.kit.call.writing()`); it goes, once the write is durable, to every ACTIVE
and VERIFIED hook subscribed to its type, one request per event and hook, each hook's in order.
A request that times out (3 s, `TWINS_OKTA_HOOK_TIMEOUT`), cannot connect or gets a 5xx is sent
once more at once; a 4xx is final. A delivery that still fails leaves an `event_hook.delivery`
failure in the System Log. Writes outside operations (seeding, a plain `store.run`) emit nothing;
admin actions that change the org write through `runtime_of(ctx).write`, as operations do.

Every attempt (events and verifications) is in the outbox's attempt log: GET
/_twin/okta/hook-deliveries (and /_twin/okta/outbox).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import replace
from typing import Any

import httpx

from twins._runtime.attempts import Attempted, AttemptLog
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.tls import client_tls
from twins.kit import OKTA_RETRY, Call, Delivery, Event, Outbox, runtime_of
from twins.okta.backend.eventhooks import receives, record_delivery_failure
from twins.okta.common import now_iso

USER_AGENT = "Okta-Integrations"
CHALLENGE_HEADER = "X-Okta-Verification-Challenge"
JOURNAL_LIMIT = 10_000
BODY_LIMIT = 64_000


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


class RequestId:
    """Okta's "signature": no HMAC (the hook's own header carries its secret), a new
    X-Okta-Request-Id on every attempt."""

    def sign(self, body: bytes, secret: str, timestamp: int) -> dict[str, str]:
        return {"X-Okta-Request-Id": secrets.token_urlsafe(18)}


class HookRouter:
    """The deliveries of one System Log event: one per hook that receives it. `source` names the
    hook at the org URL its management calls used (else the twin's public URL)."""

    def __init__(self) -> None:
        self.base_urls: dict[str, str] = {}
        self.outbox: Outbox | None = None  # whose settings give the twin's public URL

    def base(self, tenant: str) -> str:
        settings = self.outbox.settings if self.outbox is not None else None
        public = settings.public_url if settings is not None else ""
        return (self.base_urls.get(tenant) or public).rstrip("/")

    def listens(self, state: TenantState, event_type: str) -> bool:
        return any(receives(h) and event_type in h["events"] for h in state["event_hooks"])

    def __call__(self, state: TenantState, event: Event) -> list[Delivery]:
        out = []
        for hook in state["event_hooks"]:
            if not receives(hook) or event.type not in hook["events"]:
                continue
            event_id = state.ids.uuid("event-hook-delivery")  # kept, and undone, with the tenant
            source = f"{self.base(state.id)}/api/v1/eventHooks/{hook['id']}"
            body = envelope(source, event_id, now_iso(state), [event.payload])
            headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **hook_headers(hook)}
            fields = {
                "hook_id": hook["id"],
                "method": "POST",
                "event_types": [event.type],
                "uuids": [event.payload.get("uuid")],
            }
            url = hook["channel"]["config"]["uri"]
            out.append(
                Delivery.json(hook["id"], url, body, event_id=event_id, headers=headers, fields=fields)
            )
        return out


def record_failure(state: TenantState, delivery: Delivery, record: dict[str, Any]) -> None:
    """A delivery that finally failed: `event_hook.delivery` in the System Log."""
    reason = f"Hook execution failed: {record['error']}"
    if record.get("http_status"):
        reason += f" (HTTP {record['http_status']})"
    record_delivery_failure(state, delivery.target, reason)


def make() -> Outbox:
    """The twin's outbox (the kit builds it with the twin), with the settings of the env."""
    retry = OKTA_RETRY
    if os.environ.get("TWINS_OKTA_HOOK_TIMEOUT"):
        retry = replace(retry, timeout=float(os.environ["TWINS_OKTA_HOOK_TIMEOUT"]))
    router = HookRouter()
    outbox = Outbox(
        router,
        RequestId(),
        retry,
        log=AttemptLog(JOURNAL_LIMIT),
        listens=router.listens,
        failed=record_failure,
    )
    router.outbox = outbox
    return outbox


def outbox_of(where: TwinContext | Call) -> Outbox:
    """The Okta twin's outbox."""
    outbox = where.outbox if isinstance(where, Call) else runtime_of(where).outbox
    if outbox is None or not isinstance(outbox.router, HookRouter):
        raise LookupError("the Okta twin runs without its event hook outbox")
    return outbox


def router_of(where: TwinContext | Call) -> HookRouter:
    router = outbox_of(where).router
    assert isinstance(router, HookRouter)
    return router


def echoes(response: httpx.Response | None, challenge: str) -> bool:
    if response is None:
        return False
    with contextlib.suppress(ValueError):
        data = response.json()
        return isinstance(data, dict) and data.get("verification") == challenge
    return False


async def verify(outbox: Outbox, state: TenantState, hook: Row) -> bool:
    """The one-time verification GET: the hook must echo the challenge as {"verification": …}.
    Sent once more after a timeout, a failed connection or a non-2xx; recorded in the attempt log."""
    challenge = secrets.token_urlsafe(30)
    url = hook["channel"]["config"]["uri"]
    async with httpx.AsyncClient(trust_env=False, follow_redirects=False, verify=client_tls()) as client:
        for number in range(2):
            headers = {
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                **hook_headers(hook),
                CHALLENGE_HEADER: challenge,
                **RequestId().sign(b"", "", 0),
            }
            attempt = await _get(client, outbox, state, hook["id"], url, headers, number)
            if attempt.ok and not echoes(attempt.response, challenge):
                attempt.record.update(status="failed", error="challenge_mismatch")
            if attempt.ok or attempt.record["error"] == "challenge_mismatch" or number == 1:
                attempt.record["final"] = True
                return attempt.ok
    return False


async def _get(
    client: httpx.AsyncClient,
    outbox: Outbox,
    state: TenantState,
    hook_id: str,
    url: str,
    headers: dict[str, str],
    attempt: int,
) -> Attempted:
    log = outbox.log
    record: dict[str, Any] = {
        "id": log.next_id(),
        "tenant": state.id,
        "target": hook_id,
        "kind": "verification",
        "event_id": "",
        "url": url,
        "attempt": attempt,
        "retry_reason": None,
        **log.pending_fields(int(state.clock.now()), headers, "", None, BODY_LIMIT),
        "hook_id": hook_id,
        "method": "GET",
        "event_types": [],
        "uuids": [],
    }
    log.records.append(record)
    started = time.monotonic()
    response: httpx.Response | None = None
    try:
        response = await client.get(url, headers=headers, timeout=outbox.retry.timeout)
    except httpx.TimeoutException:
        record["error"] = outbox.retry.timeout_error
    except (httpx.HTTPError, OSError, ValueError) as exc:
        record["error"] = "connection_failed"
        record["detail"] = f"{type(exc).__name__}: {exc}"
    record["duration_ms"] = round((time.monotonic() - started) * 1000, 3)
    if response is not None:
        record["http_status"] = response.status_code
        record["response"] = {"headers": dict(response.headers), "body": response.text[:BODY_LIMIT]}
        ok = 200 <= response.status_code < 300
        record["error"] = None if ok else "http_error"
    record["status"] = "delivered" if record["error"] is None else "failed"
    return Attempted(record, response)
