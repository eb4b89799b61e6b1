"""Schema versions of a twin's persisted tables, and the migrations that bring an older database
(and the snapshots kept in it) up to the twin's current shape.

Each twin's tables carry one version, kept in `twin_schema` (service, version). A migration is
data: its version, and the same change said twice, once for the live tables (`tables`, SQL run
on a connection) and once for a row of a snapshot (`rows`, which snapshots hold as JSON). At
start-up `upgrade` runs, in one transaction, every migration above the database's version; a
database with no version yet is either new (no tenant of the service: its tables were just
created in the current shape, so it is stamped current) or older than versioning (version 0,
so every migration runs). A snapshot records the version it was taken at (`"schema"` in its
dump) and is migrated row by row when it is restored.

Why not Alembic: the committer writes through statements prepared once per table on its own open
connection (`binds.py`), so the schema must be final before it starts, by the twin itself, not by
an operator's `alembic upgrade head` with a script folder and an `env.py` per twin; and the same
change must reach the rows inside snapshot dumps, which Alembic does not know of. A twin
generated from traffic writes its migrations as data, the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from twins._runtime.collection import Row
from twins._runtime.db import runtime_metadata, tenants_table

schema_table = sa.Table(
    "twin_schema",
    runtime_metadata,
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("applied_at", sa.Float, nullable=False),
)


def _keep(_collection: str, row: Row) -> Row:
    return row


Dump = dict[str, Any]


@dataclass(frozen=True)
class Migration:
    """Version `version` of a twin's tables: `tables` changes the live tables, `rows` makes the
    same change to one row (of the named collection) of a snapshot, and `snapshot`, when given, to
    the whole dump after its rows (for what moves between `meta` and collections)."""

    version: int
    description: str
    tables: Callable[[Connection], None]
    rows: Callable[[str, Row], Row] = _keep
    snapshot: Callable[[Dump], Dump] | None = None


def add_column(
    version: int, table: sa.Table, column: str, default: Any, *, collection: str | None = None
) -> Migration:
    """A column added to `table` (the twin's current model, which has it): existing rows and
    snapshot rows (of `collection`, by default named as the table) get `default`. Skipped on a
    database that has the column already."""
    col = table.c[column]
    name = collection or table.name

    def alter(conn: Connection) -> None:
        present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
        if column in present:
            return
        kind = col.type.compile(dialect=conn.dialect)
        conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column}" {kind}'))
        conn.execute(table.update().values({column: default}))

    def fill(collection: str, row: Row) -> Row:
        if collection == name and column not in row:
            return {**row, column: default}
        return row

    return Migration(version, f"{table.name}.{column} added", alter, fill)


def latest(migrations: Sequence[Migration]) -> int:
    """The current schema version: that of the newest migration (0 without any)."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migration versions must be 1, 2, 3, … in order; found {versions}")
    return versions[-1] if versions else 0


def upgrade(engine: Engine, service: str, migrations: Sequence[Migration]) -> int:
    """Bring the service's tables to the current version; the version the database had."""
    current = latest(migrations)
    key = schema_table.c.service == service
    with engine.begin() as conn:
        found = conn.execute(sa.select(schema_table.c.version).where(key)).scalar()
        if found is None:
            mine = tenants_table.c.service == service
            tenants = conn.execute(sa.select(sa.func.count()).select_from(tenants_table).where(mine)).scalar()
            found = 0 if tenants else current
            conn.execute(schema_table.insert().values(service=service, version=found, applied_at=time.time()))
        if found > current:
            raise RuntimeError(
                f"the {service} tables are at schema version {found}, newer than this twin's {current}; "
                "run the newer twin or another database"
            )
        for migration in migrations:
            if migration.version > found:
                migration.tables(conn)
        if found != current:
            conn.execute(schema_table.update().where(key).values(version=current, applied_at=time.time()))
    return int(found)


def upgrade_dump(dump: dict[str, Any], migrations: Sequence[Migration]) -> dict[str, Any]:
    """A snapshot dump in the current shape (the dump itself when it already is)."""
    version = int(dump.get("schema", 0))
    current = latest(migrations)
    if version >= current:
        return dump
    out: Dump = {
        **dump,
        "collections": {name: [dict(r) for r in rows] for name, rows in dump["collections"].items()},
    }
    for migration in migrations:
        if migration.version > version:
            collections = out["collections"]
            for name, rows in collections.items():
                collections[name] = [migration.rows(name, row) for row in rows]
            if migration.snapshot is not None:
                out = migration.snapshot(out)
    return {**out, "schema": current}
