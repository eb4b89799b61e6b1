"""Objects of a resource's answers whose fields are a fixed set, and what a write sends beyond it.

A vendor that reads a write keeps the fields it knows and drops the others: Okta answers a sign-on
rule's `verificationMethod.constraints` sent as `authenticationMethods` chains with `[{}]`, and a
user's `credentials.password` sent as a hash with `{}`. Which objects have a fixed set of fields
is learnt from the resource's answers (creates, updates, reads): an object path (list items as
`[]`) is *closed* when answers of at least `AT_LEAST` recordings hold it and every field they show
there is shown by `AT_LEAST` recordings. A map keyed by what clients name (an app's
`visibility.appLinks`, a schema's `properties`) shows keys only its own recording used and stays
open. The twin drops from what it answers and stores a sent field at a closed path that no answer
showed there (`twins.kit.closed`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # recordings showing an object path, and each of its fields
DEPTH = 8
ITEM = "[]"
READS = ("create", "update", "get")

Path = tuple[str, ...]


def objects(body: Any, path: Path = (), depth: int = 0) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(path, object) of every object in `body`, list items at `path + ("[]",)`."""
    if depth > DEPTH:
        return
    if isinstance(body, dict):
        yield path, body
        for key, value in body.items():
            yield from objects(value, (*path, str(key)), depth + 1)
    elif isinstance(body, list):
        for item in body:
            yield from objects(item, (*path, ITEM), depth + 1)


def closed_paths(answers: Sequence[tuple[str, Any]]) -> list[list[Any]]:
    """[[path, fields], ...] of the closed object paths of (recording, answer) pairs."""
    holders: dict[Path, set[str]] = defaultdict(set)
    shown: dict[tuple[Path, str], set[str]] = defaultdict(set)
    for recording, answer in answers:
        for path, obj in objects(answer):
            holders[path].add(recording)
            for key in obj:
                shown[(path, str(key))].add(recording)
    fields: dict[Path, set[str]] = defaultdict(set)
    for path, key in shown:
        fields[path].add(key)
    out: list[list[Any]] = []
    for path, recordings in sorted(holders.items()):
        names = fields.get(path, set())
        if len(recordings) >= AT_LEAST and all(len(shown[(path, k)]) >= AT_LEAST for k in names):
            out.append([list(path), sorted(names)])
    return out


def tree(paths: Sequence[list[Any]]) -> dict[str, Any]:
    """The closed paths as the twin walks them: a node holds `only` (the fields of a closed
    object) and `in` (the nodes under its fields; list items under `[]`)."""
    root: dict[str, Any] = {}
    for path, names in paths:
        node = root
        for part in path:
            node = node.setdefault("in", {}).setdefault(part, {})
        node["only"] = list(names)
    return root


def learn_closed(
    seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """Collection -> the tree of its closed object paths, from the 2xx answers to its items'
    writes and reads."""
    answers: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        if kind in READS and 200 <= s.status < 300 and isinstance(s.response, dict):
            answers[coll].append((s.session, s.response))
    return {coll: tree(found) for coll, pairs in answers.items() if (found := closed_paths(pairs))}
