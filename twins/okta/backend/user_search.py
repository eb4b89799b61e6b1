"""Listing users: `q` (name or email prefix), `filter` and `search` expressions, `sortBy`."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import filter as okta_filter
from twins.okta.backend.user_input import OKTA_PROVIDER

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


def searchable(row: Row) -> dict[str, Any]:
    """The wire-shaped fields of a user that filter and search expressions see."""
    return {
        "id": row["id"],
        "status": row["status"],
        "created": row["created"],
        "activated": row["activated"],
        "statusChanged": row["status_changed"],
        "lastLogin": row["last_login"],
        "lastUpdated": row["last_updated"],
        "passwordChanged": row["password_changed"],
        "transitioningToStatus": row["transitioning_to"],
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


def list_users(
    state: TenantState,
    *,
    q: str | None = None,
    filter_expr: str | None = None,
    search: str | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
) -> list[Row]:
    """Users matching q / filter / search; without filter or search, DEPROVISIONED ones are left out."""
    checks = []
    if search is not None:
        checks.append(okta_filter.compile_expression(search, mode="search", operators=SEARCH_OPERATORS))
    if filter_expr is not None:
        checks.append(
            okta_filter.compile_expression(
                filter_expr,
                allowed=FILTER_ATTRIBUTES,
                mode="filter",
                operators=FILTER_OPERATORS,
                case_insensitive={"profile.login"},
            )
        )
    rows: list[Row] = []
    for row in state["users"]:
        if not checks and row["status"] == "DEPROVISIONED":
            continue
        if q is not None and (row["status"] == "DEPROVISIONED" or not _starts(row, q)):
            continue
        if checks:
            wire = searchable(row)
            if not all(check(wire) for check in checks):
                continue
        rows.append(row)
    if search is not None and sort_by:
        rows.sort(key=lambda r: r["id"])
        rows.sort(key=lambda r: _sort_key(okta_filter.resolve(searchable(r), sort_by)))
        if (sort_order or "").lower() == "desc":
            rows.reverse()
    return rows


def _starts(row: Row, q: str) -> bool:
    needle = q.casefold()
    profile = row["profile"]
    return any(
        isinstance(profile.get(f), str) and profile[f].casefold().startswith(needle)
        for f in ("firstName", "lastName", "email")
    )
