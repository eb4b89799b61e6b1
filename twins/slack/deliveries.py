"""The delivery journal: every HTTP attempt the twin made towards an app (events, url_verification,
interactivity, slash commands), in a bounded in-memory list, as GET /_twin/slack/deliveries shows."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx

from twins._runtime.attempts import AttemptLog
from twins.slack.envelopes import FORM_CONTENT, JSON_CONTENT

BODY_LIMIT = 64_000


class DeliveryJournal(AttemptLog):
    """Recorded attempts, oldest first; a record is a dict the sender fills in as the attempt goes."""

    def new_record(
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
        """Record an attempt about to be sent (status `pending`)."""
        seq = self.next_id()
        sent_at = float(headers["X-Slack-Request-Timestamp"])
        text = body.decode("utf-8", "replace")
        payload: Any = dict(parse_qsl(text)) if headers["Content-Type"] == FORM_CONTENT else None
        with contextlib.suppress(ValueError, RecursionError):
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
            **self.pending_fields(sent_at, headers, text, payload, BODY_LIMIT),
            **extra,
        }
        self.records.append(record)
        return record

    @staticmethod
    def answered(record: dict[str, Any], response: httpx.Response | None, duration_ms: float) -> None:
        """Fill in how the attempt ended: delivered on a 2xx, else failed with the error seen."""
        record["duration_ms"] = duration_ms
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

    def crashed(self, event_id: str, exc: Exception) -> None:
        """The event's latest attempt failed inside the twin; it is final."""
        for record in reversed(self.records):
            if record.get("event_id") == event_id:
                record.update(status="failed", final=True, error="unknown_error", detail=repr(exc))
                return

    def find(
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
        return self.matching(tenant, after, app_id=app_id, status=status, kind=kind, event_type=event_type)
