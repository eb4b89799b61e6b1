"""Fields outside the API's control, learnt from the traffic alone: a field whose value differs
between answers to the same read (method, path and query) with no write in between. Two reads
count as having no write in between when they come in one recording with no write between them,
or each before its recording's first write (the state a recording starts from: what changed there
changed outside the recordings, as counters other users drive or the server's own builds do). A
field a recorded write sends is left out (a write elsewhere may have set it), and so is a list's
length where the traffic writes at or under the list's path.

A twin cannot know such values; the parity engine compares them by type (the types the traffic
shows there), as it does timestamps, and counts every comparison it relaxed so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent_runner.infer import Seen

# endpoint (`GET /template`) -> dotted field path (`[]` for list items, "" the body) -> types
Volatile = dict[str, dict[str, list[str]]]
ITEM_KEYS = ("id", "node_id", "sha", "url", "key", "name", "login")  # what names a list item
LIST_MOST = 200
DEPTH_MOST = 8


def type_name(value: Any) -> str:
    """As the parity engine names the type of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def leaves(value: Any, path: str = "", item: str = "", depth: int = 0) -> Iterator[tuple[str, str, str]]:
    """(field path, which list items it is in, its type and value) for every value of a body: a
    scalar as itself, an object as such, a list by its length; list items named by their id."""
    kind = type_name(value)
    if isinstance(value, dict):
        yield path, item, kind
        if depth < DEPTH_MOST:
            for key, sub in value.items():
                yield from leaves(sub, f"{path}.{key}" if path else str(key), item, depth + 1)
    elif isinstance(value, list):
        yield path, item, f"{kind} {len(value)}"
        if depth < DEPTH_MOST:
            for index, sub in enumerate(value[:LIST_MOST]):
                name = next(
                    (str(sub[k]) for k in ITEM_KEYS if isinstance(sub, dict) and k in sub), str(index)
                )
                yield from leaves(sub, f"{path}[]", f"{item}/{name}", depth + 1)
    else:
        yield path, item, f"{kind} {json.dumps(value)}"


def sent_paths(body: Any, at: str = "", depth: int = 0) -> set[str]:
    """The dotted paths of every field a write's body holds (`[]` for list items)."""
    if depth > DEPTH_MOST:
        return set()
    if isinstance(body, dict):
        here = {f"{at}.{k}" if at else str(k) for k in body}
        return here.union(*(sent_paths(v, f"{at}.{k}" if at else str(k), depth + 1) for k, v in body.items()))
    if isinstance(body, list):
        return set().union(*(sent_paths(v, f"{at}[]", depth + 1) for v in body[:LIST_MOST]))
    return set()


def is_written(path: str, written: set[str]) -> bool:
    """Whether a write sends the field at `path`, at the top of its body or as a nested object's
    (`milestone.state` as an issue's `state`)."""
    parts = path.split(".")
    return any(".".join(parts[i:]) in written for i in range(len(parts)))


def learn_volatile(seen: Sequence[Seen]) -> Volatile:
    """By read endpoint, the fields whose values the traffic shows changing on their own, with
    the types the endpoint's answers show there."""
    written: set[str] = set()  # the fields writes send
    writes: set[str] = set()  # templates written to
    groups: dict[tuple[str, ...], list[Seen]] = defaultdict(list)  # reads with no write between
    epoch: dict[str, int] = defaultdict(int)  # writes so far, per recording
    for s in seen:
        if s.method not in ("GET", "HEAD"):
            epoch[s.session] += 1
            written |= sent_paths(s.request)
            writes.add(s.template)
            continue
        if not 200 <= s.status < 300 or s.response is None:
            continue
        read = (s.template, s.path, json.dumps(sorted(s.query)))
        when = epoch[s.session]
        groups[(*read, "") if when == 0 else (*read, s.session, str(when))].append(s)
    changing: dict[str, set[str]] = defaultdict(set)
    for (template, *_rest), reads in groups.items():
        if len(reads) < 2:
            continue
        values: dict[tuple[str, str], set[str]] = defaultdict(set)
        for s in reads:
            for path, item, value in leaves(s.response):
                values[(path, item)].add(value)
        for (path, _item), found in values.items():
            if len(found) > 1 and not is_written(path, written):
                changing[template].add(path)
    kept = {
        template: {p for p in paths if p or not any(w.startswith(template) for w in writes)}
        for template, paths in changing.items()
    }
    types: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s in seen:
        if s.method == "GET" and kept.get(s.template) and 200 <= s.status < 300:
            for path, _item, value in leaves(s.response):
                if path in kept[s.template]:
                    types[s.template][path].add(_type_of(value))
    return {
        f"GET {template}": {p: sorted(types[template][p]) for p in sorted(paths)}
        for template, paths in sorted(kept.items())
        if paths
    }


def _type_of(value: str) -> str:
    """The type of a value as `leaves` gives it (`a number 12`, `a list 3`)."""
    for name in ("null", "a boolean", "a number", "a string", "a list", "an object"):
        if value.startswith(name):
            return name
    return value
