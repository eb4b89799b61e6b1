"""Satisfaction arithmetic: shares, the Wilson 95% score interval, flakiness, sharding."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TypeVar

Z95 = 1.959963984540054
T = TypeVar("T")
SHARD_RE = re.compile(r"^(\d+)/(\d+)$")


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial share; (0, 1) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def share(successes: int, trials: int) -> float:
    return successes / trials if trials else 0.0


def is_flaky(successes: int, trials: int) -> bool:
    """Some trials satisfied and some not: the same story does not always end the same way."""
    return 0 < successes < trials


def parse_shard(text: str) -> tuple[int, int]:
    """`i/N` with 1 <= i <= N, as CI matrices number their machines."""
    found = SHARD_RE.match(text.strip())
    if not found:
        raise ValueError(f"--shard {text!r} must look like 1/4")
    index, total = int(found.group(1)), int(found.group(2))
    if not 1 <= index <= total:
        raise ValueError(f"--shard {text!r}: the index must be between 1 and {total}")
    return index, total


def shard(items: Sequence[T], index: int, total: int) -> list[T]:
    """The items of shard `index` of `total`: every total-th item, starting at index-1."""
    return [item for n, item in enumerate(items) if n % total == index - 1]
