"""Answers per kind of client (see `twins.kit.clients`): recordings made years apart, or against
different deployments of a service, show different answers to the same request. What the client
sent (User-Agent, Accept, credentials) tells them apart at serve time, so the model keeps:

- for a fixed document (a read with no ids in its path: `serverInfo`, `/field`, `createmeta`),
  an answer per kind of client and query, each made from that client's recordings as the
  document is from all of them (`agent_runner.deployments`);
- for every other operation, per kind of client, the fields every answer it got shows that not
  every answer of the operation does (`learn_shape`), to add to a stored document that lacks them;
  not a field some objects in one recording's answers hold and others lack (a fork's `parent`):
  the object decides that one, not the client.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner import deployments
from agent_runner.conventions import Variant
from twins.kit.clients import ADD, INTO, ITEMS, learn_shape

if TYPE_CHECKING:
    from agent_runner.infer import Seen

FIXED_MOST = 12  # answers of a fixed document kept, per kind of client and query
SHAPES_MOST = 24  # kinds of client whose shapes an operation keeps


def _key(client: dict[str, Any]) -> str:
    return json.dumps(client, sort_keys=True)


def fixed_variants(best: Sequence[Seen]) -> list[Variant]:
    """A fixed document's answer per kind of client and query (the most often seen first),
    each made from the answers of that kind as `deployments.consensus` makes one from all (and
    kept with them, for `agent_runner.eras`); none when every answer came from one kind of client
    with one query."""
    groups: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for s in best:
        groups[(_key(s.client), json.dumps(sorted(s.query)))].append(s)
    if len(groups) < 2:
        return []
    out: list[Variant] = []
    for (_client, query), group in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:FIXED_MOST]:
        example = group[-1].example()
        agreed = deployments.consensus(group, lists=True)
        example.response = agreed if agreed is not None else example.response
        example.request = dict(json.loads(query))
        example.client = group[-1].client
        out.append(Variant(example, group[-1], group))
    return out


def answer_shapes(ok: Sequence[Seen]) -> list[dict[str, Any]]:
    """Per kind of client, what its answers always show that the operation's do not always show
    (the kinds with the most answers first); none when one kind of client made every request."""
    groups: dict[str, list[Seen]] = defaultdict(list)
    for s in ok:
        if isinstance(s.response, dict | list):
            groups[_key(s.client)].append(s)
    if len(groups) < 2:
        return []
    everyone = [s.response for s in ok if isinstance(s.response, dict | list)]
    sessions: dict[str, list[Any]] = defaultdict(list)
    for s in ok:
        sessions[s.session].append(s.response)
    mixed = set().union(*(_varying(answers) for answers in sessions.values()))
    out = [
        {"client": json.loads(key), "shape": _client_shape([s.response for s in group], everyone, mixed)}
        for key, group in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:SHAPES_MOST]
    ]  # kinds of client with nothing to add kept too: a request most like one of them gets nothing
    return out if any(o["shape"] for o in out) else []


def _client_shape(answers: list[Any], everyone: list[Any], mixed: set[str]) -> dict[str, Any]:
    """`learn_shape` of one client's answers, without the fields the object decides."""
    shape = learn_shape(answers, everyone)
    if all(isinstance(a, list) for a in answers):  # a list's items: {ITEMS: what to add to each}
        items = _pruned(shape.get(ITEMS) or {}, mixed, "[]")
        return {ITEMS: items} if items else {}
    return _pruned(shape, mixed)


def _count(value: Any, at: str, objects: Counter[str], fields: Counter[str], depth: int = 0) -> None:
    """How many objects sit at each path of `value`, and how many of them hold each field."""
    if depth > 8:
        return
    if isinstance(value, list):
        for item in value[:20]:
            _count(item, f"{at}[]", objects, fields, depth + 1)
    elif isinstance(value, dict):
        objects[at] += 1
        for key, inner in value.items():
            here = f"{at}.{key}" if at else str(key)
            fields[here] += 1
            _count(inner, here, objects, fields, depth + 1)


def _varying(answers: list[Any]) -> set[str]:
    """Fields some objects at their place in one recording's answers hold and others lack: what
    the object decides (a fork's `parent`), not the client nor the time."""
    objects: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    for answer in answers:
        _count(answer, "", objects, fields)
    return {p for p, n in fields.items() if n < objects[p.rpartition(".")[0] if "." in p else ""]}


def _pruned(shape: dict[str, Any], mixed: set[str], at: str = "") -> dict[str, Any]:
    """`shape` without the fields to add that `mixed` names."""
    out: dict[str, Any] = {}
    added = {k: v for k, v in (shape.get(ADD) or {}).items() if (f"{at}.{k}" if at else k) not in mixed}
    if added:
        out[ADD] = added
    for part, suffix in ((INTO, ""), (ITEMS, "[]")):
        for key, inner in (shape.get(part) or {}).items():
            here = (f"{at}.{key}" if at else key) + suffix
            kept = _pruned(inner, mixed, here)
            if kept:
                out.setdefault(part, {})[key] = kept
    return out
