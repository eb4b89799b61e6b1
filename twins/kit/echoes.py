"""What a write's answer echoes beyond a field answered where it was sent (`agent_runner.echoes`):
top-level fields a create's answer holds exactly when they were sent, and fields that copy a value
the request sent elsewhere (a name shown again as a display name), and the fields the vendor adds
to the items of a sent list (`twins.kit.added`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from twins.kit.added import with_added
from twins.kit.closed import kept
from twins.kit.filters import dotted
from twins.kit.templates import SECRET


def _with(doc: dict[str, Any], parts: list[str], value: Any) -> dict[str, Any]:
    """A copy of `doc` with `value` at `parts`, only where its objects lead there."""
    head, rest = parts[0], parts[1:]
    if not rest:
        return {**doc, head: value} if head in doc else doc
    inner = doc.get(head)
    return {**doc, head: _with(inner, rest, value)} if isinstance(inner, dict) else doc


def as_sent(body: Any, sent: Any, echoes: Mapping[str, Any], *, create: bool) -> Any:
    """`body` (an answer made from a recorded one) with the fields only sent ones hold as this
    request sends them (on a create) and the copies of what it sent, without what it sent to an
    object beyond the fields it has (`twins.kit.closed`)."""
    if not echoes or not isinstance(body, dict) or not isinstance(sent, Mapping):
        return body
    out = dict(body)
    if create:
        for name in echoes.get("optional", ()):
            if name not in sent:
                out.pop(name, None)
        for name in echoes.get("echoed", ()):
            if name in sent and name not in out and not SECRET.search(name):
                out[name] = sent[name]
    for path, source in (echoes.get("copies") or {}).items():
        value = dotted(sent, source)
        if isinstance(value, str):
            out = _with(out, path.split("."), value)
    closed = echoes.get("closed")
    out = kept(out, sent, closed) if closed else out
    added = echoes.get("added")
    if create and added:
        out = with_added(out, sent, added, json.dumps(sent, sort_keys=True, default=str))
    return out


def derived_key(sent: Any, derived: Mapping[str, Any]) -> str:
    """The key the vendor derives from the word `sent` holds in the learnt field, or ""."""
    if not derived or not isinstance(sent, Mapping):
        return ""
    value = sent.get(str(derived.get("field")))
    key = (derived.get("keys") or {}).get(value) if isinstance(value, str) else None
    return key if isinstance(key, str) else ""
