"""The hits of a query counted from the indexes, listed only as far as a page needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload


class Hits(Sequence[str]):
    """The issues of `found` in the order of `walk`: its length is the set's, and a slice walks the
    order only as far as its end."""

    def __init__(self, walk: Sequence[str], found: set[str]) -> None:
        self.walk, self.found = walk, found

    def __len__(self) -> int:
        return len(self.found)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, int):
            got = self[index : index + 1 or None]
            if not got:
                raise IndexError(index)
            return got[0]
        start, stop, step = index.indices(len(self.found))
        out: list[str] = []
        seen, found = 0, self.found
        if start >= stop:
            return out
        for i in self.walk:
            if i in found:
                if seen >= start:
                    out.append(i)
                seen += 1
                if seen >= stop:
                    break
        return out[::step]
