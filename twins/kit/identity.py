"""What is made from an object that is never changed in place (a read-only part of a recorded
body, a stored document: a write stores a new object), kept by the object's identity."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")
MISSING: Any = object()


class ByIdentity(Generic[V]):
    """A bounded map from an object's identity and a tag to what was made from it. The object is
    kept beside what was made, so an object born later at a freed address is never taken for it;
    when full, the map starts again empty (what it holds is only ever a shortcut)."""

    __slots__ = ("_kept", "_limit")

    def __init__(self, limit: int) -> None:
        self._kept: dict[tuple[int, Hashable], tuple[Any, V]] = {}
        self._limit = limit

    def get(self, source: Any, tag: Hashable) -> V:
        """What was kept for `source` and `tag`, else `MISSING`."""
        hit = self._kept.get((id(source), tag))
        return hit[1] if hit is not None and hit[0] is source else MISSING

    def put(self, source: Any, tag: Hashable, value: V) -> V:
        if len(self._kept) >= self._limit:
            self._kept.clear()
        self._kept[(id(source), tag)] = (source, value)
        return value

    def made(self, source: Any, tag: Hashable, make: Callable[[Any], V]) -> V:
        """What `make` makes of `source`, made once per tag while `source` lives."""
        found = self.get(source, tag)
        return self.put(source, tag, make(source)) if found is MISSING else found

    def __len__(self) -> int:
        return len(self._kept)
