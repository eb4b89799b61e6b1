"""Lists of members: a collection under an item whose writes carry only the member's key (Okta's
`PUT /groups/{groupId}/users/{userId}`, no body) while its list answers each member as the item
of another collection it names (the user itself). Learnt where most items the recorded lists of
such a collection show are items (same key, mostly the same fields) of one top-level collection
the same recording made or read; the twin then lists, for each member key it holds, that item
as stored (`twins.kit.members`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent_runner.model import Resource

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # listed items shown to be another collection's
SHARE = 0.8  # of the items listed
ALIKE = 0.8  # the share of their top-level fields a listed item and the item it names share


def alike(one: set[str], other: set[str]) -> bool:
    return len(one & other) >= ALIKE * len(one | other)


def learn_members(
    resources: dict[str, Resource], seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> None:
    # (recording, key) -> the top-level collection of its item, and the item's fields
    held: dict[tuple[str, str], tuple[str, set[str]]] = {}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    listed: Counter[str] = Counter()
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        if res is None or not 200 <= s.status < 300:
            continue
        if not res.parent and kind in ("create", "read") and isinstance(s.response, dict):
            key = s.response.get(res.key)
            if isinstance(key, str | int):
                held[(s.session, str(key))] = (coll, set(s.response))
        elif res.parent and kind == "list" and isinstance(s.response, list):
            for item in s.response:
                key = item.get(res.key) if isinstance(item, dict) else None
                listed[coll] += 1
                known = held.get((s.session, str(key))) if key is not None else None
                if known is not None and known[0] != coll and alike(set(item), known[1]):
                    votes[coll][known[0]] += 1
    for coll, counts in votes.items():
        other, count = counts.most_common(1)[0]
        if count >= AT_LEAST and count >= SHARE * listed[coll]:
            resources[coll].members = other
