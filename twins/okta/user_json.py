"""User objects encoded once per row: the JSON of `schemas.user` reused while the row stays the same.

A User is a pure function of its row and the org URL. Rows are never changed in place: every write
(`Collection.update`, an undo, a reload, a reset or restore) puts a new row object in the tenant
state. So an encoding kept with the very row object it was made from (compared by identity, and
holding a reference so that the identity cannot be reused) is valid exactly while the tenant state
still holds that object. Encodings hang off the tenant state (weakly): a reset, restore or reload
builds a new state, which starts with none.
"""

from __future__ import annotations

from collections.abc import Iterable
from weakref import WeakKeyDictionary

from twins._runtime.collection import Row, TenantState
from twins.okta import schemas
from twins.okta.common import encode

# Per tenant state: user id -> (the row it was made from, org URL, JSON of the User).
_encoded: WeakKeyDictionary[TenantState, dict[str, tuple[Row, str, bytes]]] = WeakKeyDictionary()


def user(state: TenantState, row: Row, base: str) -> bytes:
    """The JSON of `schemas.user(row, base)`, encoded once per row object and org URL."""
    return _encode(_cache(state), row, base)


def users(state: TenantState, rows: Iterable[Row], base: str) -> bytes:
    """The JSON array of those users, as `encode([schemas.user(r, base) for r in rows])` gives it."""
    cache = _cache(state)
    return b"[" + b",".join([_encode(cache, row, base) for row in rows]) + b"]"


def _cache(state: TenantState) -> dict[str, tuple[Row, str, bytes]]:
    cache = _encoded.get(state)
    if cache is None:
        cache = _encoded[state] = {}
    return cache


def _encode(cache: dict[str, tuple[Row, str, bytes]], row: Row, base: str) -> bytes:
    entry = cache.get(row["id"])
    if entry is not None and entry[0] is row and entry[1] == base:
        return entry[2]
    body = encode(schemas.user(row, base))
    cache[row["id"]] = (row, base, body)
    return body
