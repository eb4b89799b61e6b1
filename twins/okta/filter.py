"""Okta's filter and search expressions compiled into predicates (the grammar: filter_syntax.py).

Predicates run over wire-shaped objects (dicts as the API returns them, e.g. `{"id", "status",
"profile": {...}, "type": {"id"}}`). Array values match when any element matches (SCIM). Date
attributes compare as instants. Every problem raises E0000031.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

from twins.okta.filter_syntax import (
    MAX_DEPTH,
    MAX_LENGTH,
    OPERATORS,
    Comparison,
    Logical,
    Node,
    Not,
    Token,
    invalid_criteria,
    parse,
    tokenize,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "OPERATORS",
    "Comparison",
    "Logical",
    "Node",
    "Not",
    "Token",
    "compile_expression",
    "compile_node",
    "invalid_criteria",
    "parse",
    "parse_instant",
    "path_getter",
    "resolve",
    "resolve_segments",
    "then",
    "tokenize",
]

Mode = Literal["filter", "search"]
Predicate = Callable[[Mapping[str, Any]], bool]
Getter = Callable[[Any], Any]  # reads one attribute from the objects a predicate sees
Accessor = Callable[[str], Getter]  # attribute path -> its getter
Operators = Collection[str] | Mapping[str, Collection[str]]

FILTER_OPERATORS = OPERATORS - {"ew"}
ORDERING = frozenset({"gt", "ge", "lt", "le"})
TEXT_ONLY = frozenset({"sw", "co", "ew"})
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_TEXT_TESTS: dict[str, Callable[[str, str], bool]] = {
    **_ORDER,
    "sw": str.startswith,
    "co": operator.contains,
    "ew": str.endswith,
}
# Attributes (last path segment) whose values are timestamps: compared as instants.
DATE_ATTRIBUTES = frozenset(
    {
        "created",
        "lastUpdated",
        "activated",
        "statusChanged",
        "lastLogin",
        "passwordChanged",
        "published",
        "lastMembershipUpdated",
        "expiresAt",
    }
)


# --- evaluation -----------------------------------------------------------------------------
def resolve(obj: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; lists along the way are flattened (SCIM); missing is None."""
    return resolve_segments(obj, path.split("."))


def resolve_segments(current: Any, segments: Sequence[str]) -> Any:
    """`resolve` from any value, along a path already split into segments."""
    for segment in segments:
        if isinstance(current, (dict, Mapping)):  # dict first: a read-only row needs no ABC check
            current = current.get(segment)
        elif isinstance(current, list):
            values = [item.get(segment) for item in current if isinstance(item, Mapping)]
            current = [v for v in _flatten(values) if v is not None]
        else:
            return None
        if current is None:
            return None
    return current


