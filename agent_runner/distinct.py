"""One of each pre-existing object: recordings made against several tenants of a vendor (Okta's
test orgs) each show the objects every tenant starts with (the `Everyone` group), each under its
own key. A twin is one tenant, so of the seeded documents of one collection path that are alike
but for their key, their times, their links and the keys of other seeded documents they name, it
holds one: the one the most recordings show (the tenant most of the traffic went to)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.model import Seed
from agent_runner.shapes import DATE_TIME

if TYPE_CHECKING:
    from agent_runner.infer import Seen

LINKS = frozenset({"_links", "links", "_embedded"})


def _masked(value: Any, keys: frozenset[str], depth: int = 0) -> Any:
    """`value` without what differs between tenants: times, links, keys of seeded documents."""
    if isinstance(value, dict):
        return {k: _masked(v, keys, depth + 1) for k, v in value.items() if k not in LINKS}
    if isinstance(value, list):
        return [_masked(v, keys, depth + 1) for v in value]
    if isinstance(value, str) and (value in keys or DATE_TIME.match(value)):
        return "*"
    return value


def _sightings(seen: Sequence[Seen]) -> dict[str, set[str]]:
    """Key -> the recordings whose paths or listed items name it."""
    out: dict[str, set[str]] = defaultdict(set)
    for s in seen:
        if not 200 <= s.status < 300:
            continue
        for part in s.path.split("/"):
            out[part].add(s.session)
        if isinstance(s.response, list):
            for item in s.response:
                if isinstance(item, dict):
                    for v in item.values():
                        if isinstance(v, str | int) and not isinstance(v, bool):
                            out[str(v)].add(s.session)
    return out


def distinct_seeds(found: Sequence[Seed], seen: Sequence[Seen]) -> list[Seed]:
    """`found` with one document of each set alike in one collection path (see the module)."""
    keys = frozenset(s.key for s in found)
    groups: dict[tuple[str, str], list[Seed]] = defaultdict(list)
    for seed in found:
        body = seed.body
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if v != seed.key}
        groups[(seed.scope, json.dumps(_masked(body, keys), sort_keys=True))].append(seed)
    if all(len(alike) == 1 for alike in groups.values()):
        return list(found)
    sightings = _sightings(seen)
    kept = {
        id(max(alike, key=lambda s: (len(sightings.get(s.key, ())), -alike.index(s))))
        for alike in groups.values()
    }
    return [s for s in found if id(s) in kept]
