"""What a list showed when: recordings are made against tenants whose objects change (tests leave
things behind, other tests delete them), and a twin learnt from many recordings holds, seeded,
every object any of them listed. For each list (its path and filters) the twin keeps, per
recording, when the recording listed it first and the names of the items that list showed that
the recording had not made. A fresh tenant's list then shows, of its seeded items, those the
recorded list nearest in time to the tenant's clock showed (`twins.kit.worlds`); the parity
replay sets the tenant's clock to the time its recording began."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from recorder.parity.world import epoch
from twins.kit.worlds import named, signature

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # recorded lists of one path and filter, from recordings made at different times


def learn_listed(seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]) -> dict[str, Any]:
    """`path?filters` -> [{"at": seconds, "names": [...]}], one per recording that listed it,
    for lists shown at two times or more whose items differ."""
    made: set[tuple[str, str]] = set()  # (session, name) the recording made
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for s in seen:
        kind, _ = kinds[(s.method, s.template)]
        ok = 200 <= s.status < 300
        if ok and s.method in ("POST", "PUT") and isinstance(s.response, dict):
            name = named(s.response)
            if name is not None:
                made.add((s.session, name))
        if not (ok and kind == "list" and isinstance(s.response, list)) or not s.ts:
            continue
        at = epoch(s.ts)
        key = signature(s.path.rstrip("/"), s.query)
        if at is None or (s.session, key) in first:
            continue
        names = [n for i in s.response if (n := named(i)) is not None and (s.session, n) not in made]
        first[(s.session, key)] = {"key": key, "at": at, "names": names}
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in first.values():
        out.setdefault(entry.pop("key"), []).append(entry)
    return {
        key: sorted(entries, key=lambda e: e["at"])
        for key, entries in sorted(out.items())
        if len({e["at"] for e in entries}) >= AT_LEAST and len({_names(e) for e in entries}) > 1
    }


def _names(entry: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(entry["names"]))
