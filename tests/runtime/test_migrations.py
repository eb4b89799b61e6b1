"""Schema versions: a twin upgraded with a changed table keeps its existing database (rows and
snapshots), a snapshot records its version and is migrated when restored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from twins._runtime.collection import CollectionSpec, TenantState
from twins._runtime.db import create_engine
from twins._runtime.migrations import Migration, add_column, latest, schema_table, upgrade_dump
from twins._runtime.store import Store


def notes_v1() -> tuple[sa.MetaData, CollectionSpec]:
    meta = sa.MetaData()
    table = sa.Table(
        "mig_notes",
        meta,
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("twin_seq", sa.Integer, primary_key=True),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.String(64), nullable=False),
    )
    return meta, CollectionSpec("mig_notes", table)


def notes_v2() -> tuple[sa.MetaData, CollectionSpec, list[Migration]]:
    """Version 2 of the same table: a `priority` column, default 3."""
    meta = sa.MetaData()
    table = sa.Table(
        "mig_notes",
        meta,
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("twin_seq", sa.Integer, primary_key=True),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer, nullable=True),
    )
    spec = CollectionSpec("mig_notes", table, defaults=(("priority", 3, None),))
    return meta, spec, [add_column(1, table, "priority", 3)]


def seed(state: TenantState, size: int) -> None:
    for i in range(size):
        state["mig_notes"].insert({"id": f"n{i}", "title": f"note {i}"})


def store_of(url: str, meta: sa.MetaData, spec: CollectionSpec, migrations: list[Migration]) -> Store:
    store = Store("mig", create_engine(url), [spec], meta, seed, migrations=migrations)
    store.start()
    return store


def version_in(store: Store) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(schema_table.c.version).where(schema_table.c.service == "mig")).scalar()


@pytest.fixture(params=["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database that outlives a twin: a SQLite file or a PostgreSQL schema of its own."""
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'twin.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def test_an_upgraded_twin_keeps_the_database_and_migrates_old_snapshots(url: str) -> None:
    meta1, spec1 = notes_v1()
    old = store_of(url, meta1, spec1, [])
    old.create_tenant_now("t1", 1, 2)
    await old.snapshot("t1", "before")
    await old.run("t1", lambda st: st["mig_notes"].insert({"id": "late", "title": "after the snapshot"}))
    assert version_in(old) == 0
    assert old.snapshot_data("t1", "before")["schema"] == 0  # type: ignore[index]
    old.stop()

    meta2, spec2, migrations = notes_v2()
    new = store_of(url, meta2, spec2, migrations)
    try:
        assert version_in(new) == 1
        state = new.get("t1")
        assert state is not None
        assert [(r["id"], r["priority"]) for r in state["mig_notes"]] == [("n0", 3), ("n1", 3), ("late", 3)]
        await new.run("t1", lambda st: st["mig_notes"].insert({"id": "fresh", "title": "v2", "priority": 1}))
        restored = await new.restore("t1", "before")
        assert restored is not None
        assert [(r["id"], r["priority"]) for r in restored["mig_notes"]] == [("n0", 3), ("n1", 3)]
        await new.snapshot("t1", "after")
        assert new.snapshot_data("t1", "after")["schema"] == 1  # type: ignore[index]
    finally:
        new.stop()

    again = store_of(url, meta2, spec2, migrations)  # restarting the same version changes nothing
    try:
        assert version_in(again) == 1
        state = again.get("t1")
        assert state is not None and [r["priority"] for r in state["mig_notes"]] == [3, 3]
    finally:
        again.stop()


def test_a_new_database_is_stamped_current_without_migrating(url: str) -> None:
    meta2, spec2, migrations = notes_v2()
    calls: list[int] = []
    spy = Migration(1, "spy", lambda conn: calls.append(1), migrations[0].rows)
    store = store_of(url, meta2, spec2, [spy])
    try:
        assert version_in(store) == 1 and calls == []
    finally:
        store.stop()


def test_a_database_newer_than_the_twin_is_refused(url: str) -> None:
    meta2, spec2, migrations = notes_v2()
    store_of(url, meta2, spec2, migrations).stop()
    meta1, spec1 = notes_v1()
    with pytest.raises(RuntimeError, match="newer than this twin"):
        store_of(url, meta1, spec1, [])


def test_snapshot_dumps_are_migrated_row_by_row() -> None:
    _, _, migrations = notes_v2()
    dump: dict[str, Any] = {
        "schema": 0,
        "meta": {},
        "collections": {"mig_notes": [{"id": "a"}], "other": [{"id": "b"}]},
    }
    out = upgrade_dump(dump, migrations)
    assert out["collections"] == {"mig_notes": [{"id": "a", "priority": 3}], "other": [{"id": "b"}]}
    assert out["schema"] == 1 and dump["collections"]["mig_notes"] == [{"id": "a"}]  # the old one untouched
    assert upgrade_dump(out, migrations) is out


def test_versions_must_follow_one_another() -> None:
    _, _, migrations = notes_v2()
    with pytest.raises(ValueError, match="in order"):
        latest([Migration(2, "skips one", migrations[0].tables)])
