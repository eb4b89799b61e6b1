"""Shared mode's writes: a tenant's writers take turns in the database, so a write waits, never fails.

With several processes on one database (`twins serve --workers N`, replicas behind a load balancer),
the writes that requests hand over during two turns of the event loop form a batch, written by this
process's writer thread in one transaction:

1. lock the rows of the batch's tenants (`SELECT … ORDER BY id FOR UPDATE`: one fixed order, so
   two batches never deadlock; a row lock belongs to its schema's table, so twins or test schemas
   with a tenant of the same name never wait for each other), and read their versions;
2. read what the versions this process lacks changed (the change log, `changelog.py`), or the whole
   tenant where the log cannot tell (far behind, a reset): both in the writer thread;
3. on the event loop: bring the tenants up to date, then run each write's domain operation;
4. in the writer thread: write their rows, the tenant rows with the next version and the change
   log entries, and commit, which lets the next process's batch in.

Another process's writes to a tenant are thus always in memory before an operation runs on it, so
none is ever refused; the price is that writers of one tenant take turns. A private SQLite
file (one process) never comes here (`committer.py` writes it); workers sharing a SQLite file take
its write lock instead of row locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import IntegrityError, OperationalError

from twins._runtime import changelog
from twins._runtime.binds import NotPrepared, Prepared
from twins._runtime.collection import Op, Row, TenantState
from twins._runtime.committer import grouped, rows_of
from twins._runtime.db import changes_table, tenants_table
from twins._runtime.errors import WriteConflict

if TYPE_CHECKING:
    from twins._runtime.store import Store

log = logging.getLogger(__name__)

MAX_BATCH = 256
SKIP = ("tenant", "noop")  # what a batch writes as tenant rows and log entries, not as table rows
Work = Callable[[TenantState | None], tuple[Any, list[Op]]]
Logged = dict[str, list[tuple[int, changelog.Entry]]]  # log entries read with the locks, by tenant


# PostgreSQL's lock and log reads, as psycopg takes them (fixed text: prepared by the driver after
# a few runs, nothing compiled per batch). Unqualified names: the connection's search_path decides.
_LOCK = (
    f"SELECT {', '.join(c.name for c in tenants_table.columns)} FROM {tenants_table.name} "
    "WHERE service = %(service)s AND id = ANY(%(ids)s) ORDER BY id FOR UPDATE"
)
LOCK_WAIT, LOCK_FREE = _LOCK, _LOCK + " SKIP LOCKED"
LOG_SINCE = (
    f"SELECT c.tenant_id, c.version, c.ops FROM {changes_table.name} AS c "
    "JOIN unnest(%(tids)s::varchar[], %(since)s::bigint[]) AS s(tenant_id, version) "
    "ON c.tenant_id = s.tenant_id AND c.version > s.version "
    "WHERE c.service = %(service)s ORDER BY c.tenant_id, c.version"
)


class Stopped(Exception):
    """The store stopped while a batch waited for the event loop."""


@dataclass(eq=False)
class Job:
    """One write: `work` runs on the loop under the tenant's lock and returns (result, ops)."""

    tenant_id: str
    work: Work
    future: asyncio.Future[Any]
    alone: bool = False
    waited: int = 0  # batches that went ahead without it while another process held its tenant
    result: Any = None
    error: BaseException | None = None


