"""An object's state over time: recordings are made months apart against one live account, and a
pre-existing object read in several of them (an issue closed, reopened, given assignees, commented
on) shows a different state in each. A twin seeded with one of those reads answers it as it stood
then, whatever the time. For each seeded object read or written in recordings made at two times
or more with different answers, the twin keeps every state the training traffic showed of it and
when: the answer of each read of the object itself, and of each write answering the object (the
state it left). A fresh tenant whose clock is set to a time then sees the object as the latest
state shown at or before that time (the first shown, before any), until the tenant writes it
(`twins.kit.versions`); the parity replay sets the tenant's clock to the time its recording
began. Lists filter such objects by their seeded state: the latest shown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.model import Resource, Seed
from agent_runner.paths import item_at
from recorder.parity.world import epoch
from twins.kit.documents import row_id

if TYPE_CHECKING:
    from agent_runner.infer import Seen

MOST = 12  # states kept per object, the latest


def _key(s: Seen, res: Resource) -> tuple[str, str] | None:
    """(scope, key) of the item `s` reads or writes, when it answers the item itself."""
    template = res.collection + "/{" + res.param + "}"
    if s.template != template or not isinstance(s.response, dict):
        return None
    where = item_at(s.path.rstrip("/"), res.collection)
    if where is None:
        return None
    scope, named = where
    key = s.response.get(res.key)
    if key is None or (s.method != "GET" and str(key) != named and named not in _aliases(s.response, res)):
        return None  # a write whose answer is not the item it wrote
    return scope, str(key)


def _aliases(body: dict[str, Any], res: Resource) -> set[str]:
    return {str(body[a]) for a in res.aliases if isinstance(body.get(a), str | int)}


def learn_versions(
    seeds: Sequence[Seed],
    seen: Sequence[Seen],
    kinds: dict[tuple[str, str], tuple[str, str]],
    resources: dict[str, Resource],
) -> dict[str, Any]:
    """Row id of a seeded document -> {"states": [{"at": seconds, "body": …}, …] oldest first,
    "seed": the seeded body}, for documents shown in different states at different times. Their
    seeds become the latest state shown, so that a tenant on the real clock lists and filters
    them as it reads them."""
    seeded = {(s.scope, s.key): s for s in seeds}
    states: dict[tuple[str, str], dict[float, Any]] = {}
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        if res is None or kind not in ("read", "update") or not 200 <= s.status < 300 or not s.ts:
            continue
        where = _key(s, res)
        at = epoch(s.ts)
        if where is None or where not in seeded or at is None:
            continue
        states.setdefault(where, {})[at] = s.response
    out: dict[str, Any] = {}
    for where, shown in sorted(states.items()):
        timeline = [{"at": at, "body": body} for at, body in sorted(shown.items())]
        kept = [e for i, e in enumerate(timeline) if i == 0 or e["body"] != timeline[i - 1]["body"]]
        if len(kept) < 2:
            continue
        found = seeded[where]
        timed = [{"at": e["at"], "body": with_more(e["body"], found.body)} for e in kept[-MOST:]]
        found.body = timed[-1]["body"]  # a tenant at the clock's own time: as last shown
        out[row_id(*where)] = {"states": timed, "seed": found.body}
    return out


def with_more(doc: Any, other: Any) -> Any:
    """`doc` with the fields of `other` it lacks (fields the API added since), at its top level
    and one level down."""
    if not isinstance(doc, dict) or not isinstance(other, dict):
        return doc
    out = {**doc, **{k: v for k, v in other.items() if k not in doc}}
    for key, value in doc.items():
        more = other.get(key)
        if isinstance(value, dict) and isinstance(more, dict) and value:
            out[key] = {**value, **{k: v for k, v in more.items() if k not in value}}
    return out
