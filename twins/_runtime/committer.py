"""Group commit: the pending writes of many requests become one transaction.

Requests hand their writes over with `await committer.write(ops)`. Everything handed over during two
turns of the event loop (the turn of the first write and the next one, so that requests whose
input arrives in that next turn join it: under load a batch then holds about twice as many
writes) is written as one batch, and an idle loop turns at once: on a private SQLite database
right there on the loop thread (`inline`: no thread hand-off, no lock, no GIL traffic; SQLite in WAL
mode commits without waiting for the disk), otherwise by a writer thread that resolves the whole
batch with one callback into the loop (PostgreSQL, whose round trips must not hold up the loop, and
a database shared by several processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import IntegrityError

from twins._runtime.binds import NotPrepared, Prepared
from twins._runtime.checkpoint import Checkpoints
from twins._runtime.collection import Op
from twins._runtime.db import snapshots_table, tenants_table
from twins._runtime.errors import WriteConflict

log = logging.getLogger(__name__)

MAX_BATCH = 256
Job = tuple[list[Op], "Future[None] | asyncio.Future[None]"]
Item = tuple[list[Job], "asyncio.AbstractEventLoop | None"]


class Committer:
    """Writes batches; a request's write returns once it is durable.

    With `shared=True` (several processes on one database) each job is its own transaction and the
    tenant row is updated with a compare-and-set on `version`, raising `WriteConflict` on a race;
    shared mode writes only the default tenant's creation at start-up and snapshots here, every
    other write under the tenant's lock (replicas.py).
    """

    def __init__(
        self,
        engine: Engine,
        service: str,
        tables: list[sa.Table],
        *,
        shared: bool = False,
        inline: bool = False,
    ) -> None:
        self.engine = engine
        self.service = service
        self.shared = shared
        self.inline = inline and not shared
        self.tables = tables
        self._queue: queue.Queue[Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="twin-committer", daemon=True)
        self._pending: list[Job] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: Connection | None = None  # the writer's own connection, kept open
        self._checkpoints: Checkpoints | None = None  # inline on a SQLite file (checkpoint.py)
        self._inserts: dict[str, Prepared] = {}
        self._tenant_prepared: Prepared | None = None
        self._update_stmts: dict[str, Any] = {}
        self._delete_stmts: dict[str, Any] = {}
        self._tenant_stmt: Any = None
        self.batches = 0
        self.jobs = 0

    def start(self) -> None:
        if not self.inline:
            self._thread.start()

    async def write(self, ops: list[Op]) -> None:
        """Write `ops` with whatever else is handed over in this turn of the event loop and the next;
        wait until durable."""
        loop = self._loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        if self.shared:  # one transaction per write anyway: no reason to wait for the turn's end
            self._queue.put(([(ops, waiter)], loop))
            await waiter
            return
        if not self._pending:
            loop.call_soon(loop.call_soon, self._flush, loop)  # at the end of the next turn
        self._pending.append((ops, waiter))
        await waiter

    def _flush(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Hand the turn's writes over: write them now (inline) or queue them for the writer thread."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        if self.inline:
            for i in range(0, len(batch), MAX_BATCH):
                part = batch[i : i + MAX_BATCH]
                settle(part, self._write(part))
        else:
            self._queue.put((batch, loop or self._loop))

    def submit(self, ops: list[Op]) -> Future[None]:
        """Write `ops` after everything handed over before; from any code, async or not."""
        future: Future[None] = Future()
        self._flush(None)  # keep the order: what `write` collected goes first
        if self.inline:
            settle([(ops, future)], self._write([(ops, future)]))
        else:
            self._queue.put(([(ops, future)], None))
        return future

    def stop(self) -> None:
        """Write everything handed over, then end the writer thread (and the checkpoints')."""
        self._flush(None)
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._checkpoints is not None:
            self._checkpoints.stop()
            self._checkpoints = None
        self._close()

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def run_now(self, ops: list[Op]) -> None:
        """Write synchronously (start-up, tests), bypassing the queue."""
        with self.engine.begin() as conn:
            self._apply(conn, ops)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is None:
                break
            items = [first]
            jobs = len(first[0])
            while jobs < MAX_BATCH and not self.shared:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                items.append(item)
                jobs += len(item[0])
            batch = [job for jobs_, _ in items for job in jobs_]
            # Shared mode: each job alone, so that a lost race fails only its own request.
            outcomes = [self._write([job])[0] for job in batch] if self.shared else self._write(batch)
            self._settle_from_thread(items, outcomes)

    @staticmethod
    def _settle_from_thread(items: list[Item], outcomes: list[BaseException | None]) -> None:
        """Thread-safe futures at once; each loop's futures with one callback into that loop."""
        i = 0
        for jobs, loop in items:
            part = outcomes[i : i + len(jobs)]
            i += len(jobs)
            if loop is None:
                settle(jobs, part)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(settle, jobs, part)

    def _write(self, batch: list[Job]) -> list[BaseException | None]:
        """Write a batch as one transaction; the outcome of each job (None: durable)."""
        try:
            if self._conn is None:
                self._conn = self._connect()
            ops = merge(batch) if len(batch) > 1 and not self.shared else None
            written = False
            if not self.shared and all(op[0] in DIRECT for job_ops, _ in batch for op in job_ops):
                with contextlib.suppress(NotPrepared):  # nothing written: SQLAlchemy writes it below
                    self._write_direct(self._conn, ops if ops is not None else batch[0][0])
                    written = True
            if not written:
                with self._conn.begin():
                    for job_ops in [ops] if ops is not None else [job[0] for job in batch]:
                        self._apply(self._conn, job_ops)
        except Exception as exc:
            self._close()  # whatever went wrong, the next batch starts on a fresh connection
            if len(batch) == 1:
                return [exc]
            # One bad job must not fail the others: write them one by one.
            return [self._write([job])[0] for job in batch]
        self.batches += 1
        self.jobs += len(batch)
        if self._checkpoints is not None:
            self._checkpoints.poke()
        return [None] * len(batch)

    def _connect(self) -> Connection:
        """The writer's connection; writing on the loop, its SQLite file's WAL checkpoints go to a
        thread of their own (checkpoint.py)."""
        conn = self.engine.connect()
        if self.inline and conn.dialect.name == "sqlite":
            driver = conn.connection.dbapi_connection
            self._checkpoints = Checkpoints.attach(driver, self.engine, self._checkpoints)
        return conn

    def _write_direct(self, conn: Connection, ops: list[Op]) -> None:
        """New rows and the tenant row (the writes of nearly every request), straight on the driver's
        cursor with prepared statements, in one transaction of the driver's connection; nothing is
        left begun on `conn`. `NotPrepared` (nothing written) when a row needs SQLAlchemy."""
        dialect = conn.dialect
        driver = conn.connection.dbapi_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            for kind, table, payloads in grouped(ops):
                if kind == "insert" and table is not None:
                    prepared = self._insert(table, dialect)
                    cursor.executemany(prepared.sql, prepared.bound(rows_of(payloads)))
                elif kind == "tenant":
                    (row,) = payloads  # grouped() never joins tenant rows
                    update = self._tenant_update_prepared(dialect)
                    cursor.execute(update.sql, update.bound([self._tenant_params(row)])[0])
                    if cursor.rowcount == 0:  # the tenant's first write
                        insert = self._insert(tenants_table, dialect)
                        cursor.execute(insert.sql, insert.bound([{**row, "service": self.service}])[0])
            driver.commit()
        except BaseException:
            driver.rollback()
            raise
        finally:
            cursor.close()

    def _apply(self, conn: Connection, ops: list[Op]) -> None:
        if self.shared:
            # Check the tenant's version first: a writer that lost the race fails here with
            # WriteConflict, before its rows collide with the winner's (same ids, same counters).
            ops = sorted(ops, key=lambda op: op[0] != "tenant")
        for kind, table, payloads in grouped(ops):
            self._apply_group(conn, kind, table, payloads)

    def _apply_group(self, conn: Connection, kind: str, table: sa.Table | None, payloads: list[Any]) -> None:
        if kind == "insert" and table is not None:
            self._insert(table, conn.dialect).run(conn, rows_of(payloads))
        elif kind == "update" and table is not None:
            stmt = self._update_stmt(table, payloads[0][0])
            conn.execute(
                stmt,
                [
                    {
                        "_t": row["tenant_id"],
                        "_s": row["twin_seq"],
                        "_k": row[key],
                        **{"v_" + c: v for c, v in row.items()},
                    }
                    for key, row in payloads
                ],
            )
        elif kind == "delete" and table is not None:
            stmt = self._delete_stmt(table, payloads[0][0])
            conn.execute(stmt, [{"_t": tid, "_s": seq, "_k": k} for _, k, tid, seq in payloads])
        elif kind == "wipe":
            for tenant_id in payloads:
                for t in self.tables:
                    conn.execute(t.delete().where(t.c.tenant_id == tenant_id))
        elif kind == "tenant":
            for row in payloads:
                self._write_tenant(conn, row)
        elif kind == "drop":
            for tenant_id in payloads:
                for t in self.tables:
                    conn.execute(t.delete().where(t.c.tenant_id == tenant_id))
                t, st = tenants_table, snapshots_table
                conn.execute(t.delete().where((t.c.service == self.service) & (t.c.id == tenant_id)))
                conn.execute(
                    st.delete().where((st.c.service == self.service) & (st.c.tenant_id == tenant_id))
                )
        elif kind == "snapshot":
            for row in payloads:
                st = snapshots_table
                key = (
                    (st.c.service == self.service)
                    & (st.c.tenant_id == row["tenant_id"])
                    & (st.c.name == row["name"])
                )
                conn.execute(st.delete().where(key))
                conn.execute(st.insert(), {**row, "service": self.service})
        elif kind == "call":
            for fn in payloads:
                fn(conn)
        elif kind != "noop":
            raise ValueError(f"unknown write kind {kind!r}")

    def _write_tenant(self, conn: Connection, original: dict[str, Any]) -> None:
        row = original
        t = tenants_table
        row = {**row, "service": self.service}
        values = {"seed": row["seed"], "size": row["size"], "meta": row["meta"]}
        if self.shared:
            mine = (t.c.service == self.service) & (t.c.id == row["id"])
            result = conn.execute(
                t.update()
                .where(mine & (t.c.version == row["version"]))
                .values(version=row["version"] + 1, **values)
            )
            if result.rowcount == 0:
                exists = conn.execute(sa.select(t.c.version).where(mine)).first()
                if exists is not None:
                    raise WriteConflict(row["id"])
                try:
                    conn.execute(t.insert(), {**row, "version": row["version"] + 1})
                except IntegrityError as exc:  # another process created the tenant meanwhile
                    raise WriteConflict(row["id"]) from exc
            original["version"] += 1
            return
        # One prebuilt statement: building update().where().values() per write cost ~200 µs of
        # SQLAlchemy CPU each time, more than running it (bench/RESULTS.md).
        result = conn.execute(self._tenant_update(), self._tenant_params(original))
        if result.rowcount == 0:
            conn.execute(t.insert(), row)

    def _tenant_params(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "_service": self.service,
            "_id": row["id"],
            "_seed": row["seed"],
            "_size": row["size"],
            "_meta": row["meta"],
        }

    def _tenant_update_prepared(self, dialect: Dialect) -> Prepared:
        if self._tenant_prepared is None:
            self._tenant_prepared = Prepared(self._tenant_update(), dialect, name="the tenant row update")
        return self._tenant_prepared

    def _tenant_update(self) -> Any:
        if self._tenant_stmt is None:
            t = tenants_table
            self._tenant_stmt = (
                t.update()
                .where((t.c.service == sa.bindparam("_service")) & (t.c.id == sa.bindparam("_id")))
                .values({c: sa.bindparam("_" + c, type_=t.c[c].type) for c in ("seed", "size", "meta")})
            )
        return self._tenant_stmt

    def _insert(self, table: sa.Table, dialect: Dialect) -> Prepared:
        prepared = self._inserts.get(table.name)
        if prepared is None:
            prepared = self._inserts[table.name] = Prepared.insert(table, dialect)
        return prepared

    def _update_stmt(self, table: sa.Table, key: str) -> Any:
        stmt = self._update_stmts.get(table.name)
        if stmt is None:
            fixed = ("tenant_id", "twin_seq", key)
            cols: dict[str, Any] = {
                c.name: sa.bindparam("v_" + c.name) for c in table.columns if c.name not in fixed
            }
            stmt = table.update().where(self._row_key(table, key)).values(cols)
            self._update_stmts[table.name] = stmt
        return stmt

    @staticmethod
    def _row_key(table: sa.Table, key: str) -> Any:
        """One row: the whole primary key (tenant, sequence, own key), so its index finds it."""
        return (
            (table.c.tenant_id == sa.bindparam("_t"))
            & (table.c.twin_seq == sa.bindparam("_s"))
            & (table.c[key] == sa.bindparam("_k"))
        )

    def _delete_stmt(self, table: sa.Table, key: str) -> Any:
        stmt = self._delete_stmts.get(table.name)
        if stmt is None:
            stmt = table.delete().where(self._row_key(table, key))
            self._delete_stmts[table.name] = stmt
        return stmt


def settle(batch: list[Job], outcomes: list[BaseException | None]) -> None:
    for (_, waiter), error in zip(batch, outcomes, strict=True):
        if waiter.done():  # the request went away meanwhile
            continue
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)


