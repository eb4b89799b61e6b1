"""Fields a request leaves out take the vendor's default (learnt from the recordings), not the
value the recorded request the answer is made from had sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def has(doc: Any, parts: list[str]) -> bool:
    """Whether `doc` supplies the dotted path `parts` (or a value where an object of it would be)."""
    for part in parts:
        if not isinstance(doc, dict) or part not in doc:
            return False
        doc = doc[part]
        if not isinstance(doc, dict):
            return True
    return True


def with_defaults(body: Any, recorded: Any, sent: Any, defaults: Mapping[str, Any]) -> Any:
    """`body` (made from the answer to `recorded`) with each default whose field `recorded`
    supplied and `sent` leaves out; only where the answer's objects lead to the field."""
    if not defaults or not isinstance(body, dict):
        return body
    out = body
    for path, value in defaults.items():
        parts = path.split(".")
        if not has(recorded, parts) or has(sent, parts):
            continue
        doc: Any = out
        for part in parts[:-1]:
            doc = doc.get(part) if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or parts[-1] not in doc or doc[parts[-1]] == value:
            continue
        out = _set(out, parts, value)
    return out


def _set(doc: dict[str, Any], parts: list[str], value: Any) -> dict[str, Any]:
    """A copy of `doc` with `value` at `parts` (objects on the way copied, the rest shared)."""
    head, rest = parts[0], parts[1:]
    inner = doc.get(head)
    return {**doc, head: _set(dict(inner), rest, value) if rest and isinstance(inner, dict) else value}
