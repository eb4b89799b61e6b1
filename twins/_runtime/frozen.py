"""Read-only rows: what a collection holds cannot be changed in place.

A row in a tenant state stands for one version of a record: a write replaces it by a new row
(`Collection.update`), records the undo and queues the write. A row changed in place skips all
three, and also every cache keyed by the row object (Okta's encoded users, Slack's rendered
messages): the change is served from memory, never written, and lost at the next reload. So rows,
and the lists and dicts inside their JSON columns, are stored as `FrozenDict` and `FrozenList`:
subclasses of dict and list (every read, `json`, the database drivers and `==` see plain dicts and
lists) whose changing methods raise `RowChanged`. `dict(row)`, `{**row}`, `row | {...}`,
`row.copy()` and `list(value)` give plain, changeable copies.

Freezing costs a copy of the row and a walk of its JSON values at insert, update and load, never
at a read (bench/RESULTS.md, "read-only rows").
"""

from __future__ import annotations

from typing import Any, NoReturn


class RowChanged(TypeError):
    """A stored row (or a list or dict inside one, or the tenant's meta) was changed in place."""


def _refuse(self: object, *_args: Any, **_kw: Any) -> NoReturn:
    raise RowChanged(
        "stored rows, the values in them and the values in state.meta are read-only: write with "
        "Collection.update(key, field=value) or state.meta[key] = value instead of changing them in "
        "place (dict(value) and list(value) are changeable copies)"
    )


class PlainCopies(dict[str, Any]):
    """A dict whose copies (`copy`, `deepcopy`, pickling) are plain, changeable dicts."""

    __slots__ = ()

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return thaw(self)  # type: ignore[no-any-return]

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class FrozenDict(PlainCopies):
    """A dict that refuses changes (see the module docstring)."""

    __slots__ = ()
    __setitem__ = __delitem__ = _refuse
    update = pop = popitem = clear = setdefault = __ior__ = _refuse


class FrozenList(list[Any]):
    """A list that refuses changes (see the module docstring)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return thaw(self)  # type: ignore[no-any-return]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


LEAVES = frozenset({str, int, float, bool, type(None), tuple, FrozenDict, FrozenList})
# The empty list and dict of every stored row that holds one (read-only, so one of each serves
# all): what `freeze_row` keeps of an empty list or dict (a JSON column's default, mostly).
EMPTY_LIST = FrozenList()
EMPTY_DICT = FrozenDict()


def freeze(value: Any) -> Any:
    """`value` with every dict and list in it read-only (a value already frozen is kept)."""
    if value.__class__ in LEAVES:
        return value
    if isinstance(value, dict):
        if LEAVES.issuperset(map(type, value.values())):  # flat: one copy, no loop in Python
            return FrozenDict(value)
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        if LEAVES.issuperset(map(type, value)):
            return FrozenList(value)
        return FrozenList([freeze(v) for v in value])
    return value


def freeze_row(row: dict[str, Any], containers: tuple[str, ...] | None = None) -> FrozenDict:
    """A stored row made from `row` (which is not changed). `containers`: the only fields that may
    hold lists or dicts (a table's JSON columns), when known; else every field is looked at."""
    frozen = FrozenDict(row)
    if containers is None:
        containers = tuple(row)
    for key in containers:
        value = row.get(key)
        cls = value.__class__
        if cls in LEAVES:
            continue
        if cls is list and not value:  # the common case (empty JSON columns): no call
            _set(frozen, key, EMPTY_LIST)
        elif cls is dict and not value:
            _set(frozen, key, EMPTY_DICT)
        else:
            _set(frozen, key, freeze(value))
    return frozen


_set = dict.__setitem__


def thaw(value: Any) -> Any:
    """A changeable deep copy of a frozen value (plain dicts and lists)."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    return value
