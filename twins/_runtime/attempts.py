"""Outbound attempts: the requests a twin itself sends to an app (event deliveries, hooks,
interactivity), kept for the admin API and for tests to look at."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Attempted:
    """The outcome of one attempt: its record and the app's response, if any came."""

    record: dict[str, Any]
    response: httpx.Response | None = None

    @property
    def ok(self) -> bool:
        return bool(self.record["status"] == "delivered")


class AttemptLog:
    """The newest `limit` attempts, oldest first. A record is a dict the sender fills in as its
    attempt goes; ids increase across tenants. Senders may run in other threads."""

    def __init__(self, limit: int) -> None:
        self.records: deque[dict[str, Any]] = deque(maxlen=limit)
        self._seq = 0
        self._lock = threading.Lock()

    def next_id(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    @staticmethod
    def pending_fields(
        sent_at: Any, headers: dict[str, str], text: str, payload: Any, body_limit: int
    ) -> dict[str, Any]:
        """The fields every record has for an attempt about to be sent: pending, no answer yet."""
        return {
            "status": "pending",
            "final": False,
            "http_status": None,
            "error": None,
            "sent_at": sent_at,
            "duration_ms": None,
            "request": {"headers": headers, "body": text[:body_limit]},
            "payload": payload,
            "response": None,
        }

    def matching(self, tenant: str, after: int = 0, **fields: Any) -> list[dict[str, Any]]:
        """Copies of a tenant's records with an id above `after` whose `fields` equal the given
        values (a value of None matches anything), oldest first."""
        wanted = {k: v for k, v in fields.items() if v is not None}
        return [
            dict(r)
            for r in list(self.records)
            if r["tenant"] == tenant and r["id"] > after and all(r.get(k) == v for k, v in wanted.items())
        ]

    def clear(self, tenant: str) -> int:
        """Forget a tenant's records; how many there were."""
        with self._lock:
            kept = [r for r in self.records if r["tenant"] != tenant]
            removed = len(self.records) - len(kept)
            self.records.clear()
            self.records.extend(kept)
        return removed
