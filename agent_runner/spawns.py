"""Items a create makes besides the one it was asked for: an Okta access policy comes with its
`Catch-all Rule`, shown by the first list of the policy's rules though no request made it.
Learnt from recordings that create an item and then list a collection under it: the items that
first list shows that no request of the recording made (by id), per kind of create request. At
least `AT_LEAST` recordings must show such items under a collection; a kind of create whose list
showed none is kept too, so that the twin makes none for it (`twins.kit.spawns`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.conventions import signature
from agent_runner.model import Resource
from agent_runner.paths import values

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # recordings showing items a create made under it
KINDS = 8  # kinds of create request kept per collection


def learn_spawns(
    resources: dict[str, Resource], seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> None:
    made: dict[str, set[str]] = defaultdict(set)  # recording -> ids its writes answered
    parents: dict[tuple[str, str], tuple[str, Any]] = {}  # (recording, key) -> collection, request
    listed: set[tuple[str, str]] = set()  # (recording, list path) already seen
    found: dict[tuple[str, str], dict[tuple[Any, ...], dict[str, Any]]] = defaultdict(dict)
    showing: Counter[tuple[str, str]] = Counter()  # lists that showed such items
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        if res is None or not 200 <= s.status < 300:
            continue
        if kind == "create" and isinstance(s.response, dict) and res.key in s.response:
            key = str(s.response[res.key])
            made[s.session].add(key)
            parents[(s.session, key)] = (coll, s.request)
        if kind != "list" or not res.parent or not isinstance(s.response, list):
            continue
        if (s.session, s.path) in listed:
            continue
        listed.add((s.session, s.path))
        parent = resources.get(res.parent)
        key = values(s.template, s.path).get(parent.param, "") if parent else ""
        known = parents.get((s.session, key)) if key else None
        if known is None or known[0] != res.parent:
            continue
        items = [i for i in s.response if isinstance(i, dict) and str(i.get(res.key)) not in made[s.session]]
        showing[(res.parent, coll)] += bool(items)
        entry = {"request": known[1], "items": items, "parent": key}
        found[(res.parent, coll)].setdefault(signature(known[1]), entry)
    for (parent_coll, coll), entries in found.items():
        if showing[(parent_coll, coll)] >= AT_LEAST:
            resources[parent_coll].spawns[coll] = list(entries.values())[:KINDS]
