"""Links that follow an item's status (Okta offers `_links.activate` on an inactive app and
`_links.deactivate` on an active one): which links every item of a status has and items of
another status never have, and an example of each, learnt from the answers the traces show."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.model import Resource

if TYPE_CHECKING:
    from agent_runner.infer import Seen

LINKS = "_links"
STATUS = "status"
KINDS = ("read", "list", "create", "update", "action")


def _items(s: Seen) -> Iterator[dict[str, Any]]:
    for item in s.response if isinstance(s.response, list) else [s.response]:
        if isinstance(item, dict) and isinstance(item.get(LINKS), dict) and isinstance(item.get(STATUS), str):
            yield item


def status_links(
    res: Resource, seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """By status: the recorded item's key, host and the status's own links (those whose presence
    the status decides), for the engine to lay over an item whose status changes."""
    by_status: dict[str, list[tuple[Seen, dict[str, Any]]]] = defaultdict(list)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        if coll == res.collection and kind in KINDS and 200 <= s.status < 300:
            for item in _items(s):
                by_status[item[STATUS]].append((s, item))
    if len(by_status) < 2:
        return {}
    present = {
        status: Counter(name for _, item in found for name in item[LINKS])
        for status, found in by_status.items()
    }
    names = set().union(*present.values())
    decided = {
        name
        for name in names
        if any(c[name] == len(by_status[st]) for st, c in present.items())
        and any(c[name] == 0 for c in present.values())
    }
    out: dict[str, dict[str, Any]] = {}
    for status, found in by_status.items():
        own = {n for n in decided if present[status][n] == len(found)}
        s, item = found[0]
        out[status] = {
            "key": str(item.get(res.key, "")),
            "host": s.host,
            "links": {n: item[LINKS][n] for n in sorted(own)},
            "decided": sorted(decided),
        }
    return out
