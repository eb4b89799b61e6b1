"""User objects encoded once per row version: the JSON of `schemas.user`, kept by the runtime's
render cache (`twins/kit/renders.py`) while the row and the org URL stay the same."""

from __future__ import annotations

from collections.abc import Iterable

from twins._runtime.collection import Row, TenantState
from twins.kit.renders import RowRender
from twins.okta import schemas
from twins.okta.common import encode


def _render(state: TenantState, row: Row, base: str) -> bytes:
    return encode(schemas.user(row, base))


USER = RowRender("users", _render, name="okta.user")


def user(state: TenantState, row: Row, base: str) -> bytes:
    """The JSON of `schemas.user(row, base)`, encoded once per row version and org URL."""
    return USER(state, row, base)


def users(state: TenantState, rows: Iterable[Row], base: str) -> bytes:
    """The JSON array of those users, as `encode([schemas.user(r, base) for r in rows])` gives it."""
    return b"[" + b",".join(USER.many(state, rows, base)) + b"]"
