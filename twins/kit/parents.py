"""A fixed document under an item answered as the item's state decides (`agent_runner.parents`):
an Okta SAML app's metadata with its single logout services when the app has single logout
enabled, without them when not."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from twins.kit.call import Call
from twins.kit.filters import dotted


class Holder(Protocol):
    """What the engine offers: its resources by collection, an item's row and its body."""

    @property
    def resources(self) -> Mapping[str, Any]: ...

    def of_operation(self, call: Call) -> Mapping[str, Any]: ...

    def find(self, state: Any, res: Any, scope: str, key: str) -> Any: ...

    def body(self, call: Call, row: Any) -> Any: ...


def value_of(item: Any, field: str) -> str:
    """The item's value at the dotted `field` as JSON text (`null` when it has none)."""
    return json.dumps(dotted(item, field), sort_keys=True)


def of_parent(engine: Holder, call: Call, recorded: dict[str, Any]) -> dict[str, Any]:
    """The recorded read for the value of the learnt field of the item the document is under (as
    the tenant holds it), else `recorded`."""
    learnt = engine.of_operation(call).get("by_parent")
    if not learnt:
        return recorded
    res = engine.resources.get(str(learnt.get("collection")))
    key = call.path.get(res.param, "") if res is not None else ""
    if res is None or not key:
        return recorded
    row = engine.find(call.state, res, res.collection.format_map(call.path), key)
    if row is None:
        return recorded
    found = (learnt.get("examples") or {}).get(value_of(engine.body(call, row), str(learnt.get("field"))))
    return found if isinstance(found, dict) else recorded
