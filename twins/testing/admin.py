"""The admin API of one test's tenant: state, journal, faults, clock, reset and snapshots."""

from __future__ import annotations

from typing import Any

import httpx


class AdminError(RuntimeError):
    """The admin API refused a call; the message carries its error code and text."""


class AdminApi:
    """`/_twin/...` calls scoped to one tenant, answered as plain JSON values."""

    def __init__(self, client: httpx.Client, tenant: str):
        self._client = client
        self.tenant = tenant

    def call(self, verb: str, endpoint: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """One admin call (`endpoint` under `/_twin/`); a non-2xx answer raises AdminError."""
        query = {"tenant": self.tenant, **{k: v for k, v in (params or {}).items() if v is not None}}
        reply = self._client.request(verb, f"/_twin/{endpoint}", params=query, json=json)
        if reply.status_code >= 300:
            raise AdminError(f"{verb} /_twin/{endpoint}: {reply.status_code} {reply.text}")
        return reply.json()

    def state(self, collection: str | None = None, **where: Any) -> dict[str, Any]:
        """The tenant's collections (or one), rows filtered by field=value."""
        filters = [f"{field}={value}" for field, value in where.items()]
        body: dict[str, Any] = self.call(
            "GET", "state", params={"collection": collection, "where": filters, "limit": 100_000}
        )
        return body

    def rows(self, collection: str, **where: Any) -> list[dict[str, Any]]:
        """The rows of one collection, in creation order, filtered by field=value."""
        rows: list[dict[str, Any]] = self.state(collection, **where)["collections"][collection]
        return rows

    def journal(
        self, method: str | None = None, path: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Exchanges served to this tenant, oldest first, in the trace format."""
        out: list[dict[str, Any]] = []
        after = 0
        while len(out) < limit:
            page = self.call(
                "GET", "journal", params={"method": method, "path": path, "after": after, "limit": 1000}
            )
            out.extend(page["exchanges"])
            if not page["exchanges"] or page["next_after"] in (None, after):
                break
            after = page["next_after"]
        return out[:limit]

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule (`method`, `path`, `action`, `status`, `times`, ...); returns it with its id."""
        fault: dict[str, Any] = self.call("POST", "faults", json=rule)
        return fault

    def faults(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self.call("GET", "faults")["faults"]
        return faults

    def clear_faults(self) -> int:
        removed: int = self.call("DELETE", "faults")["removed"]
        return removed

    def clock(self) -> dict[str, Any]:
        clock: dict[str, Any] = self.call("GET", "clock")
        return clock

    def freeze_clock(self, at: float | None = None) -> dict[str, Any]:
        """Stop the tenant clock (at `at` epoch seconds, or now)."""
        clock: dict[str, Any] = self.call("POST", "clock", json={"freeze": True, "at": at})
        return clock

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        clock: dict[str, Any] = self.call("POST", "clock", json={"advance": seconds})
        return clock

    def reset(self) -> dict[str, Any]:
        """Back to the tenant's seed state; journal and faults cleared."""
        tenant: dict[str, Any] = self.call("POST", "reset")
        return tenant

    def snapshot(self, name: str) -> dict[str, Any]:
        snap: dict[str, Any] = self.call("POST", "snapshot", json={"name": name})
        return snap

    def restore(self, name: str) -> dict[str, Any]:
        tenant: dict[str, Any] = self.call("POST", "restore", json={"name": name})
        return tenant
