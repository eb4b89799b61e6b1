"""Rate limits on the tenant's clock: fixed windows per key, with the mode `real`, `strict` or `off`."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """`count` requests per `window` seconds; `burst` extra in `real` mode (vendors tolerate bursts)."""

    count: int
    window: float
    burst: int = 0


@dataclass
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    retry_after: int


class RateLimiter:
    """Counts calls per key in fixed windows; `off` allows all, `strict` drops the burst allowance."""

    def __init__(self, mode: str = "real") -> None:
        self.mode = mode
        self._windows: dict[str, tuple[float, int]] = {}

    def check(self, key: str, limit: Limit, now: float) -> Decision:
        """Count one call and say whether it is allowed, with the figures for the headers."""
        allowed_count = limit.count + (limit.burst if self.mode == "real" else 0)
        start = math.floor(now / limit.window) * limit.window
        reset_at = start + limit.window
        if self.mode == "off":
            return Decision(True, allowed_count, allowed_count, reset_at, 0)
        win_start, used = self._windows.get(key, (start, 0))
        if win_start != start:
            used = 0
        if used >= allowed_count:
            retry = max(1, math.ceil(reset_at - now))
            return Decision(False, allowed_count, 0, reset_at, retry)
        used += 1
        self._windows[key] = (start, used)
        if len(self._windows) > 100_000:
            self._windows = {k: v for k, v in self._windows.items() if v[0] == start}
        return Decision(True, allowed_count, allowed_count - used, reset_at, 0)

    def reset(self, prefix: str = "") -> None:
        """Forget counters (all, or those of keys starting with `prefix`, e.g. one tenant)."""
        if not prefix:
            self._windows.clear()
        else:
            self._windows = {k: v for k, v in self._windows.items() if not k.startswith(prefix)}
