"""Objects of a resource's answers whose fields are a fixed set, and what a write sends beyond it.

A vendor that reads a write keeps the fields it knows and drops the others: Okta answers a sign-on
rule's `verificationMethod.constraints` sent as `authenticationMethods` chains with `[{}]`. Which
objects have a fixed set of fields is learnt from the resource's answers (creates, updates,
reads): an object path (list items as `[]`) is *closed* when answers of at least `AT_LEAST`
recordings hold it, every field they show there is shown by `AT_LEAST` recordings, and no write
was answered without a field it sent there (a Jira issue's create answers its key alone: the
fields sent are kept for reads). A map keyed by what clients name (an app's
`visibility.appLinks`, a schema's `properties`) shows keys only its own recording used and stays
open. The twin drops from what it answers and stores a sent field at a closed path that no answer
showed there (`twins.kit.closed`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from twins.kit.closed import ITEM

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # recordings showing an object path, and each of its fields
DEPTH = 8
READS = ("create", "update", "read")
LISTED = 20  # items of a list answer read as answers of the collection's items

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


def lossy(request: Any, answer: Any, path: Path = (), depth: int = 0) -> Iterator[Path]:
    """Object paths where a write's answer leaves out a field its request sent there (list items
    paired by position)."""
    if depth > DEPTH:
        return
    if isinstance(request, dict) and isinstance(answer, dict):
        if any(key not in answer for key in request):
            yield path
        for key, value in request.items():
            if key in answer:
                yield from lossy(value, answer[key], (*path, str(key)), depth + 1)
    elif isinstance(request, list) and isinstance(answer, list):
        for sent, got in zip(request, answer, strict=False):
            yield from lossy(sent, got, (*path, ITEM), depth + 1)


def closed_paths(
    answers: Sequence[tuple[str, Any]], writes: Sequence[tuple[Any, Any]] = ()
) -> list[list[Any]]:
    """[[path, fields], ...] of the object paths of (recording, answer) pairs that answers of
    `AT_LEAST` recordings hold, `fields` None where the path is not closed: a field shown by
    fewer recordings, or a write of (request, answer) pairs answered without a field it sent
    there (a create answered by its key alone)."""
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
    dropping = {path for request, answer in writes for path in lossy(request, answer)}
    out: list[list[Any]] = []
    for path, recordings in sorted(holders.items()):
        if len(recordings) < AT_LEAST:
            continue
        names = fields.get(path, set())
        closed = path not in dropping and all(len(shown[(path, k)]) >= AT_LEAST for k in names)
        out.append([list(path), sorted(names) if closed else None])
    return out


def tree(paths: Sequence[list[Any]]) -> dict[str, Any]:
    """The closed paths as the twin walks them: a node holds `only` (the fields of a closed
    object) and `in` (the nodes under its fields; list items under `[]`)."""
    root: dict[str, Any] = {}
    for path, names in paths:
        if names is None:
            continue
        node = root
        for part in path:
            node = node.setdefault("in", {}).setdefault(part, {})
        node["only"] = list(names)
    return root


def gathered(
    seen: Sequence[Seen],
    kinds: dict[tuple[str, str], tuple[str, str]],
    keys: Mapping[str, str] = {},
    listed: int = LISTED,
) -> tuple[dict[str, list[tuple[str, Any]]], dict[str, list[tuple[Any, Any]]]]:
    """Collection -> its (holder, answer) pairs: the 2xx answers to its items' writes and reads,
    and the items its lists show (the same objects: a kind of item only ever listed still shows
    its fields); and collection -> its writes' (request, answer) pairs. A listed item counts as
    its own holder (`keys`: each collection's key field), not its recording's: an object many
    recordings list (one a test left behind, with the custom fields of its own) is one object's
    evidence. `listed`: the items read of each list."""
    answers: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    writes: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        if kind == "list" and 200 <= s.status < 300 and isinstance(s.response, list):
            key = keys.get(coll, "")
            answers[coll] += [
                (f"{coll}#{item[key]}" if key in item else s.session, item)
                for item in s.response[:listed]
                if isinstance(item, dict)
            ]
        elif kind in READS and 200 <= s.status < 300 and isinstance(s.response, dict):
            answers[coll].append((s.session, s.response))
            if kind != "read" and isinstance(s.request, dict):
                writes[coll].append((s.request, s.response))
    return answers, writes


def learn_closed(
    seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]], keys: Mapping[str, str] = {}
) -> dict[str, dict[str, Any]]:
    """Collection -> the tree of its object paths, from its answers (`gathered`)."""
    answers, writes = gathered(seen, kinds, keys)
    return {
        coll: found for coll, pairs in answers.items() if (found := tree(closed_paths(pairs, writes[coll])))
    }
