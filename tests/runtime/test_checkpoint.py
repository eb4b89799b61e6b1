"""WAL checkpoints of a private SQLite file run on their own thread (`checkpoint.py`): the writer on
the loop no longer waits for the disk in a checkpoint, and what it committed is durable as before."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from twins._runtime.checkpoint import FALLBACK
from twins._runtime.committer import Committer
from twins._runtime.db import create_engine

meta = sa.MetaData()
rows = sa.Table(
    "checkpoint_rows",
    meta,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("twin_seq", sa.Integer, primary_key=True),
    sa.Column("id", sa.String(32), primary_key=True),
)


def row(i: int) -> dict[str, object]:
    return {"tenant_id": "t1", "twin_seq": i, "id": f"r{i}"}


def checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "twin-checkpoints"]


async def test_a_sqlite_files_checkpoints_run_on_a_thread_until_stop(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    meta.create_all(engine)
    committer = Committer(engine, "svc", [rows], inline=True)
    committer.start()
    try:
        for i in range(20):
            await committer.write([("insert", rows, row(i))])
        conn = committer._conn
        assert conn is not None
        driver = conn.connection.dbapi_connection
        assert driver is not None
        assert driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == FALLBACK
        checkpoints = committer._checkpoints
        assert checkpoints is not None and len(checkpoint_threads()) == 1
        deadline = time.monotonic() + 5
        while checkpoints.done == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert checkpoints.done >= 1  # woken by the commits, once per round
    finally:
        committer.stop()
    assert checkpoint_threads() == []
    with engine.connect() as c:  # every write was committed, checkpointed or not
        assert c.execute(sa.select(sa.func.count()).select_from(rows)).scalar() == 20
    engine.dispose()


async def test_an_in_memory_database_has_no_checkpoint_thread() -> None:
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    committer = Committer(engine, "svc", [rows], inline=True)
    committer.start()
    try:
        await committer.write([("insert", rows, row(1))])
        assert committer._checkpoints is None
    finally:
        committer.stop()
    engine.dispose()
