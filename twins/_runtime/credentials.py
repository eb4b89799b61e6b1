"""Shared mode: the tenant of a credential that no state in memory holds, found in the database.

Another process may have created the tenant, or the credential, since this one loaded. One query
over the credential columns (each indexed: `index` creates the indexes on existing databases too)
answers; a credential found nowhere is remembered as unknown for `MISS_SECONDS`, so a client that
keeps sending a bad one costs a dictionary lookup per request, not a query.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from twins._runtime.collection import CollectionSpec

MISS_SECONDS = 1.0
MISSES_KEPT = 4096


class CredentialLookup:
    """Credential -> tenant id in the database, with a short memory of misses."""

    def __init__(self, engine: Engine, specs: list[CollectionSpec]) -> None:
        self.engine = engine
        self.specs = [s for s in specs if s.credential]
        self._misses: dict[str, float] = {}  # unknown credential -> until when it stays unknown
        self._query: Any = None

    def index(self) -> None:
        """An index on each credential column (created once; a no-op when it exists)."""
        with self.engine.begin() as conn:
            quote = conn.dialect.identifier_preparer
            for spec in self.specs:
                name = quote.quote(f"twin_cred_{spec.table.name}")
                table, column = quote.format_table(spec.table), quote.quote(str(spec.credential))
                conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})"))

    def recently_missed(self, token: str) -> bool:
        return self._misses.get(token, 0.0) > time.monotonic()

    def missed(self, token: str) -> None:
        if len(self._misses) >= MISSES_KEPT:
            self._misses.clear()
        self._misses[token] = time.monotonic() + MISS_SECONDS

    def owner(self, token: str) -> str | None:
        """The tenant whose rows hold `token`, by one indexed query; None if none does."""
        if not self.specs:
            return None
        if self._query is None:
            selects = [
                sa.select(s.table.c.tenant_id).where(s.table.c[str(s.credential)] == sa.bindparam("token"))
                for s in self.specs
            ]
            self._query = (sa.union_all(*selects) if len(selects) > 1 else selects[0]).limit(1)
        with self.engine.connect() as conn:
            found = conn.execute(self._query, {"token": token}).first()
        return None if found is None else str(found[0])
