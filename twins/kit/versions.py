"""A seeded object as it stood at the tenant clock's time: of the states the recordings showed it
in (`agent_runner.versions`), the latest shown at or before that time, or the first shown when
the time is before them all. Only while the tenant has not written the object: its own writes
start from the state it then saw and are kept as made."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def state_at(entry: Mapping[str, Any], now: float) -> Any:
    """The body of the latest state of `entry` shown at or before `now` (the first, before all)."""
    states = entry["states"]
    chosen = states[0]
    for state in states:
        if float(state["at"]) > now:
            break
        chosen = state
    return chosen["body"]


def as_of(body: Any, entry: Mapping[str, Any] | None, now: float) -> Any:
    """`body` (a seeded document as stored) as it stood at `now`, where the recordings showed it
    changing and the tenant has not written it since the seed."""
    if entry is None or body != entry["seed"]:
        return body
    return state_at(entry, now)
