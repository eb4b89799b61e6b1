"""Values made up like recorded ones: of the same character classes, each class held."""

from __future__ import annotations

CLASSES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def alphabet_of(recorded: str) -> str:
    """The characters of the classes `recorded` holds ("" when it holds none of them)."""
    return "".join(chars for chars in CLASSES if any(c in chars for c in recorded))


def with_classes(made: str, recorded: str) -> str:
    """`made` (random characters of `recorded`'s classes, as long) holding each character class
    `recorded` holds: where one is missing, at the last place `recorded` has it, a character of
    that class (picked by what stands there)."""
    if len(made) != len(recorded):
        return made
    chars = list(made)
    for chars_of in CLASSES:
        if any(c in chars_of for c in recorded) and not any(c in chars_of for c in chars):
            place = max(i for i, c in enumerate(recorded) if c in chars_of)
            chars[place] = chars_of[ord(chars[place]) % len(chars_of)]
    return "".join(chars)
