"""Listing users: `q` (name or email prefix), `filter` and `search` expressions, `sortBy`.

Expressions are compiled once per distinct text into predicates that read user rows directly.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta.backend.user_input import OKTA_PROVIDER
from twins.okta.filter import Getter, Predicate, compile_expression, resolve_segments, then

FILTER_ATTRIBUTES = frozenset(
    {
        "status",
        "lastUpdated",
        "id",
        "profile.login",
        "profile.email",
        "profile.firstName",
        "profile.lastName",
        "type.id",
    }
)
FILTER_OPERATORS: dict[str, set[str]] = {"*": {"eq"}, "lastUpdated": {"eq", "gt", "ge", "lt", "le"}}
_SEARCH_OPS = {"eq", "sw", "ew", "gt", "ge", "lt", "le", "pr"}
SEARCH_OPERATORS: dict[str, set[str]] = {
    "*": _SEARCH_OPS,
    **{f"profile.{name}": _SEARCH_OPS | {"co"} for name in ("firstName", "lastName", "email", "login")},
}
# Wire attributes of a user that are one column of its row.
COLUMNS = {
    "id": "id",
    "status": "status",
    "created": "created",
    "activated": "activated",
    "statusChanged": "status_changed",
    "lastLogin": "last_login",
    "lastUpdated": "last_updated",
    "passwordChanged": "password_changed",
    "transitioningToStatus": "transitioning_to",
}


def searchable(row: Row) -> dict[str, Any]:
    """The wire-shaped fields of a user that filter and search expressions see (`row_getter`
    reads them from the row without building this)."""
    return {
        **{attribute: row[column] for attribute, column in COLUMNS.items()},
        "type": {"id": row["type_id"]},
        "profile": row["profile"],
        "credentials": {"provider": row["credentials"].get("provider", OKTA_PROVIDER)},
    }


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, list):
        return _sort_key(value[0] if value else None)
    return (1, str(value).casefold())


def _type(row: Row) -> dict[str, Any]:
    return {"id": row["type_id"]}


def _credentials(row: Row) -> dict[str, Any]:
    return {"provider": row["credentials"].get("provider", OKTA_PROVIDER)}


@lru_cache(maxsize=512)
def row_getter(path: str) -> Getter:
    """Reads a wire attribute path straight from a user row: `resolve(searchable(row), path)`
    without building the searchable view."""
    head, dot, rest = path.partition(".")
    segments = tuple(rest.split(".")) if dot else ()
    first: Getter
    if head in COLUMNS:
        first = operator.itemgetter(COLUMNS[head])
    elif head == "profile":
        if len(segments) == 1:  # profile.<attribute>, the usual case

            def attribute(row: Row) -> Any:
                profile = row["profile"]
                return profile.get(rest) if isinstance(profile, dict) else resolve_segments(profile, segments)

            return attribute
        first = operator.itemgetter("profile")
    elif path == "type.id":
        return operator.itemgetter("type_id")
    elif head == "type":
        first = _type
    elif head == "credentials":
        first = _credentials
    else:
        return lambda row: None
    return then(first, segments)


@lru_cache(maxsize=256)
def search_predicate(expr: str) -> Predicate:
    """A `search` expression over user rows (compiled once per distinct expression)."""
    return compile_expression(expr, mode="search", operators=SEARCH_OPERATORS, accessor=row_getter)


@lru_cache(maxsize=256)
def filter_predicate(expr: str) -> Predicate:
    """A `filter` expression over user rows (compiled once per distinct expression)."""
    return compile_expression(
        expr,
        allowed=FILTER_ATTRIBUTES,
        mode="filter",
        operators=FILTER_OPERATORS,
        case_insensitive={"profile.login"},
        accessor=row_getter,
    )


def list_users(
    state: TenantState,
    *,
    q: str | None = None,
    filter_expr: str | None = None,
    search: str | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
) -> Iterable[Row]:
    """Users matching q / filter / search; without filter or search, DEPROVISIONED ones are left out.

    In the collection's order and lazy, so that a caller taking one page stops there: take what
    you need before the next `await` (the rows are read from the live collection). With `search`
    and `sortBy`, a sorted list. Malformed expressions raise E0000031 here, before any row is read.
    """
    checks = []
    if search is not None:
        checks.append(search_predicate(search))
    if filter_expr is not None:
        checks.append(filter_predicate(filter_expr))
    rows = _matching(state["users"].rows.values(), checks, q)
    if search is not None and sort_by:
        ordered = sorted(rows, key=lambda r: r["id"])
        value = row_getter(sort_by)
        ordered.sort(key=lambda r: _sort_key(value(r)))
        if (sort_order or "").lower() == "desc":
            ordered.reverse()
        return ordered
    return rows


def _matching(rows: Iterable[Row], checks: list[Predicate], q: str | None) -> Iterator[Row]:
    if q is not None:
        rows = (row for row in rows if row["status"] != "DEPROVISIONED" and _starts(row, q))
    elif not checks:
        rows = (row for row in rows if row["status"] != "DEPROVISIONED")
    for check in checks:
        rows = filter(check, rows)
    return iter(rows)


def _starts(row: Row, q: str) -> bool:
    needle = q.casefold()
    profile = row["profile"]
    return any(
        isinstance(profile.get(f), str) and profile[f].casefold().startswith(needle)
        for f in ("firstName", "lastName", "email")
    )
