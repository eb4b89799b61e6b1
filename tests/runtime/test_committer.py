"""The committer's merging of a batch and its barriers, read from `committer.py` and checked
directly: what is merged, what is never moved, when a write is durable, what a failure fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from twins._runtime.collection import Op
from twins._runtime.committer import Committer, Job, grouped, merge, rows_of
from twins._runtime.db import create_engine, runtime_metadata, tenants_table
from twins._runtime.errors import WriteConflict

meta = sa.MetaData()
notes = sa.Table(
    "committer_notes",
    meta,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("twin_seq", sa.Integer, primary_key=True),
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("title", sa.String(64), nullable=False),
)
other = sa.Table(
    "committer_other",
    meta,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("twin_seq", sa.Integer, primary_key=True),
    sa.Column("id", sa.String(32), primary_key=True),
)


def note(key: str, seq: int, tenant: str = "t1", title: str | None = "x") -> dict[str, Any]:
    return {"tenant_id": tenant, "twin_seq": seq, "id": key, "title": title}


def tenant_row(tenant: str = "t1", version: int = 0, size: int = 1) -> dict[str, Any]:
    return {"id": tenant, "seed": 1, "size": size, "version": version, "created_at": 0.0, "meta": {}}


def job(*ops: Op) -> Job:
    return (list(ops), Future())


# --- merging ----------------------------------------------------------------------------------
def test_a_tenant_row_written_by_several_jobs_is_written_once_with_the_newest() -> None:
    first, second = tenant_row(size=1), tenant_row(size=2)
    merged = merge(
        [
            job(("insert", notes, note("a", 1)), ("tenant", None, first)),
            job(("insert", notes, note("b", 2)), ("tenant", None, second)),
        ]
    )
    assert merged == [
        ("insert", notes, note("a", 1)),
        ("insert", notes, note("b", 2)),
        ("tenant", None, second),
    ]


def test_meta_changes_do_not_split_one_tables_inserts_of_a_batch() -> None:
    """A "noop" (a meta change, written with its job's tenant row) is left out of the merged
    writes, so the batch's inserts of one table stay one run: one executemany, not one per job."""
    first, second = tenant_row(size=1), tenant_row(size=2)
    merged = merge(
        [
            job(("insert", notes, note("a", 1)), ("noop", None, None), ("tenant", None, first)),
            job(("insert", notes, note("b", 2)), ("noop", None, None), ("tenant", None, second)),
        ]
    )
    assert merged == [
        ("insert", notes, note("a", 1)),
        ("insert", notes, note("b", 2)),
        ("tenant", None, second),
    ]
    assert [(kind, len(payloads)) for kind, _, payloads in grouped(merged)] == [("insert", 2), ("tenant", 1)]


def test_tenant_rows_of_different_tenants_are_all_kept_in_order() -> None:
    a, b = tenant_row("t1"), tenant_row("t2")
    merged = merge([job(("tenant", None, a)), job(("tenant", None, b))])
    assert merged == [("tenant", None, a), ("tenant", None, b)]


@pytest.mark.parametrize("barrier", ["wipe", "drop", "snapshot", "call"])
def test_no_tenant_row_is_moved_across_a_barrier(barrier: str) -> None:
    before, after = tenant_row(size=1), tenant_row(size=2)
    ops = [
        job(("insert", notes, note("a", 1)), ("tenant", None, before)),
        job((barrier, None, "t1")),
        job(("insert", notes, note("b", 2)), ("tenant", None, after)),
    ]
    merged = merge(ops)
    assert merged == [op for j in ops for op in j[0]]  # both tenant rows stay where they were


def test_grouping_joins_runs_of_one_kind_on_one_table_but_never_tenant_rows() -> None:
    ops: list[Op] = [
        ("insert", notes, note("a", 1)),
        ("insert", notes, [note("b", 2), note("c", 3)]),
        ("insert", other, {"tenant_id": "t1", "twin_seq": 4, "id": "z"}),
        ("tenant", None, tenant_row()),
        ("tenant", None, tenant_row("t2")),
        ("insert", notes, note("d", 5)),
    ]
    groups = [(kind, table, len(payloads)) for kind, table, payloads in grouped(ops)]
    assert groups == [
        ("insert", notes, 2),
        ("insert", other, 1),
        ("tenant", None, 1),
        ("tenant", None, 1),
        ("insert", notes, 1),
    ]
    assert [r["id"] for r in rows_of([note("a", 1), [note("b", 2), note("c", 3)]])] == ["a", "b", "c"]


# --- writing ----------------------------------------------------------------------------------
@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    runtime_metadata.create_all(eng)
    meta.create_all(eng)
    yield eng
    eng.dispose()


def titles(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(notes.c.id).order_by(notes.c.twin_seq))]


