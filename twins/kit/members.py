"""Lists of members (`agent_runner.members`): each item a list holds by key only, answered as the
item of the collection its key names, as this tenant stores it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.kit.documents import DOCUMENTS, row_id


def as_members(
    state: TenantState, bodies: Sequence[Any], of: str, key: str, body: Callable[[Row], Any]
) -> list[Any]:
    """`bodies` with each that names an item of the collection `of` (by `key`) as that item."""
    if not of or DOCUMENTS not in state.collections:
        return list(bodies)
    docs = state[DOCUMENTS]
    out = []
    for item in bodies:
        named = item.get(key) if isinstance(item, dict) else None
        row = docs.get(row_id(of, str(named))) if named is not None else None
        out.append(body(row) if row is not None else item)
    return out
