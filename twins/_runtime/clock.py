"""Per-tenant injectable clock: real time plus an offset, or frozen; advanced through the admin API."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Seeded data is stamped relative to this instant so that one seed gives byte-identical state.
SEED_EPOCH = 1767225600.0  # 2026-01-01T00:00:00Z
# The instants a tenant clock may show: what datetime and every vendor's date formats can write.
EARLIEST = 0.0  # 1970-01-01T00:00:00Z
LATEST = 253402300799.0  # 9999-12-31T23:59:59Z
# How far the wall clock is trusted to move while a tenant runs: room kept below LATEST.
HEADROOM = 100 * 365 * 86400.0


class ClockError(ValueError):
    """A clock setting that would put the tenant's time outside EARLIEST..LATEST."""


def check_instant(value: float, name: str) -> float:
    """`value` if it is a finite number of seconds, else ClockError naming the field."""
    if not math.isfinite(value):
        raise ClockError(f"{name} must be a finite number of seconds, not {value}")
    return value


@dataclass
class Clock:
    """`now()` is wall time + `offset`, or `frozen_at` while frozen."""

    offset: float = 0.0
    frozen_at: float | None = None

    def now(self) -> float:
        if self.frozen_at is not None:
            return self.frozen_at
        return time.time() + self.offset

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def freeze(self, at: float | None = None) -> None:
        self.frozen_at = self.now() if at is None else at

    def unfreeze(self) -> None:
        """Run on from the frozen instant: the offset keeps time continuous."""
        if self.frozen_at is not None:
            self.offset = self.frozen_at - time.time()
            self.frozen_at = None

    def set(self, at: float) -> None:
        if self.frozen_at is not None:
            self.frozen_at = at
        else:
            self.offset = at - time.time()

    def advance(self, seconds: float) -> None:
        if self.frozen_at is not None:
            self.frozen_at += seconds
        else:
            self.offset += seconds

    def copy(self) -> Clock:
        return Clock(self.offset, self.frozen_at)

    def check(self) -> None:
        """ClockError unless now() is a date every format can write, now and for years to come."""
        now = self.now()
        if not math.isfinite(now) or not EARLIEST <= now <= LATEST - HEADROOM:
            raise ClockError(
                f"the clock would read {now} seconds since the epoch; "
                f"keep it between {EARLIEST:.0f} and {LATEST - HEADROOM:.0f}"
            )

    def to_json(self) -> dict[str, Any]:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Clock:
        """The stored clock; one that reads outside the valid range (written by an older version)
        runs on real time instead."""
        data = data or {}
        try:
            frozen = data.get("frozen_at")
            clock = cls(
                offset=float(data.get("offset", 0.0)), frozen_at=None if frozen is None else float(frozen)
            )
            clock.check()
        except (TypeError, ValueError):
            return cls()
        return clock

    def describe(self) -> dict[str, Any]:
        now = self.now()
        return {
            "now": now,
            "iso": datetime.fromtimestamp(now, tz=UTC).isoformat().replace("+00:00", "Z"),
            "frozen": self.frozen_at is not None,
            "offset_seconds": self.offset,
        }
