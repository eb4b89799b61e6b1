"""Traffic from several deployments of one service (Jira Server and Cloud, builds a month apart):
the answer most recordings agree on.

A fixed document (`/rest/api/2/serverInfo`: a read with no ids in its path, the same object on
every site) is answered as most recordings saw it, field by field, with the fields only some
deployments show kept, instead of as whichever recording came last (and, per kind of client,
a fixed list of objects named by `id` with every item any of its recordings shows). What still differs between
deployments (the build, the version) is learnt by `agent_runner.volatile` and compared by type.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent_runner.infer import Seen


def consensus(answers: Sequence[Seen], *, lists: bool = False) -> Any:
    """One answer from every recording's last one: each field as most recordings show it (the
    latest on a tie), every field any of them shows kept; with `lists`, lists of objects named
    by `id` joined (`_union`); None when they are not objects."""
    last: dict[str, Any] = {}
    for s in answers:
        last[s.session] = s.response
    bodies = list(last.values())
    if len(bodies) < 2:
        return None
    if lists and all(isinstance(b, list) for b in bodies):
        return _union(bodies)
    if not all(isinstance(b, dict) for b in bodies):
        return None
    return _agreed(bodies)


def _union(bodies: list[list[Any]]) -> list[Any] | None:
    """Lists of objects named by `id` (Jira's fields, which each Server deployment has its own
    set of): every item any of them shows, each as most of them show it, in the latest's order
    and then the others'; None when the items are not such objects."""
    named: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for body in reversed(bodies):
        for item in body:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
                return None
            named[str(item["id"])].append(item)
    return [_agreed(items[::-1]) if len(items) > 1 else items[0] for items in named.values()]


def _agreed(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """Objects merged field by field: objects under a key merged in turn, other values voted on."""
    nested: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for body in bodies:
        for key, value in body.items():
            nested[key].append(value)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for body in bodies:
        for key, value in body.items():
            votes[key][json.dumps(value, sort_keys=True)] += 1
    latest: dict[str, dict[str, int]] = defaultdict(dict)
    for i, body in enumerate(bodies):
        for key, value in body.items():
            latest[key][json.dumps(value, sort_keys=True)] = i
    out: dict[str, Any] = {}
    for key, counts in votes.items():
        if all(isinstance(v, dict) for v in nested[key]) and len(nested[key]) > 1:
            out[key] = _agreed(nested[key])
            continue
        best = max(counts, key=lambda v: (counts[v], latest[key][v]))
        out[key] = json.loads(best)
    return out
