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


def pristine(body: Any, entry: Mapping[str, Any]) -> bool:
    """Whether a seeded document is as seeded: the tenant has not written it."""
    return bool(body == entry["seed"])
