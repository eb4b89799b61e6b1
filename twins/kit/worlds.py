"""A list of seeded items as the tenant stood at the tenant clock's time: of the seeded items, those
the recorded list of the same path and filters nearest in time showed (by name, as many of a
name as it showed); what the tenant made itself is always listed (`agent_runner.worlds`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from twins._runtime.collection import Row
from twins.kit.documents import body_of

# Query parameters that page a list rather than filter it.
PAGER_PARAMS = frozenset({"after", "limit", "startAt", "maxResults", "page", "per_page", "cursor"})


def named(item: Any) -> str | None:
    """What names an object apart from its id: `name`, `label`, `profile.name` or `profile.login`."""
    if not isinstance(item, dict):
        return None
    profile = item["profile"] if isinstance(item.get("profile"), dict) else {}
    for value in (item.get("name"), item.get("label"), profile.get("name"), profile.get("login")):
        if isinstance(value, str) and value:
            return value
    return None


def signature(path: str, query: Iterable[tuple[str, Any]]) -> str:
    """`path?k=v&…`: a list's path and its filters (not its paging), in order."""
    pairs = sorted((str(k), str(v)) for k, v in query if k not in PAGER_PARAMS)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else "")


def as_listed(rows: Sequence[Row], entries: Sequence[Mapping[str, Any]], now: float) -> list[Row]:
    """`rows` with the seeded ones the recorded list nearest to `now` did not show left out."""
    if not entries:
        return list(rows)
    nearest = min(entries, key=lambda e: abs(float(e["at"]) - now))
    left = Counter(str(n) for n in nearest["names"])
    out = []
    for row in rows:
        name = named(body_of(row)) if row.get("seeded") else None
        if name is None:
            out.append(row)
        elif left[name] > 0:
            left[name] -= 1
            out.append(row)
    return out