@dataclass
class Plan:
    """What the loop made of a locked batch: ops by tenant, or tenants it needs loaded first."""

    ops: dict[str, list[Op]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


class LockedWriter:
    """The writer thread of shared mode and the batches the loop hands it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writing: set[str] = set()  # loop side: tenants whose operations ran, not yet committed
        self._written: dict[str, int] = {}  # thread side: the versions this process committed
        self._queue: queue.Queue[list[Job] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="twin-locked-writer", daemon=True)
        self._pending: list[Job] = []
        self._inflight: set[asyncio.Future[Any]] = set()  # loop side: writes not settled yet
        self._deferred: list[Job] = []  # thread side: jobs whose tenants another process held
        self._held_back: list[list[Job] | None] = []  # thread side: taken from the queue, not joined
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: Connection | None = None
        self._stopping = threading.Event()
        self._update_stmt: Any = None
        self._statements: tuple[Prepared, Prepared] | None = None
        self.batches = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what was handed over (unless the loop is gone), then end the thread."""
        self._flush()
        if self._thread.is_alive():
            self._stopping.set()
            self._queue.put(None)
            self._thread.join()
        self._close()

    def _close(self) -> None:
        old, self._conn = self._conn, None
        if old is not None:
            with contextlib.suppress(Exception):
                old.close()

    async def run(self, tenant_id: str, work: Work) -> Any:
        """Run `work` under the tenant's lock with whatever else this turn and the next hand over;
        return its result once its writes are durable."""
        loop = self._loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pending:
            loop.call_soon(loop.call_soon, self._flush)  # at the end of the next turn
        self._pending.append(Job(tenant_id, work, future))
        self._inflight.add(future)
        future.add_done_callback(self._settled)
        # Shielded: a request that goes away does not cancel the write, so `durable` still waits for it.
        return await asyncio.shield(future)

    def _settled(self, future: asyncio.Future[Any]) -> None:
        self._inflight.discard(future)
        if not future.cancelled():
            future.exception()  # retrieved here too: its request may have gone away

    async def durable(self) -> None:
        """Return once the writes handed over so far are settled (durable, or failed)."""
        if self._inflight:
            await asyncio.wait(list(self._inflight))

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            self._queue.put(batch)

    # --- the writer thread ------------------------------------------------------------------
    def _serve(self) -> None:
        carry: list[Job] | None = None
        stop = False
        while True:
            if self._deferred:
                batch: list[Job] | None = self._deferred
                self._deferred = []
            elif carry is not None:
                batch, carry = carry, None
            elif stop:
                return
            elif self._held_back:
                batch = self._held_back.pop(0)
            else:
                batch = self._queue.get()
            if batch is None:
                return
            while not batch[0].alone and len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                if more[0].alone:
                    carry = more
                    break
                batch.extend(more)
            self._write(batch)

    def _write(self, batch: list[Job]) -> None:
        tenants = sorted({job.tenant_id for job in batch})
        plan: Plan | None = None
        versions: dict[str, int] = {}
        try:
            conn = self._conn = self._conn or self.store.engine.connect()
            with conn.begin():
                if conn.dialect.name == "sqlite":
                    _begin_immediate(conn)
                since = self._held(tenants)
                # One tenant: nothing to gain from taking the free ones only; wait for it at once.
                wait = len(tenants) == 1 or any(job.waited > 1 for job in batch)
                rows, logged = self._lock(conn, tenants, since, wait=wait)
                if not rows:  # another process holds every one: wait for them, in order
                    rows, logged = self._lock(conn, tenants, since, wait=True)
                elif len(rows) < len(tenants):  # go ahead with the free ones, the rest next time
                    later = [job for job in batch if job.tenant_id not in rows]
                    for job in later:
                        job.waited += 1
                    self._deferred.extend(later)
                    batch = [job for job in batch if job.tenant_id in rows]
                    tenants = sorted(rows)
                self._join(batch, rows)
                plan = self._plan(conn, batch, rows, logged)
                versions = self._write_ops(conn, plan, rows)
            self._written.update(versions)
            self.batches += 1
            outcome: BaseException | None = None
        except BaseException as exc:
            outcome = exc
            self._close()  # the next batch starts on a fresh connection
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._settle, batch, tenants, plan is not None, versions, outcome)

    def _join(self, batch: list[Job], locked: dict[str, Row]) -> None:
        """Writes to the locked tenants handed over while the batch waited for their locks join it
        (under contention a batch waits about as long as the other process holds the lock, and
        each turn then writes what arrived meanwhile instead of waiting for the lock again)."""
        while len(batch) < MAX_BATCH:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                return
            if more is None or more[0].alone:
                self._held_back.append(more)
                return
            for job in more:
                (batch if job.tenant_id in locked else self._deferred).append(job)

    def _held(self, tenants: list[str]) -> dict[str, int]:
        """The version of each tenant this process holds (a plain read of the loop's dict: a hint,
        checked again under the lock), for the tenants it holds."""
        since: dict[str, int] = {}
        for tenant_id in tenants:
            state = self.store.tenants.get(tenant_id)
            if state is not None:
                since[tenant_id] = max(state.version, self._written.get(tenant_id, -1))
        return since

    def _lock(
        self, conn: Connection, tenants: list[str], since: dict[str, int], *, wait: bool
    ) -> tuple[dict[str, Row], Logged | None]:
        """Lock the tenants' rows and return them. Waiting, it locks them in one fixed order (id),
        holding no other lock (no deadlock); else it takes the free ones only (SKIP LOCKED), so
        that two processes write different tenants at once. Absent tenants are left out.

        On PostgreSQL the change log entries after `since` come in the same round trip (a
        pipeline: the log is read once the locks are held, so it holds every version up to the
        locked rows' own): a turn under the lock is then this round trip, the operations on the
        loop and the write's round trip."""
        if conn.dialect.name != "postgresql" or not since:
            t = tenants_table
            query = (
                sa.select(t)
                .where((t.c.service == self.store.service) & t.c.id.in_(tenants))
                .order_by(t.c.id)
                .with_for_update(skip_locked=not wait)
            )
            return {row["id"]: dict(row) for row in conn.execute(query).mappings()}, None
        service = self.store.service
        lock_params = {"service": service, "ids": tenants}
        log_params = {"service": service, "tids": list(since), "since": list(since.values())}
        driver: Any = conn.connection.dbapi_connection
        cursors = [driver.cursor(), driver.cursor()]
        with driver.pipeline():
            cursors[0].execute(LOCK_WAIT if wait else LOCK_FREE, lock_params)
            cursors[1].execute(LOG_SINCE, log_params)
        names = [d.name for d in cursors[0].description]
        rows = {row["id"]: row for row in (dict(zip(names, r, strict=True)) for r in cursors[0].fetchall())}
        logged: Logged = {}
        for tenant_id, version, ops in cursors[1].fetchall():
            logged.setdefault(tenant_id, []).append(
                (int(version), json.loads(ops) if isinstance(ops, str) else ops)
            )
        for cursor in cursors:
            cursor.close()
        for row in rows.values():
            if isinstance(row["meta"], str):
                row["meta"] = json.loads(row["meta"])
        return rows, logged

    def _plan(self, conn: Connection, batch: list[Job], rows: dict[str, Row], logged: Logged | None) -> Plan:
        """Catch the tenants up (log entries, or whole tenants read here) and run the operations."""
        since: dict[str, int] = {}
        loaded: dict[str, TenantState] = {}
        for tenant_id, row in rows.items():
            state = self.store.tenants.get(tenant_id)  # a plain read of the loop's dict: only a hint
            if state is None or state.created_at != row["created_at"]:
                loaded[tenant_id] = self.store.read_state(conn, row)
            else:
                since[tenant_id] = max(state.version, self._written.get(tenant_id, -1))
        upto = {t: int(rows[t]["version"]) for t in since}
        if logged is not None and all(t in logged or upto[t] == since[t] for t in since):
            entries = {t: [(v, e) for v, e in logged.get(t, []) if since[t] < v <= upto[t]] for t in since}
        else:
            entries = changelog.read_since(conn, self.store.service, since, upto)
        for tenant_id, found in entries.items():
            if not changelog.complete(found, since[tenant_id], upto[tenant_id]):
                loaded[tenant_id] = self.store.read_state(conn, rows[tenant_id])
        plan = self._on_loop(self._prepare, batch, rows, since, entries, loaded)
        while plan.missing:  # the loop dropped one of the states meanwhile: read those whole
            loaded = {t: self.store.read_state(conn, rows[t]) for t in plan.missing}
            plan = self._on_loop(self._prepare, batch, rows, since, entries, loaded)
        return plan

    def _on_loop(self, fn: Callable[..., Plan], *args: Any) -> Plan:
        """Call `fn` on the event loop and wait for its answer (the locks stay held meanwhile)."""
        loop = self._loop
        assert loop is not None
        done: Future[Plan] = Future()

        def call() -> None:
            try:
                done.set_result(fn(*args))
            except BaseException as exc:
                done.set_exception(exc)

        loop.call_soon_threadsafe(call)
        while True:
            try:
                return done.result(timeout=0.2)
            except TimeoutError:
                if self._stopping.is_set() or loop.is_closed():
                    raise Stopped("the store stopped") from None

    def _write_ops(self, conn: Connection, plan: Plan, rows: dict[str, Row]) -> dict[str, int]:
        """Write the tenants' ops, their rows with the next versions and their log entries, with
        one statement per kind of write for the whole batch (an insert or update per table)."""
        store = self.store
        body = [op for tenant_id in sorted(plan.ops) for op in plan.ops[tenant_id] if op[0] not in SKIP]
        versions: dict[str, int] = {}
        updates: list[dict[str, Any]] = []
        created: list[Row] = []
        dropped: list[str] = []
        entries: list[tuple[str, int, changelog.Entry]] = []
        for tenant_id, ops in sorted(plan.ops.items()):
            if any(op[0] == "drop" for op in ops):
                dropped.append(tenant_id)
                continue
            tenant_rows = [op[2] for op in ops if op[0] == "tenant"]
            if not tenant_rows:
                continue
            row, locked = tenant_rows[-1], rows.get(tenant_id)
            version = (int(locked["version"]) if locked else int(row["version"])) + 1
            values = {k: row[k] for k in ("id", "seed", "size", "meta", "created_at")}
            if locked is not None:
                updates.append({"_" + k: v for k, v in values.items()} | {"_version": version})
            else:
                created.append(values | {"version": version})
            entries.append((tenant_id, version, changelog.encode(ops)))
            versions[tenant_id] = version
        for update in updates:
            update["_service"] = store.service
        plain = not created and not dropped and not any(changelog.needs_cleanup(v, e) for _, v, e in entries)
        if plain and self._pipelined(conn, body, updates, entries):
            return versions
        for kind, table, payloads in grouped(body):
            store.committer._apply_group(conn, kind, table, payloads)
        for tenant_id in dropped:
            changelog.forget(conn, store.service, tenant_id)
        for row in created:
            self._insert_tenant_row(conn, row)
        if updates:
            conn.execute(self._tenant_update(), updates)
        changelog.record(conn, store.service, entries)
        return versions

    def _pipelined(
        self,
        conn: Connection,
        body: list[Op],
        updates: list[dict[str, Any]],
        entries: list[tuple[str, int, changelog.Entry]],
    ) -> bool:
        """PostgreSQL, new rows only (nearly every batch): the rows, the tenant rows, the log entries
        and the commit in one round trip (psycopg's pipeline mode, prepared statements on the
        driver's cursor), so the locks are held for as short a time as can be. False (nothing
        sent) where that does not apply."""
        if conn.dialect.name != "postgresql" or any(op[0] != "insert" for op in body):
            return False
        committer, dialect = self.store.committer, conn.dialect
        try:
            statements = [
                (prepared.sql, prepared.bound(rows_of(payloads)))
                for _, table, payloads in grouped(body)
                if table is not None and (prepared := committer._insert(table, dialect))
            ]
            update, log_insert = self._prepared(dialect)
            log_rows = [
                {"service": self.store.service, "tenant_id": t, "version": v, "ops": e} for t, v, e in entries
            ]
            statements += [(update.sql, update.bound(updates)), (log_insert.sql, log_insert.bound(log_rows))]
        except NotPrepared:
            return False
        driver: Any = conn.connection.dbapi_connection
        with driver.pipeline(), driver.cursor() as cursor:
            for sql, params in statements:
                if params:
                    cursor.executemany(sql, params)
            driver.commit()  # SQLAlchemy's commit that follows finds nothing left to commit
        return True

    def _prepared(self, dialect: Dialect) -> tuple[Prepared, Prepared]:
        """The tenant row update and the log insert, prepared once."""
        if self._statements is None:
            update = Prepared(self._tenant_update(), dialect, name="the tenant row update")
            self._statements = (update, Prepared.insert(changes_table, dialect))
        return self._statements

    def _tenant_update(self) -> Any:
        if self._update_stmt is None:
            t = tenants_table
            mine = (t.c.service == sa.bindparam("_service")) & (t.c.id == sa.bindparam("_id"))
            names = ("seed", "size", "meta", "created_at", "version")
            values = {c: sa.bindparam("_" + c, type_=t.c[c].type) for c in names}
            self._update_stmt = t.update().where(mine).values(values)
        return self._update_stmt

    def _insert_tenant_row(self, conn: Connection, row: Row) -> None:
        try:
            with conn.begin_nested():
                conn.execute(tenants_table.insert(), {**row, "service": self.store.service})
        except IntegrityError as exc:  # another process created the tenant meanwhile
            raise WriteConflict(row["id"]) from exc

    # --- on the event loop ------------------------------------------------------------------
    def _prepare(
        self,
        batch: list[Job],
        rows: dict[str, Row],
        since: dict[str, int],
        entries: dict[str, list[tuple[int, changelog.Entry]]],
        loaded: dict[str, TenantState],
    ) -> Plan:
        store = self.store
        missing: list[str] = []
        for tenant_id in sorted({job.tenant_id for job in batch}):
            row = rows.get(tenant_id)
            state = store.tenants.get(tenant_id)
            if row is None:
                if state is not None:  # dropped by another process
                    store.forget(state)
            elif tenant_id in loaded:
                store.adopt(loaded[tenant_id])
            elif state is None or state.version < since.get(tenant_id, -1):
                missing.append(tenant_id)
            else:
                store.catch_up(state, entries.get(tenant_id, []), row)
        if missing:
            return Plan(missing=missing)
        plan = Plan(ops={tenant_id: [] for tenant_id in sorted({job.tenant_id for job in batch})})
        if self._pending:  # handed over since: the writes to these tenants join, as in `_join`
            joining = [job for job in self._pending if job.tenant_id in plan.ops]
            if joining:
                self._pending = [job for job in self._pending if job.tenant_id not in plan.ops]
                batch.extend(joining)
        self.writing.update(plan.ops)
        for job in batch:
            try:
                job.result, ops = job.work(store.tenants.get(job.tenant_id))
            except Exception as exc:  # the operation refused (it rolled its changes back)
                job.error = exc
                continue
            plan.ops[job.tenant_id].extend(ops)
        return plan

    def _settle(
        self,
        batch: list[Job],
        tenants: list[str],
        ran: bool,
        versions: dict[str, int],
        outcome: BaseException | None,
    ) -> None:
        self.writing.difference_update(tenants)
        if outcome is None:
            for tenant_id, version in versions.items():
                state = self.store.tenants.get(tenant_id)
                if state is not None:
                    state.version = version
            for job in batch:
                _resolve(job, job.error)
            return
        if ran:
            # Memory holds the operations' changes, which the database rolled back: drop them.
            for tenant_id in tenants:
                state = self.store.tenants.get(tenant_id)
                if state is not None:
                    self.store.forget(state)
        if len(batch) == 1 or isinstance(outcome, Stopped):
            for job in batch:
                _resolve(job, job.error or outcome)
            return
        # One bad write must not fail the others: each runs again in a batch of its own.
        log.info("a batch of %d writes failed (%s); writing them one by one", len(batch), outcome)
        for job in batch:
            if job.error is not None or job.future.done():
                _resolve(job, job.error)
            else:
                self._queue.put([Job(job.tenant_id, job.work, job.future, alone=True)])


def _begin_immediate(conn: Connection) -> None:
    """SQLite has no row locks: a batch holds the database's write lock from its start instead,
    waiting for as long as another process holds it."""
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise


def _resolve(job: Job, error: BaseException | None) -> None:
    if job.future.done():  # the request went away meanwhile
        return
    if error is None:
        job.future.set_result(job.result)
    else:
        job.future.set_exception(error)
