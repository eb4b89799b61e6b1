"""Items that moved: a read of an item answered with a redirect (GitHub answers a renamed or
transferred repository's old path with a 301 naming its new URL). What most recorded reads of the
item answered decides, the latest one on a tie (an item recorded both ways moved at some time
between the recordings; most recordings saw it as the twin then shows it): a twin answers a moved
item's path with the latest recorded redirect, its URL and `Location` this twin's, and does not
seed the item at its old path."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent_runner.model import Resource, Seed

if TYPE_CHECKING:
    from agent_runner.infer import Seen

Kinds = dict[tuple[str, str], tuple[str, str]]


def is_redirect(status: int) -> bool:
    return 300 <= status < 400 and status != 304


def learn_moved(resources: dict[str, Resource], seen: Sequence[Seen], kinds: Kinds) -> None:
    """Each resource's `moved` items: item path -> the redirect its latest redirected read answered."""
    reads: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        if res is None or kind != "read" or s.template != f"{res.collection}/{{{res.param}}}":
            continue
        if 200 <= s.status < 300 or is_redirect(s.status):
            reads[(coll, s.path.rstrip("/"))].append(s)
    for (coll, item), found in sorted(reads.items()):
        # the latest last (the same time: the later in the traffic)
        ordered = sorted(found, key=lambda s: s.ts)
        redirected = [s for s in ordered if is_redirect(s.status)]
        answered = len(ordered) - len(redirected)
        if redirected and (
            len(redirected) > answered or (len(redirected) == answered and ordered[-1] is redirected[-1])
        ):
            example = redirected[-1].example()
            example.location = redirected[-1].location
            resources[coll].moved[item] = example


def unmoved(seeds: list[Seed], resources: dict[str, Resource]) -> list[Seed]:
    """The seeds but those of items that moved (read at their old path before they moved)."""
    moved = {item for res in resources.values() for item in res.moved}
    if not moved:
        return seeds
    return [s for s in seeds if f"{s.scope}/{s.key}" not in moved]
