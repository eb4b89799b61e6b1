"""Per-row render caches kept by the runtime: a twin declares how one row renders
(`RowRender(collection, render)`) and asks for a row's rendering; the runtime keeps it with the
tenant state's collection, per row key, until a write changes or removes that row.

Rows are read-only: a write (an update, a delete, an undo, a row reloaded from another process)
replaces or drops the row object, and the collection tells the render's cache, which listens to
it (`Collection.on_change`) as any cache of its rows does, to forget the renderings of that key.
A rendering is also tied to the very row object it was made from (compared by identity), and to
what else it read (`extra`, the request's base URL say, compared by equality), so an old version
of a row (the previous message of an edit) is rendered afresh and never kept. A reset, restore or
reload builds a new tenant state, which starts with none. `depends` gives a value of the state
(compared by equality) that every rendering reads besides its row, such as Slack's team id and
the change count of its apps: when it changes, every rendering is forgotten. `keep` says which
rows are worth keeping (not those rendered from rows of other collections that no write to this
one would tell about).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from twins._runtime.collection import Row, TenantState

V = TypeVar("V")


class RowRender(Generic[V]):
    """How one row of `collection` renders: `render(state, row, extra)`, made once per row
    version and `extra`, kept by the runtime (see the module's docstring)."""

    __slots__ = ("collection", "depends", "keep", "name", "render")

    def __init__(
        self,
        collection: str,
        render: Callable[[TenantState, Row, Any], V],
        *,
        depends: Callable[[TenantState], Any] | None = None,
        keep: Callable[[Row], bool] | None = None,
        name: str = "",
    ) -> None:
        self.collection = collection
        self.render = render
        self.depends = depends
        self.keep = keep
        self.name = name or getattr(render, "__qualname__", collection)

    def __repr__(self) -> str:
        return f"RowRender({self.collection!r}, {self.name})"

    def __call__(self, state: TenantState, row: Row, extra: Any = None) -> V:
        """The rendering of this version of `row` (made now if none is kept)."""
        coll = state[self.collection]
        cache = coll.renders.get(self)
        seen = None if self.depends is None else self.depends(state)
        if not isinstance(cache, Renderings):
            cache = coll.renders[self] = Renderings(seen)
            coll.on_change(cache.forget)  # a row written: its renderings go
        elif cache.seen != seen:
            cache.clear()
            cache.seen = seen
        key = row[coll.spec.key]
        found = cache.get(key)
        if found is not None and found[0] is row and (found[1] is extra or found[1] == extra):
            return found[2]  # type: ignore[no-any-return]
        value = self.render(state, row, extra)
        if coll.rows.get(key) is row and (self.keep is None or self.keep(row)):
            cache[key] = (row, extra, value)
        return value

    def many(self, state: TenantState, rows: Iterable[Row], extra: Any = None) -> list[V]:
        """The renderings of `rows`, in order."""
        return [self(state, row, extra) for row in rows]


class Renderings(dict[Any, tuple[Row, Any, Any]]):
    """One render's kept values of one collection: key -> (row, extra, value); `seen` is what
    the render's `depends` gave when it started."""

    def __init__(self, seen: Any) -> None:
        super().__init__()
        self.seen = seen

    def forget(self, key: Any) -> None:
        self.pop(key, None)
