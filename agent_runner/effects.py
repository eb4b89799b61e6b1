"""What an action does to its item beyond a status field: the fields that differ between the read
before it and the read after it (a Jira transition sets `fields.status`, `fields.resolution` and
`fields.resolutiondate`), learnt per kind of request (transition 41 resolves, 11 reopens).

A field counts when every recorded action with the same request left it with the same value
(timestamps count as the same), and no write between the two reads sent it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.model import Resource, ServiceModel
from agent_runner.shapes import DATE_TIME

if TYPE_CHECKING:
    from agent_runner.infer import Seen

Kinds = dict[tuple[str, str], tuple[str, str]]
EFFECTS_MOST = 8  # kinds of request per action
STAMP = "<timestamp>"
STATUS_FIELDS = ("status", "state")


def _same(value: Any) -> Any:
    """A value as effects compare it: any timestamp is the same as any other."""
    return STAMP if isinstance(value, str) and DATE_TIME.match(value) else json.dumps(value, sort_keys=True)


def _alike(one: Any, other: Any) -> bool:
    """The same value, or both text (free text, any of it will do: a field it sets to some text)."""
    return _same(one) == _same(other) or (isinstance(one, str) and isinstance(other, str))


def changed(before: dict[str, Any], after: dict[str, Any], at: str = "", depth: int = 0) -> dict[str, Any]:
    """Dotted path -> new value of what differs; an object without an id of its own (Jira's
    `fields`) is looked into, one with an id (a status) is a value."""
    out: dict[str, Any] = {}
    for key, new in after.items():
        path = f"{at}.{key}" if at else key
        old = before.get(key)
        container = isinstance(new, dict) and isinstance(old, dict) and not ({"id", "self"} & set(new))
        if container and depth < 1 and isinstance(old, dict):
            out.update(changed(old, new, path, depth + 1))
        elif key in before and old != new:
            out[path] = new
    return out


def sent_paths(body: Any, at: str = "", depth: int = 0) -> set[str]:
    """The dotted paths a write's body sets (two levels down)."""
    if not isinstance(body, dict) or depth > 1:
        return set()
    out: set[str] = set()
    for key, value in body.items():
        path = f"{at}.{key}" if at else key
        out.add(path)
        out |= sent_paths(value, path, depth + 1)
    return out


class _Tracker:
    """One recording's items as its reads show them, and the actions since each item's last read."""

    def __init__(self, resources: dict[str, Resource], kinds: Kinds) -> None:
        self.resources = resources
        self.kinds = kinds
        self.aliases: dict[str, str] = {}  # item path by another field -> item path by key
        self.last: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, list[Seen]] = defaultdict(list)
        self.sent: dict[str, set[str]] = defaultdict(set)
        self.status: dict[str, str] = {}  # the item's status as its last answer showed it
        self.deleted: dict[str, str] = {}  # item -> its status when a DELETE was answered
        self.soft: dict[str, dict[str, str]] = defaultdict(dict)  # coll -> status -> status after

    def item(self, s: Seen, res: Resource) -> str | None:
        depth = (res.collection + "/{x}").count("/")
        segments = s.path.split("/")
        if len(segments) <= depth:
            return None
        path = "/".join(segments[: depth + 1])
        return self.aliases.get(path, path)

    def learn_names(self, item: str, res: Resource, body: dict[str, Any]) -> str:
        scope = item.rsplit("/", 1)[0]
        key = body.get(res.key)
        if key is None:
            return item
        own = f"{scope}/{key}"
        for name in res.aliases:
            if isinstance(body.get(name), str | int):
                self.aliases[f"{scope}/{body[name]}"] = own
        self.aliases[item] = own
        return own

    def see(self, s: Seen, found: list[tuple[Seen, dict[str, Any]]]) -> None:
        kind, coll = self.kinds[(s.method, s.template)]
        res = self.resources.get(coll)
        if res is None or not 200 <= s.status < 300:
            return
        item = self.item(s, res)
        if kind == "create" and isinstance(s.response, dict) and res.key in s.response:
            item = f"{s.path.rstrip('/')}/{s.response[res.key]}"
        if item is None:
            return
        self.soft_delete(s, coll, item, kind)
        if kind == "action":
            self.pending[item].append(s)
        elif kind == "update":
            self.sent[item] |= sent_paths(s.request)
        elif kind == "read" and isinstance(s.response, dict):
            item = self.learn_names(item, res, s.response)
            before, actions = self.last.get(item), self.pending.pop(item, [])
            if before is not None and len(actions) == 1:
                diff = changed(before, s.response)
                found.append((actions[0], {k: v for k, v in diff.items() if k not in self.sent[item]}))
            self.sent.pop(item, None)
            self.last[item] = s.response

    def soft_delete(self, s: Seen, coll: str, item: str, kind: str) -> None:
        """A DELETE the item outlived (answered again after it) only changed its status: Okta
        deprovisions an active user, and deletes it on the second DELETE."""
        body = s.response if isinstance(s.response, dict) else {}
        status = next((str(body[f]) for f in STATUS_FIELDS if isinstance(body.get(f), str)), None)
        if item in self.deleted and kind != "create":
            self.soft[coll][self.deleted.pop(item)] = status or ""
        if kind == "delete" and item in self.status:
            self.deleted[item] = self.status[item]
        if status is not None:
            self.status[item] = status


def learn_effects(
    model: ServiceModel, resources: dict[str, Resource], seen: Sequence[Seen], kinds: Kinds
) -> None:
    """Each action's effects: `[{"request": body, "set": {dotted path: value}}]`."""
    by_session: dict[str, list[Seen]] = defaultdict(list)
    for s in seen:
        by_session[s.session].append(s)
    found: list[tuple[Seen, dict[str, Any]]] = []
    for items in by_session.values():
        tracker = _Tracker(resources, kinds)
        for s in items:
            tracker.see(s, found)
        for coll, soft in tracker.soft.items():
            for old, new in soft.items():
                if new or old not in resources[coll].soft_deletes:
                    resources[coll].soft_deletes[old] = new
    groups: dict[tuple[str, str, str], list[tuple[Seen, dict[str, Any]]]] = defaultdict(list)
    for action, diff in found:
        groups[(action.method, action.template, json.dumps(action.request, sort_keys=True))].append(
            (action, diff)
        )
    effects: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for (method, template, _request), observed in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        first = observed[-1][1]
        kept = {
            path: value
            for path, value in first.items()
            if all(path in diff and _alike(diff[path], value) for _, diff in observed)
        }
        if kept:
            effects[(method, template)].append({"request": observed[-1][0].request, "set": kept})
    for op in model.operations:
        if op.kind == "action":
            op.effects = effects.get((op.method, op.path), [])[:EFFECTS_MOST]