def _flatten(values: list[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, list):
            yield from value
        else:
            yield value


def path_getter(path: str) -> Getter:
    """Reads `path` from wire-shaped objects exactly as `resolve` does, the path split once."""
    segments = tuple(path.split("."))
    if len(segments) == 1:
        name = segments[0]

        def one(obj: Any) -> Any:
            if isinstance(obj, dict):
                return obj.get(name)
            return resolve_segments(obj, segments)

        return one
    return lambda obj: resolve_segments(obj, segments)


def then(first: Getter, segments: Sequence[str]) -> Getter:
    """The getter of `<attribute>.<segments...>` given `first`, the getter of `<attribute>`."""
    if not segments:
        return first

    def get(obj: Any) -> Any:
        value = first(obj)
        return None if value is None else resolve_segments(value, segments)

    return get


def parse_instant(value: Any) -> float | None:
    """Seconds since the epoch of an ISO-8601 timestamp (naive means UTC), else None."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    return _instant(value)


@lru_cache(maxsize=4096)
def _instant(value: str) -> float | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _order(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if op == "gt":
        return bool(left > right)
    if op == "ge":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    if op == "le":
        return bool(left <= right)
    return False


def _scalar_match(op: str, actual: Any, literal: Any, *, is_date: bool, fold: bool) -> bool:
    """One value against one literal; `ne` is handled by the caller as not-`eq`."""
    if actual is None:
        return False
    if is_date and isinstance(literal, str) and op not in TEXT_ONLY:
        when, limit = parse_instant(actual), parse_instant(literal)
        return when is not None and limit is not None and _order(op, when, limit)
    if isinstance(literal, bool) or isinstance(actual, bool):
        if isinstance(literal, str):
            literal = {"true": True, "false": False}.get(literal.lower(), literal)
        return op == "eq" and isinstance(actual, bool) and actual is literal
    if _is_number(literal) or (_is_number(actual) and isinstance(literal, str)):
        try:
            left, right = float(actual), float(literal)
        except (TypeError, ValueError):
            return False
        if op in TEXT_ONLY:
            return False
        return _order(op, left, right)
    if not isinstance(actual, str) or not isinstance(literal, str):
        return False
    text, needle = (actual.casefold(), literal.casefold()) if fold else (actual, literal)
    return _TEXT_TESTS[op](text, needle)


def _scalar_test(op: str, literal: Any, *, is_date: bool, fold: bool) -> Callable[[Any], bool]:
    """`_scalar_match` with the literal fixed: text values of a text comparison (the usual case)
    are compared directly; every other value goes through `_scalar_match`."""

    def general(actual: Any) -> bool:
        return _scalar_match(op, actual, literal, is_date=is_date, fold=fold)

    if is_date and isinstance(literal, str) and op not in TEXT_ONLY:
        limit = parse_instant(literal)
        order = _ORDER[op]

        def instant(actual: Any) -> bool:
            when = parse_instant(actual)
            return when is not None and limit is not None and order(when, limit)

        return instant
    if not isinstance(literal, str):
        return general
    compare = _TEXT_TESTS[op]
    if not fold:
        return lambda actual: compare(actual, literal) if type(actual) is str else general(actual)
    needle = literal.casefold()
    if op == "eq":
        return lambda actual: actual.casefold() == needle if type(actual) is str else general(actual)
    return lambda actual: compare(actual.casefold(), needle) if type(actual) is str else general(actual)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _compile_comparison(node: Comparison, *, fold: bool, get: Getter) -> Predicate:
    attribute, op, literal = node.attribute, node.operator, node.value
    is_date = attribute.rsplit(".", 1)[-1] in DATE_ATTRIBUTES
    if op == "pr":
        return lambda obj: _present(get(obj))
    if literal is None:
        if op == "eq":
            return lambda obj: not _present(get(obj))
        if op == "ne":
            return lambda obj: _present(get(obj))
        raise invalid_criteria()
    if is_date and op not in TEXT_ONLY and isinstance(literal, str) and parse_instant(literal) is None:
        raise invalid_criteria()
    if isinstance(literal, bool) and op not in ("eq", "ne"):
        raise invalid_criteria()
    if op in TEXT_ONLY and not isinstance(literal, str):
        raise invalid_criteria()
    base = "eq" if op == "ne" else op
    test = _scalar_test(base, literal, is_date=is_date, fold=fold)

    def any_value(value: Any) -> bool:
        if value is None:
            return False
        if isinstance(value, list):
            return any(map(test, value))
        return test(value)

    matches: Predicate
    if base == "eq" and isinstance(literal, str) and not is_date:
        # The usual comparison (`profile.department eq "Sales"`): a text value compared inline.
        needle = literal.casefold() if fold else literal
        if fold:

            def matches(obj: Mapping[str, Any]) -> bool:
                value = get(obj)
                return value.casefold() == needle if type(value) is str else any_value(value)

        else:

            def matches(obj: Mapping[str, Any]) -> bool:
                value = get(obj)
                return value == needle if type(value) is str else any_value(value)

    else:

        def matches(obj: Mapping[str, Any]) -> bool:
            return any_value(get(obj))

    if op == "ne":
        return lambda obj: not matches(obj)
    return matches


def _attribute_allowed(attribute: str, allowed: Collection[str] | None) -> bool:
    if allowed is None:
        return True
    if attribute in allowed:
        return True
    return any(a.endswith(".*") and attribute.startswith(a[:-1]) for a in allowed)


def _operators_for(attribute: str, operators: Operators) -> Collection[str]:
    if isinstance(operators, Mapping):
        if attribute in operators:
            return operators[attribute]
        for key, ops in operators.items():
            if key.endswith(".*") and attribute.startswith(key[:-1]):
                return ops
        return operators.get("*", ())
    return operators


def compile_node(
    node: Node,
    *,
    allowed: Collection[str] | None,
    operators: Operators,
    fold: Callable[[str], bool],
    accessor: Accessor = path_getter,
) -> Predicate:
    """A predicate for a parsed tree, checking attributes and operators against the allowlists.

    `accessor` gives the function that reads an attribute from the objects the predicate sees.
    """
    if isinstance(node, Comparison):
        if not _attribute_allowed(node.attribute, allowed):
            raise invalid_criteria()
        if node.operator not in _operators_for(node.attribute, operators):
            raise invalid_criteria()
        return _compile_comparison(node, fold=fold(node.attribute), get=accessor(node.attribute))
    if isinstance(node, Not):
        inner = compile_node(node.operand, allowed=allowed, operators=operators, fold=fold, accessor=accessor)
        return lambda obj: not inner(obj)
    left = compile_node(node.left, allowed=allowed, operators=operators, fold=fold, accessor=accessor)
    right = compile_node(node.right, allowed=allowed, operators=operators, fold=fold, accessor=accessor)
    if node.operator == "and":
        return lambda obj: left(obj) and right(obj)
    return lambda obj: left(obj) or right(obj)


def compile_expression(
    expr: str,
    *,
    allowed: Collection[str] | None = None,
    mode: Mode = "filter",
    operators: Operators | None = None,
    case_insensitive: Collection[str] = (),
    allow_not: bool = False,
    accessor: Accessor = path_getter,
) -> Predicate:
    """Compile a `filter` or `search` expression into a predicate over wire-shaped objects.

    `allowed` lists the attributes that may appear (`"profile.*"` allows a whole object; None
    allows any). `operators` is a set for every attribute, or a mapping attribute -> set with
    `"*"` as the fallback; by default every operator (`ew` only in search mode). String values
    compare case-insensitively in search mode, and in filter mode for `case_insensitive`
    attributes. `accessor` maps an attribute path to the function reading it from the objects
    the predicate gets (by default `path_getter`, over wire-shaped objects; a caller whose
    objects are stored rows passes one that reads the wire attribute from the row).
    Raises OktaError E0000031 for anything malformed or not allowed.
    """
    if operators is None:
        operators = OPERATORS if mode == "search" else FILTER_OPERATORS
    folded = frozenset(case_insensitive)

    def fold(attribute: str) -> bool:
        return mode == "search" or attribute in folded

    node = parse(expr, allow_not=allow_not)
    return compile_node(node, allowed=allowed, operators=operators, fold=fold, accessor=accessor)
