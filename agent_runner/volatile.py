"""Fields outside the API's control, learnt from the traffic alone: a field whose value differs
between answers to the same read (method, path and query) with no write in between. Two reads
count as having no write in between when they come in one recording with no write between them,
or each before its recording's first write (the state a recording starts from: what changed there
changed outside the recordings, as counters other users drive or the server's own builds do). A
field a recorded write sends is left out (a write elsewhere may have set it), and so is a list's
length where the traffic writes at or under the list's path. A field found so in one kind of
object (objects with mostly the same fields) is taken to change so wherever such an object is
answered (a repository's stars in a fork's `parent`, in search results, read by id).

A twin cannot know such values; the parity engine compares them by type (the types the traffic
shows there), as it does timestamps, and counts every comparison it relaxed so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from recorder.parity.values import type_name

if TYPE_CHECKING:
    from agent_runner.infer import Seen

# endpoint (`GET /template`) -> dotted field path (`[]` for list items, "" the body) -> types
Volatile = dict[str, dict[str, list[str]]]
ITEM_KEYS = ("id", "node_id", "sha", "url", "key", "name", "login")  # what names a list item
LIST_MOST = 200
DEPTH_MOST = 8
SAME_KIND = 0.8  # the share of fields two objects of one kind have in common


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
        for (path, _item), shown in values.items():
            if len(shown) > 1 and not is_written(path, written):
                changing[template].add(path)
    kept: dict[str, set[str]] = defaultdict(set)
    for template, paths in changing.items():
        kept[template] = {p for p in paths if p or not any(w.startswith(template) for w in writes)}
    answered = [s for s in seen if s.method == "GET" and 200 <= s.status < 300 and s.response is not None]
    spread(kept, answered, written)
    types: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s in answered:
        if kept.get(s.template):
            for path, found in objects(s.response):
                for key, value in found.items():
                    field = f"{path}.{key}" if path else key
                    if field in kept[s.template]:
                        types[s.template][field].add(type_name(value))
            if "" in kept[s.template]:
                types[s.template][""].add(type_name(s.response))
    # a field of one kind shows the types it shows anywhere (a fork's `license`, null in the
    # forks read, an object elsewhere)
    by_leaf: dict[str, set[str]] = defaultdict(set)
    for template, paths in kept.items():
        for path in paths:
            by_leaf[_leaf(path)] |= types[template][path]
    return {
        f"GET {template}": {p: sorted(types[template][p] | by_leaf[_leaf(p)]) for p in sorted(paths)}
        for template, paths in sorted(kept.items())
        if paths
    }


def _leaf(path: str) -> str:
    return path.rpartition(".")[2]


def objects(value: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object) for every object of a body, itself included."""
    if isinstance(value, dict):
        yield path, value
        if depth < DEPTH_MOST:
            for key, sub in value.items():
                yield from objects(sub, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list) and depth < DEPTH_MOST:
        for sub in value[:LIST_MOST]:
            yield from objects(sub, f"{path}[]", depth + 1)


def alike(keys: frozenset[str], other: frozenset[str]) -> bool:
    """Objects of one kind: their fields mostly the same (a repository as a fork's `parent`, in
    search results, from another endpoint or an older recording)."""
    return len(keys & other) >= SAME_KIND * len(keys | other)


def spread(kept: dict[str, set[str]], reads: Sequence[Seen], written: set[str]) -> None:
    """A field that changes on its own in one kind of object changes so wherever an object of
    that kind is answered: the fields found are added for every read showing such objects."""
    wanted: dict[str, set[str]] = defaultdict(set)  # template -> prefixes of the objects found
    for template, paths in kept.items():
        wanted[template] = {p.rpartition(".")[0] if "." in p else "" for p in paths if p}
    shapes: dict[tuple[str, str], set[str]] = defaultdict(set)  # (template, prefix) -> keys
    for s in reads:
        for prefix, found in objects(s.response) if wanted.get(s.template) else ():
            if prefix in wanted[s.template]:
                shapes[(s.template, prefix)] |= set(found)
    kinds: dict[frozenset[str], set[str]] = defaultdict(set)  # an object kind -> its fields found
    for template, paths in kept.items():
        for path in paths:
            prefix, _, leaf = path.rpartition(".") if "." in path else ("", "", path)
            if path and (template, prefix) in shapes and leaf in shapes[(template, prefix)]:
                kinds[frozenset(shapes[(template, prefix)])].add(leaf)
    if not kinds:
        return
    matched: dict[frozenset[str], set[str]] = {}  # by an object's fields: those that change
    for s in reads:
        for prefix, found in objects(s.response):
            keys = frozenset(found)
            if keys not in matched:
                matched[keys] = set().union(*(fields for kind, fields in kinds.items() if alike(keys, kind)))
            for leaf in matched[keys] & keys:
                path = f"{prefix}.{leaf}" if prefix else leaf
                if not is_written(path, written):
                    kept[s.template].add(path)
