"""WAS and CHANGED: a field's past values, from the issue's change history."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twins.jira.jql import dates
from twins.jira.jql.errors import JqlError
from twins.jira.jql.operands import values
from twins.jira.jql.site import Change, FieldDef, Kind, Site
from twins.jira.jql.syntax import Function, Literal, Operand, Predicate, Terminal

FAR_FUTURE = datetime.max.replace(tzinfo=dates.as_datetime(datetime(2000, 1, 1)).tzinfo)  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class Span:
    """A value a field held, from `start` until `end`, set by `by`."""

    value: Any
    start: datetime
    end: datetime
    by: str | None


def spans(doc: Mapping[str, Any], key: str) -> list[Span]:
    """The values `key` held over the issue's life, oldest first (None for empty)."""
    created = dates.as_datetime(doc.get("created")) or FAR_FUTURE
    changes: list[Change] = [c for c in doc.get("_history", ()) if c.field == key]
    if not changes:
        current = doc.get(key)
        return [Span(_single(current), created, FAR_FUTURE, doc.get("reporter"))]
    out = [Span(changes[0].before, created, changes[0].at, doc.get("reporter"))]
    for change, nxt in zip(changes, [*changes[1:], None], strict=True):
        out.append(Span(change.after, change.at, nxt.at if nxt else FAR_FUTURE, change.by))
    return out


def _single(value: Any) -> Any:
    if isinstance(value, list | tuple) and value:
        return value[0]
    return value or None


def history_predicate(term: Terminal, field: FieldDef, site: Site) -> Callable[[Mapping[str, Any]], bool]:
    """The test for `field WAS …` or `field CHANGED …` with its predicates."""
    op = term.op.upper()
    window, by = _window(term, site)
    key = field.key
    if op == "CHANGED":
        before = _predicate_values(term, "FROM", field, site)
        after = _predicate_values(term, "TO", field, site)

        def changed(doc: Mapping[str, Any]) -> bool:
            for c in doc.get("_history", ()):
                if c.field != key or not window(c.at, c.at) or (by is not None and c.by not in by):
                    continue
                if before is not None and c.before not in before:
                    continue
                if after is not None and c.after not in after:
                    continue
                return True
            return False

        return changed
    assert term.operand is not None
    wanted = values(term.operand, field, term.field, site)
    targets = set(wanted.items)
    negate = "NOT" in op

    def was(doc: Mapping[str, Any]) -> bool:
        held = [s for s in spans(doc, key) if window(s.start, s.end) and (by is None or s.by in by)]
        hit = any(
            (s.value is None and wanted.empty) or (s.value is not None and s.value in targets) for s in held
        )
        return not hit if negate else hit

    return was


def _predicate_values(term: Terminal, name: str, field: FieldDef, site: Site) -> set[Any] | None:
    found = [p for p in term.predicates if p.name == name]
    if not found:
        return None
    got = values(found[0].operand, field, term.field, site)
    return set(got.items) | ({None} if got.empty else set())


def _window(term: Terminal, site: Site) -> tuple[Callable[[datetime, datetime], bool], set[str] | None]:
    """Whether a span [start, end) meets the time predicates, and the users BY names."""
    lo, hi = datetime.min.replace(tzinfo=FAR_FUTURE.tzinfo), FAR_FUTURE
    by: set[str] | None = None
    user = FieldDef("by", Kind.USER)
    for pred in term.predicates:
        if pred.name in ("FROM", "TO"):
            if term.op.upper() != "CHANGED":
                raise JqlError(f"The predicate '{pred.name}' is not supported by the operator '{term.op}'.")
            continue
        if pred.name == "BY":
            by = set(values(pred.operand, user, "by", site).items)
            continue
        moments = _moments(pred, site)
        if pred.name == "AFTER":
            lo = max(lo, moments[0])
        elif pred.name == "BEFORE":
            hi = min(hi, moments[0])
        elif pred.name == "ON":
            day = moments[0].replace(hour=0, minute=0, second=0, microsecond=0)
            lo, hi = max(lo, day), min(hi, dates.shift(day, "1d") or hi)
        elif pred.name == "DURING":
            if len(moments) != 2:
                raise JqlError("The predicate 'DURING' requires two dates.")
            lo, hi = max(lo, moments[0]), min(hi, moments[1])
    start, end = lo, hi
    return (lambda s, e: s <= end and e >= start), by


def _moments(pred: Predicate, site: Site) -> list[datetime]:
    items: tuple[Operand, ...] = getattr(pred.operand, "items", (pred.operand,))
    out: list[datetime] = []
    for item in items:
        if isinstance(item, Function):
            out.append(dates.call(item.name, item.args, site.now))
        elif isinstance(item, Literal):
            out.append(dates.parse_value(item.text, pred.name.lower(), site.now))
    return out
