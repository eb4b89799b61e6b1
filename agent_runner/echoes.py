"""How a resource's answers echo what its writes send, beyond a field answered where it was sent:

- `echoed`: top-level fields every answer to a create holds when the request sent them, and
  `optional`, those of them no answer holds when it did not (an Okta device assurance's
  `jailbreak` or `thirdPartySignalProviders`, per platform): a twin answering from a recorded
  create of another kind adds those this request sends and drops the optional ones it leaves out.
- `copies`: fields that hold a value the request sent elsewhere (a device assurance's
  `resourceDisplayName.value` is its `name`): answer path -> request path, from creates and
  updates that always agree, with at least two different values.

- `closed`: the objects whose fields are a fixed set, where a sent field no answer showed is
  dropped (`agent_runner.closed`).
- `added`: the fields the vendor adds to the items of a list a create sends (an id of its own,
  a field left null), per list-item path (`agent_runner.added`).

The twin applies them to what it answers and stores (`twins.kit.echoes`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.added import learn_added
from agent_runner.closed import learn_closed
from agent_runner.model import Resource

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # creates with the field and without it; writes showing a copy (distinct values)
DEPTH = 3
WRITES = ("create", "update")


def leaves(body: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(dotted path, value) of the strings of an object's objects (not in lists), `DEPTH` deep."""
    if not isinstance(body, dict) or depth >= DEPTH:
        return
    for key, value in body.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, str) and value:
            yield path, value
        elif isinstance(value, dict):
            yield from leaves(value, path, depth + 1)


def echoed(pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]], key: str) -> tuple[list[str], list[str]]:
    """The top-level fields every create answer holds when the request sent them, and of those,
    the ones no answer holds when it did not (seen both ways, of `AT_LEAST` + 1 creates)."""
    names = {k for request, _ in pairs for k in request} - {key}
    held, only = [], []
    for name in sorted(names):
        if any(name in request and name not in answer for request, answer in pairs):
            continue
        held.append(name)
        unsent = [answer for request, answer in pairs if name not in request]
        if unsent and len(pairs) > AT_LEAST and all(name not in answer for answer in unsent):
            only.append(name)
    return held, only


def copies(pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, str]:
    """Answer path -> the one request path whose value it always holds (never a path requests
    send themselves), shown with `AT_LEAST` different values."""
    sent_paths = {p for request, _ in pairs for p, _ in leaves(request)}
    agreed: dict[tuple[str, str], set[str]] = defaultdict(set)
    broken: set[tuple[str, str]] = set()
    for request, answer in pairs:
        given = dict(leaves(request))
        for q, value in leaves(answer):
            if q in sent_paths:
                continue
            for p, sent in given.items():
                (agreed[(q, p)].add(value) if sent == value else broken.add((q, p)))
    found: dict[str, list[str]] = defaultdict(list)
    for (q, p), values in agreed.items():
        if (q, p) not in broken and len(values) >= AT_LEAST:
            found[q].append(p)
    return {q: ps[0] for q, ps in sorted(found.items()) if len(ps) == 1}


def learn_echoes(
    resources: dict[str, Resource], seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> None:
    creates: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    writes: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        ok = 200 <= s.status < 300 and isinstance(s.request, dict) and isinstance(s.response, dict)
        if kind in WRITES and ok and coll in resources:
            writes[coll].append((s.request, s.response))
            if kind == "create":
                creates[coll].append((s.request, s.response))
    for coll, pairs in writes.items():
        res = resources[coll]
        found: dict[str, Any] = {}
        held, only = echoed(creates[coll], res.key)
        if held:
            found["echoed"] = held
        if only:
            found["optional"] = only
        copied = copies(pairs)
        if copied:
            found["copies"] = copied
        res.echoes = found
    keys = {c: r.key for c, r in resources.items()}
    for coll, closed in learn_closed(seen, kinds, keys).items():
        if coll in writes:
            resources[coll].echoes["closed"] = closed
    for coll, added in learn_added(seen, kinds, keys).items():
        if creates[coll]:
            resources[coll].echoes["added"] = added
