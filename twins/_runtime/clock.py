"""Per-tenant injectable clock: real time plus an offset, or frozen; advanced through the admin API."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Seeded data is stamped relative to this instant so that one seed gives byte-identical state.
SEED_EPOCH = 1767225600.0  # 2026-01-01T00:00:00Z


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

    def to_json(self) -> dict[str, Any]:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Clock:
        data = data or {}
        return cls(offset=float(data.get("offset", 0.0)), frozen_at=data.get("frozen_at"))

    def describe(self) -> dict[str, Any]:
        now = self.now()
        return {
            "now": now,
            "iso": datetime.fromtimestamp(now, tz=UTC).isoformat().replace("+00:00", "Z"),
            "frozen": self.frozen_at is not None,
            "offset_seconds": self.offset,
        }
