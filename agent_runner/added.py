"""Fields a vendor adds to the items of a list a write sends.

A vendor that stores a list of objects a client sends often answers each item with fields of its
own beside the ones sent: an id it made for the item, fields the client may set, shown null when
it did not. Which ones is learnt from the objects a collection's answers show at each list-item
path (creates, updates, reads and listed items: `agent_runner.closed.gathered`):

- the *shapes* at the path, each a set of field names some item there holds;
- for each field, what the twin can answer without being told: a value every holder shows alike
  (shown by `AT_LEAST` holders), null where the values differ and null is among them (a field
  clients choose, null when they did not), or a made-up value where every holder has its own,
  in the same alphabet and length, keeping the part all of them share (a prefix, a suffix).

The twin adds to a sent item the fields the smallest shapes holding all of its fields add, where
it can answer them (`twins.kit.added`): an item of another shape is left as it is."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.closed import Path, gathered, objects
from twins.kit.closed import ITEM

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # holders showing a value alike, or values of their own
SHAPES = 12  # more shapes than this at a path: items too varied to tell
LISTED = 200  # items read of each list: a kind of item a long list shows late still counts
MADE = re.compile(r"[A-Za-z0-9]{8,64}\Z")


def items(answers: Sequence[tuple[str, Any]]) -> dict[Path, list[tuple[str, dict[str, Any]]]]:
    """List-item path -> the (holder, object) pairs the answers show there."""
    found: dict[Path, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for holder, answer in answers:
        for path, obj in objects(answer):
            if path and path[-1] == ITEM:
                found[path].append((holder, obj))
    return found


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def shared(strings: Sequence[str]) -> str:
    """The longest start all of `strings` share."""
    n = 0
    while all(len(s) > n and s[n] == strings[0][n] for s in strings):
        n += 1
    return strings[0][:n]


def summary(shown: Sequence[tuple[str, Any]]) -> dict[str, Any] | None:
    """What a twin can answer for a field from the (holder, value) pairs showing it, or None."""
    holders: dict[str, set[str]] = defaultdict(set)
    for holder, value in shown:
        holders[_text(value)].add(holder)
    every = {h for hs in holders.values() for h in hs}
    if len(every) < AT_LEAST:
        return None
    values = [json.loads(text) for text in holders]
    if len(values) == 1:
        return {"value": values[0]}
    if None in values:
        return {"value": None}
    own = all(len(hs) == 1 for hs in holders.values())
    if own and all(isinstance(v, str) and MADE.match(v) and len(v) == len(values[0]) for v in values):
        strings = [str(v) for v in values]
        prefix, suffix = shared(strings), shared([s[::-1] for s in strings])[::-1]
        if len(prefix) + len(suffix) >= len(strings[0]):
            return None
        return {"like": strings[0], "prefix": prefix, "suffix": suffix}
    return None


def added_fields(shown: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """{"shapes": [...], "fields": {name: summary}} of one list-item path, or None."""
    shapes = sorted({tuple(sorted(obj)) for _, obj in shown})
    if len(shapes) > SHAPES or len({h for h, _ in shown}) < AT_LEAST:
        return None
    values: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for holder, obj in shown:
        for name, value in obj.items():
            values[str(name)].append((holder, value))
    fields = {name: found for name, pairs in sorted(values.items()) if (found := summary(pairs)) is not None}
    if not fields:
        return None
    return {"shapes": [list(shape) for shape in shapes], "fields": fields}


def learnt(answers: Sequence[tuple[str, Any]]) -> Iterator[list[Any]]:
    """[path, found] of every list-item path the answers show fields a twin can add at."""
    for path, shown in sorted(items(answers).items()):
        found = added_fields(shown)
        if found is not None:
            yield [list(path), found]


def learn_added(
    seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]], keys: Mapping[str, str]
) -> dict[str, list[list[Any]]]:
    """Collection -> [path, found] of its list-item paths (see the module)."""
    answers, _ = gathered(seen, kinds, keys, LISTED)
    return {coll: found for coll, pairs in answers.items() if (found := list(learnt(pairs)))}
