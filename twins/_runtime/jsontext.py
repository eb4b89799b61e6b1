"""JSON text as `json.dumps` writes it, byte for byte, for the hot paths that write many small values.

`json.dumps(value)` goes through `JSONEncoder.encode` and `iterencode`, which build a new C encoder
on every call; for the small values a twin writes per request (a message's members, a row's JSON
columns) that set-up costs more than the encoding. Here each C encoder is built once. Circular
structures are not looked for (a twin's values are trees); everything else, including the errors
for values JSON cannot hold, is the standard library's.

An object is written a value at a time, and the text of a read-only list or object in it
(`frozen.py`: a part of a recorded answer or of a stored row, which many documents share) is kept
by its identity and written again without encoding it: the text of what cannot change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

from twins._runtime.frozen import FrozenDict, FrozenList

# The text of an empty value, by type (stored rows hold read-only lists and dicts, frozen.py).
EMPTY: dict[type, str] = {list: "[]", dict: "{}", str: '""', FrozenList: "[]", FrozenDict: "{}"}
KEPT = 4_096  # texts of read-only values kept per encoder (all let go when full)


def _make(
    item_separator: str,
    key_separator: str,
    *,
    ascii_only: bool = True,
    allow_nan: bool = True,
    known: dict[int, tuple[Any, str]] | None = None,
) -> Callable[[Any], str]:
    """The encoder; `known`: texts of read-only objects told beforehand (by identity)."""
    reference = json.JSONEncoder(
        separators=(item_separator, key_separator), ensure_ascii=ascii_only, allow_nan=allow_nan
    )
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator (another Python): the standard encoder, unchanged
        return reference.encode
    string = _encoder.encode_basestring_ascii if ascii_only else _encoder.encode_basestring
    one = make(
        None, reference.default, string, None, key_separator, item_separator, False, False, allow_nan
    )  # fmt: skip
    join = "".join
    texts: dict[int, tuple[Any, str]] = {}  # by identity, the value kept beside its text
    told: dict[int, tuple[Any, str]] = {} if known is None else known
    heads: dict[str, str] = {}  # a key's text and the separator after it: the same few keys

    def head(key: str) -> str:
        if len(heads) >= KEPT:
            heads.clear()
        text = heads[key] = string(key) + key_separator
        return text

    def obj(value: dict[str, Any]) -> str:
        parts = []
        for key, item in value.items():
            if key.__class__ is not str:  # written as json.dumps writes it, or refused alike
                return join(one(value, 0))
            cls = item.__class__
            if cls is str:
                text = string(item)
            elif item is None:
                text = "null"
            elif item is True or item is False:
                text = "true" if item else "false"
            elif cls is int:
                text = int.__repr__(item)
            elif cls is FrozenDict or cls is FrozenList:
                hit = texts.get(id(item))
                if hit is None or hit[0] is not item:
                    if len(texts) >= KEPT:
                        texts.clear()
                    hit = texts[id(item)] = (item, join(one(item, 0)))
                text = hit[1]
            else:
                text = join(one(item, 0))
            parts.append((heads.get(key) or head(key)) + text)
        return "{" + item_separator.join(parts) + "}"

    def dumps(value: Any) -> str:
        cls = value.__class__
        if cls is str:
            return string(value)  # what encode() does for a string
        if cls is FrozenDict and told:
            hit = told.pop(id(value), None)  # told for one write
            if hit is not None and hit[0] is value:
                return hit[1]
        if cls is dict or cls is FrozenDict:
            return obj(value) if value else "{}"
        return join(one(value, 0))

    return dumps


compact = _make(",", ":")
"""`json.dumps(value, separators=(",", ":"))`."""

answer = _make(",", ":", ascii_only=False, allow_nan=False)
"""`json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)`."""

KNOWN = 1_024  # texts told (`known`): needed until the row is written, so few are kept
_known: dict[int, tuple[Any, str]] = {}
_default = _make(", ", ": ", known=_known)


def known(value: FrozenDict, text: str) -> None:
    """Say that `default(value)` is `text` (a read-only object whose text was made without encoding
    it, a create's stored document from its render plan): written as it is the next time."""
    if len(_known) >= KNOWN:
        _known.clear()
    _known[id(value)] = (value, text)


def default(value: Any) -> str:
    """`json.dumps(value)`; empty and null values are answered without the encoder."""
    if value is None:
        return "null"
    if not value:
        empty = EMPTY.get(type(value))
        if empty is not None:
            return empty
    return _default(value)