def size_of(engine: Engine, tenant: str = "t1") -> int | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(tenants_table.c.size).where(tenants_table.c.id == tenant)).scalar()


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "writer-thread"])
async def test_the_writes_of_one_turn_become_one_batch(engine: Engine, inline: bool) -> None:
    committer = Committer(engine, "svc", [notes], inline=inline)
    committer.start()
    try:
        await asyncio.gather(
            *(committer.write([("insert", notes, note(f"n{i}", i)), ("tenant", None, tenant_row(size=i))])
              for i in range(1, 6))
        )  # fmt: skip
        assert (committer.batches, committer.jobs) == (1, 5)
        assert titles(engine) == ["n1", "n2", "n3", "n4", "n5"]
        assert size_of(engine) == 5  # the newest tenant row won
    finally:
        committer.stop()


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "writer-thread"])
async def test_submit_is_a_barrier_behind_the_writes_handed_over_before(engine: Engine, inline: bool) -> None:
    committer = Committer(engine, "svc", [notes], inline=inline)
    committer.start()
    try:
        pending = asyncio.ensure_future(committer.write([("insert", notes, note("early", 1))]))
        await asyncio.sleep(0)  # the write is handed over, not yet flushed (two turns)
        assert titles(engine) == []
        barrier = committer.submit([])
        await asyncio.wrap_future(barrier)
        assert titles(engine) == ["early"]  # what was handed over before is durable by now
        await pending
    finally:
        committer.stop()


async def test_one_bad_job_fails_alone(engine: Engine) -> None:
    committer = Committer(engine, "svc", [notes], inline=True)
    committer.start()
    try:
        results = await asyncio.gather(
            committer.write([("insert", notes, note("good1", 1))]),
            committer.write([("insert", notes, note("bad", 2, title=None))]),  # NOT NULL
            committer.write([("insert", notes, note("good2", 3))]),
            return_exceptions=True,
        )
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], Exception) and "NOT NULL" in str(results[1])  # the driver's error
        assert titles(engine) == ["good1", "good2"]
    finally:
        committer.stop()


async def test_stop_writes_what_was_handed_over(engine: Engine) -> None:
    committer = Committer(engine, "svc", [notes])
    committer.start()
    pending = asyncio.ensure_future(committer.write([("insert", notes, note("last", 1))]))
    await asyncio.sleep(0)
    committer.stop()
    assert titles(engine) == ["last"]
    pending.cancel()


async def test_shared_mode_refuses_a_stale_tenant_version(engine: Engine) -> None:
    committer = Committer(engine, "svc", [notes], shared=True)
    committer.start()
    try:
        row = tenant_row(version=0)
        await committer.write([("tenant", None, row)])
        assert row["version"] == 1  # the committer counts the version it wrote
        with pytest.raises(WriteConflict):
            await committer.write(
                [("insert", notes, note("late", 1)), ("tenant", None, tenant_row(version=0))]
            )
        assert titles(engine) == []  # the whole job was rolled back
    finally:
        committer.stop()
