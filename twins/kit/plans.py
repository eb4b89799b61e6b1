"""What a write makes from its recorded example and the body it was sent, kept for the next call
that sends the same body: which recorded variant answers it, and the answer made from that
variant before anything of this call's own (keys, counters, times) is put in.

A client sends the same few bodies again and again (a create's title and labels), and everything
decided from the recorded examples and the body alone is a function of the two: the examples are
read-only (`Engine.examples`) and a sent body is JSON, written here as its `repr` (equal bodies,
in the same order, write the same text). What is kept is shared, never changed: a caller that
changes a kept object changes a copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

KEPT = 4_096  # entries kept per memo (all let go when full)
LONGEST = 2_048  # a body written longer than this is not kept (a text, a file)


def sent_key(sent: Any) -> str | None:
    """The text a sent body is kept by, or None when it is not kept (too long)."""
    text = repr(sent)
    return text if len(text) <= LONGEST else None


class Memo:
    """A bounded memo of what a call makes from read-only sources and its sent body; each entry
    holds its sources beside it, so an identity is never taken for another's."""

    __slots__ = ("_kept",)

    def __init__(self) -> None:
        self._kept: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}

    def get(self, sources: tuple[Any, ...], text: str | None, make: Callable[[], T]) -> T:
        """`make()`, or what it made before for the same `sources` (by identity) and sent body
        `text` (None: made anew, not kept)."""
        if text is None:
            return make()
        key = (*map(id, sources), text)
        hit = self._kept.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], sources, strict=True)):
            found: T = hit[1]
            return found
        if len(self._kept) >= KEPT:
            self._kept.clear()
        made = make()
        self._kept[key] = (sources, made)
        return made
