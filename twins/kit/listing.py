"""The documents of one collection path, filtered by the query, for the resource engine's lists.

`field=value` filters are answered from an index of the field's values over the collection
path's documents, built on the first list that filters by that field and kept until a document
of the tenant is added, changed or removed (`Collection.changes`); other filters (`q`, `search`
and `filter` expressions) test the documents the index leaves. The order is the store's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from twins._runtime.collection import Collection, Row, TenantState
from twins.kit.documents import DOCUMENTS, body_of
from twins.kit.filters import equal_key, split

Positions = dict[str | None, list[int]]


class _Scope:
    """One collection path's rows at one version of the tenant's documents, and their indexes."""

    __slots__ = ("indexes", "rows")

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.indexes: dict[str, Positions] = {}

    def index(self, name: str) -> Positions:
        found = self.indexes.get(name)
        if found is None:
            found = {}
            for at, row in enumerate(self.rows):
                found.setdefault(equal_key(body_of(row), name), []).append(at)
            self.indexes[name] = found
        return found


class Listing:
    """Filtered lists of documents, per tenant (held while the tenant's documents are)."""

    def __init__(self) -> None:
        self._held: WeakKeyDictionary[Collection, tuple[int, dict[str, _Scope]]] = WeakKeyDictionary()

    def _scope(self, docs: Collection, scope: str) -> _Scope:
        held = self._held.get(docs)
        if held is None or held[0] != docs.changes:
            held = (docs.changes, {})
            self._held[docs] = held
        found = held[1].get(scope)
        if found is None:
            found = held[1][scope] = _Scope(docs.where("scope", scope))
        return found

    def rows(self, state: TenantState, scope: str, args: Mapping[str, Any]) -> list[Row]:
        """The rows of `scope` that pass every filter of `args`."""
        if DOCUMENTS not in state.collections:
            return []
        held = self._scope(state[DOCUMENTS], scope)
        equal, other = split(args) if args else ([], [])
        if not equal:
            rows = list(held.rows)
        else:
            kept: set[int] | None = None
            for name, wanted in equal:
                index = held.index(name)
                hits = {*index.get(wanted, ()), *index.get(None, ())}
                kept = hits if kept is None else kept & hits
            rows = [held.rows[at] for at in sorted(kept or ())]
        for test in other:
            rows = [row for row in rows if test(body_of(row))]
        return rows
