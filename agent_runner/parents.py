"""A fixed document under an item answered as the item's state decides (`by_parent`).

An Okta SAML app's metadata (`GET /api/v1/apps/{appId}/sso/saml/metadata`) lists
`SingleLogoutService` elements exactly when the app's `settings.signOn.slo.enabled` is true. Of a
fixed document read under an item whose training answers come in several shapes (the element
names of a text document, the field paths of a JSON one), the item's field whose value tells the
shapes apart is learnt: for each read, the item as its recording last showed it before (a
create's, update's or read's answer in the same recording), and a field of it (a scalar, a few
levels deep) whose values never meet across shapes, each shape shown by `AT_LEAST` recordings.
The twin answers such a read with the example recorded for the value the item holds
(`twins.kit.parents`)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.closed import objects
from agent_runner.model import Resource, ServiceModel
from agent_runner.paths import item_at
from twins.kit.parents import value_of

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # recordings showing each shape
DEPTH = 4
ELEMENT = re.compile(r"<([A-Za-z][\w:.-]*)")
ITEM_KINDS = ("create", "update", "read")
SWITCH = {"true", "false", "null"}  # a flag's values: preferred to other fields as telling


def shape(s: Seen) -> frozenset[str]:
    """The element names of a text answer, or the field paths of a JSON one."""
    if s.response is None:
        return frozenset(ELEMENT.findall(s.text or ""))
    return frozenset(".".join(p) + ":" + k for p, obj in objects(s.response) for k in obj)


def scalars(doc: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of an object's scalars, `DEPTH` objects deep."""
    if not isinstance(doc, dict) or depth >= DEPTH:
        return
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from scalars(value, path, depth + 1)
        elif value is None or isinstance(value, (str, int, float, bool)):
            yield path, value


def deciding(rows: Sequence[tuple[str, frozenset[str], dict[str, Any]]]) -> str | None:
    """The field of the items whose values tell the shapes apart ((recording, shape, item) rows):
    a flag (`slo.enabled`) before a field that merely goes with it (the `spIssuer` set with it),
    then fewest values, then shortest; None when none does or a shape has too few recordings."""
    shapes = {s for _, s, _ in rows}
    if len(shapes) < 2 or any(len({r for r, s, _ in rows if s == one}) < AT_LEAST for one in shapes):
        return None
    paths = {p for _, _, item in rows for p, _ in scalars(item)}
    values: dict[str, dict[str, set[frozenset[str]]]] = defaultdict(lambda: defaultdict(set))
    for _, s, item in rows:
        for path in paths:
            values[path][value_of(item, path)].add(s)
    found = [
        (not set(by_value) <= SWITCH, len(by_value), path.count("."), path)
        for path, by_value in values.items()
        if all(len(s) == 1 for s in by_value.values())
    ]
    return min(found)[3] if found else None


def learn_by_parent(
    model: ServiceModel,
    resources: dict[str, Resource],
    seen: Sequence[Seen],
    kinds: dict[tuple[str, str], tuple[str, str]],
) -> None:
    items: dict[tuple[str, str, str], dict[str, Any]] = {}  # (recording, collection, key) -> item
    rows: dict[str, list[tuple[str, frozenset[str], dict[str, Any], Seen]]] = defaultdict(list)
    parents = {
        op.path: res
        for op in model.operations
        if op.kind == "singleton" and op.method == "GET"
        for res in resources.values()
        if op.path.startswith(f"{res.collection}/{{{res.param}}}/")
    }
    for s in sorted(seen, key=lambda s: (s.session, s.index)):
        kind, coll = kinds[(s.method, s.template)]
        ok = 200 <= s.status < 300
        if ok and kind in ITEM_KINDS and coll in resources and isinstance(s.response, dict):
            key = s.response.get(resources[coll].key)
            if key is not None:
                items[(s.session, coll, str(key))] = s.response
        res = parents.get(s.template)
        if ok and s.method == "GET" and res is not None:
            where = item_at(s.path, res.collection)
            item = items.get((s.session, res.collection, where[1])) if where is not None else None
            if item is not None:
                rows[s.template].append((s.session, shape(s), item, s))
    for op in model.operations:
        found = rows.get(op.path, []) if op.method == "GET" else []
        field = deciding([(r, sh, i) for r, sh, i, _ in found]) if found else None
        if field is None:
            continue
        examples = {value_of(item, field): s.example().model_dump() for _, _, item, s in found}
        op.by_parent = {"collection": parents[op.path].collection, "field": field, "examples": examples}