BARRIERS = frozenset({"drop", "wipe", "snapshot", "call"})
DIRECT = frozenset({"insert", "tenant", "noop"})  # what `_write_direct` writes


def grouped(ops: list[Op]) -> Iterator[tuple[str, sa.Table | None, list[Any]]]:
    """Runs of consecutive ops of one kind on one table, as (kind, table, payloads); every tenant
    row stands alone."""
    i = 0
    while i < len(ops):
        kind, table, _ = ops[i]
        j = i + 1
        while j < len(ops) and ops[j][0] == kind and ops[j][1] is table and kind != "tenant":
            j += 1
        yield kind, table, [op[2] for op in ops[i:j]]
        i = j


def rows_of(payloads: list[Any]) -> list[dict[str, Any]]:
    """The rows of insert payloads (a row, or a list of rows each)."""
    return [r for p in payloads for r in (p if isinstance(p, list) else [p])]


def merge(batch: list[Job]) -> list[Op]:
    """The batch's writes as one list: consecutive inserts become one executemany, and a tenant
    row that a later job of the batch writes again is written once (the newest, as memory holds).
    A "noop" (a change of the tenant row only, such as a meta key: its job's tenant row writes it)
    writes nothing and is left out, so it does not split the inserts of one table into one
    executemany per job."""
    seen: set[str] = set()
    merged: list[Op] = []
    for ops, _ in reversed(batch):
        for op in reversed(ops):
            if op[0] == "noop":
                continue
            if op[0] == "tenant":
                if op[2]["id"] in seen:
                    continue
                seen.add(op[2]["id"])
            elif op[0] in BARRIERS:
                seen.clear()  # never move a tenant row across a wipe, drop or snapshot
            merged.append(op)
    merged.reverse()
    return merged
