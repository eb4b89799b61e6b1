"""Fields a request leaves out take the vendor's default (learnt from the recordings), not the
value the recorded request the answer is made from had sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def _at(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def of_kind(body: Any, sent: Any, kinds: Mapping[str, Any]) -> Any:
    """`body` with the objects a kind field decides (`agent_runner.kinds`) as the sent kind has
    them: that kind's fields, those `sent` leaves out with the kind's recorded values; for a kind
    never recorded, only what `sent` put there."""
    if not kinds or not isinstance(body, dict) or not isinstance(sent, dict):
        return body
    out = body
    for field, spec in kinds.items():
        value = sent.get(field)
        if not isinstance(value, str):
            continue
        known = spec.get("of", {}).get(value, {})
        for path in spec.get("objects", ()):
            parts = path.split(".")
            held, given = _at(out, parts), _at(sent, parts)
            if not isinstance(held, dict):
                continue
            given = given if isinstance(given, dict) else {}
            recorded = known.get(path) or {"fields": (), "values": {}}
            fields = set(recorded["fields"]) | set(given)
            made = {k: v for k, v in held.items() if k in fields}
            made.update({k: v for k, v in recorded["values"].items() if k not in given})
            out = _set(out, parts, made)
    return out


def rewritten(body: Any, sent: Any, rules: Sequence[Mapping[str, str]]) -> Any:
    """`body` with each word value `sent` that the service stores otherwise (`agent_runner.kinds`)
    as it stores it."""
    if not rules or not isinstance(body, dict) or not isinstance(sent, dict):
        return body
    out = body
    for rule in rules:
        field = rule["field"]
        if sent.get(field) != rule["sent"] or field not in out:
            continue
        if "with" in rule and rule["with"] not in sent:
            continue
        if "without" in rule and rule["without"] in sent:
            continue
        out = {**out, field: rule["answer"]}
    return out
