"""`twins.kit.identity.ByIdentity`: what is made from an unchanging object, kept by its identity."""

from __future__ import annotations

from twins.kit.identity import MISSING, ByIdentity


def test_made_once_per_object_and_tag_and_never_for_an_equal_object() -> None:
    kept: ByIdentity[int] = ByIdentity(10)
    made: list[object] = []

    def size(source: list[int]) -> int:
        made.append(source)
        return len(source)

    first, equal = [1, 2], [1, 2]
    assert kept.made(first, "size", size) == 2
    assert kept.made(first, "size", size) == 2
    assert made == [first]  # made once
    assert kept.get(equal, "size") is MISSING  # an equal object is another object
    assert kept.get(first, "other") is MISSING
    assert kept.put(first, "falsy", 0) == 0 and kept.get(first, "falsy") == 0


def test_starts_again_empty_when_full() -> None:
    kept: ByIdentity[str] = ByIdentity(2)
    held = [object() for _ in range(3)]
    kept.put(held[0], "t", "a")
    kept.put(held[1], "t", "b")
    kept.put(held[2], "t", "c")  # full: the first two are let go
    assert len(kept) == 1
    assert kept.get(held[0], "t") is MISSING and kept.get(held[2], "t") == "c"
