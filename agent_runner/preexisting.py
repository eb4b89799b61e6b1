"""Objects that exist before a recording starts: where the traffic shows reads of items a
recording never created (a Jira issue, a GitHub repository's issues) more often than refusals of
such items, a twin answers an item it does not hold as one like them (the recorded one's shape,
with this path's key) rather than its 404."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent_runner.model import Resource
from agent_runner.paths import item_at

if TYPE_CHECKING:
    from agent_runner.infer import Seen

Kinds = dict[tuple[str, str], tuple[str, str]]
ITEM_KINDS = ("read", "update", "delete", "action")


def learn_preexisting(resources: dict[str, Resource], seen: Sequence[Seen], kinds: Kinds) -> None:
    """Each resource's `preexisting` example: the latest read of an item its recording had not
    made nor named before, when such reads outnumber 404s of such items."""
    made: set[tuple[str, str, str]] = set()  # (session, scope, key) created, or answered before
    found: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        if res is None:
            continue
        if kind == "create" and isinstance(s.response, dict) and res.key in s.response:
            scope = s.path.rstrip("/")
            made.add((s.session, scope, str(s.response[res.key])))
            for alias in res.aliases:
                if isinstance(s.response.get(alias), str | int):
                    made.add((s.session, scope, str(s.response[alias])))
            continue
        if kind not in ITEM_KINDS:
            continue
        where = item_at(s.path, res.collection)
        if where is None:
            continue
        known = (s.session, *where) in made
        if kind == "read" and 200 <= s.status < 300 and isinstance(s.response, dict) and not known:
            found[coll] += 1
            if s.template == res.collection + "/{" + res.param + "}":
                res.preexisting = s.example()
        elif s.status == 404 and not known:
            refused[coll] += 1
        if isinstance(s.response, dict):
            made.add((s.session, *where))
            for name in (res.key, *res.aliases):
                if isinstance(s.response.get(name), str | int):
                    made.add((s.session, where[0], str(s.response[name])))
    for coll, res in resources.items():
        if found[coll] <= refused[coll]:
            res.preexisting = None
