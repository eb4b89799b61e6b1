"""JSON text as `json.dumps` writes it, byte for byte, for the hot paths that write many small values.

`json.dumps(value)` goes through `JSONEncoder.encode` and `iterencode`, which build a new C encoder
on every call; for the small values a twin writes per request (a message's members, a row's JSON
columns) that set-up costs more than the encoding. Here each C encoder is built once. Circular
structures are not looked for (a twin's values are trees); everything else, including the errors
for values JSON cannot hold, is the standard library's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

from twins._runtime.frozen import FrozenDict, FrozenList

# The text of an empty value, by type (stored rows hold read-only lists and dicts, frozen.py).
EMPTY: dict[type, str] = {list: "[]", dict: "{}", str: '""', FrozenList: "[]", FrozenDict: "{}"}


def _make(item_separator: str, key_separator: str) -> Callable[[Any], str]:
    reference = json.JSONEncoder(separators=(item_separator, key_separator))
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator (another Python): the standard encoder, unchanged
        return reference.encode
    one = make(
        None, reference.default, _encoder.encode_basestring_ascii, None,
        key_separator, item_separator, False, False, True,
    )  # fmt: skip
    join = "".join

    def dumps(value: Any) -> str:
        if value.__class__ is str:
            return _encoder.encode_basestring_ascii(value)  # what encode() does for a string
        return join(one(value, 0))

    return dumps


compact = _make(",", ":")
"""`json.dumps(value, separators=(",", ":"))`."""

_default = _make(", ", ": ")


def default(value: Any) -> str:
    """`json.dumps(value)`; empty and null values are answered without the encoder."""
    if value is None:
        return "null"
    if not value:
        empty = EMPTY.get(type(value))
        if empty is not None:
            return empty
    return _default(value)
