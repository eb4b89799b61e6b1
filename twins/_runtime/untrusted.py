"""Checks on decoded JSON from clients: text that a database cannot store (a NUL character, which
PostgreSQL refuses; an unpaired UTF-16 surrogate, which no UTF-8 database takes) is found here, so
that each vendor answers it with its own error and SQLite and PostgreSQL never differ."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

# A JSON text that may hold a lone surrogate (an escape, or raw CESU-8 bytes) or a NUL escape.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_NUL = b"\\u0000"

Problem = Literal["surrogate", "nul"]


def unstorable(body: bytes, data: Any) -> Problem | None:
    """What in `data` (decoded from `body`) no database stores, or None. Only bodies whose bytes
    hint at one are looked at; RecursionError for data nested past the interpreter's depth."""
    # substring looks first, faster than the pattern (find, not `in`: see redact._hint)
    maybe = body.find(b"\\u") != -1 or body.find(b"\xed") != -1
    surrogate = maybe and _SURROGATE.search(body) is not None
    nul = maybe and body.find(_NUL) != -1
    if surrogate:
        try:  # pairs were joined into one character by the decoder; a lone one cannot be encoded
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return "surrogate"
    if nul and has_nul(data):
        return "nul"
    return None


def has_nul(value: Any) -> bool:
    """Whether a NUL character is in any string (key or value) of a decoded JSON value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in k or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False
