"""Every issue in the order of one sort field, kept in order as issues come, change and go."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import Any


class Descending:
    """A sort value that orders before the smaller ones (a descending order kept ascending)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: Descending) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Descending) and bool(self.value == other.value)

    __hash__ = None  # type: ignore[assignment]


class SortedOrder:
    """Issue ids by `value_of`, ties in the order the issues were added (as a stable sort of the
    documents gives them); an added or removed issue costs a binary search and a list insert."""

    def __init__(
        self, ids: Iterable[str], value_of: Callable[[str], Any], rank: Callable[[str], int], descending: bool
    ) -> None:
        self.value_of, self.descending = value_of, descending
        self.ids = sorted(ids, key=rank, reverse=descending)
        self.keys = [self._key(i) for i in self.ids]
        self.key_of = dict(zip(self.ids, self.keys, strict=True))

    def _key(self, issue_id: str) -> Any:
        value = self.value_of(issue_id)
        return Descending(value) if self.descending else value

    def add(self, issue_id: str) -> None:
        """A new (or replaced) issue: after the ones of an equal value, as it is the newest."""
        key = self._key(issue_id)
        at = bisect_right(self.keys, key)
        self.keys.insert(at, key)
        self.ids.insert(at, issue_id)
        self.key_of[issue_id] = key

    def remove(self, issue_id: str) -> None:
        key = self.key_of.pop(issue_id, None)
        if key is None:
            return
        at = bisect_left(self.keys, key)
        while self.ids[at] != issue_id:  # past the others of an equal value
            at += 1
        del self.keys[at], self.ids[at]
