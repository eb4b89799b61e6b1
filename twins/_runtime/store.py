"""The store: every tenant's state in memory, read there, written through to SQL by group commit."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from twins._runtime import changelog, heap
from twins._runtime.clock import SEED_EPOCH, Clock
from twins._runtime.collection import CollectionSpec, Op, Row, TenantState
from twins._runtime.committer import Committer
from twins._runtime.credentials import CredentialLookup
from twins._runtime.db import runtime_metadata, snapshots_table, tenants_table
from twins._runtime.errors import WriteConflict
from twins._runtime.migrations import Migration, latest, upgrade, upgrade_dump
from twins._runtime.replicas import LockedWriter

T = TypeVar("T")
Seeder = Callable[[TenantState, int], None]
SEED_SNAPSHOT = "__seed__"


class Tenants(dict[str, TenantState]):
    """Tenant states by id; each watcher is told of every state put in (new, reloaded, restored)."""

    def __init__(self) -> None:
        super().__init__()
        self.watchers: list[Callable[[TenantState], None]] = []

    def __setitem__(self, tenant_id: str, state: TenantState) -> None:
        super().__setitem__(tenant_id, state)
        for watcher in self.watchers:
            watcher(state)


class Store:
    """Tenants by id, a credential index across tenants, and the committer behind them."""

    def __init__(
        self,
        service: str,
        engine: Engine,
        specs: list[CollectionSpec],
        metadata: sa.MetaData | None,
        seeder: Seeder,
        *,
        shared: bool = False,
        migrations: Sequence[Migration] = (),
        secret: str = "",
    ) -> None:
        self.service = service
        self.secret = secret  # the installation's secret, mixed into every tenant's ids
        self.engine = engine
        self.specs = specs
        self.metadata = metadata
        self.seeder = seeder
        self.shared = shared
        self.migrations = list(migrations)
        self.schema_version = latest(self.migrations)  # recorded in every snapshot (migrations.py)
        self.tenants = Tenants()
        self.credentials: dict[str, str] = {}
        self.snapshots: dict[tuple[str, str], dict[str, Any]] = {}
        inline = engine.dialect.name == "sqlite"  # a private SQLite file: write on the loop (committer.py)
        self.committer = Committer(engine, service, [s.table for s in specs], shared=shared, inline=inline)
        # Shared mode: writes wait for the tenant's lock in the database (replicas.py).
        self.replicas = LockedWriter(self) if shared else None
        self._tables = {spec.table.name: spec.name for spec in specs}
        self.lookup = CredentialLookup(engine, specs)  # shared mode: credentials not in memory
        self.reloading: dict[str, asyncio.Future[None]] = {}  # tenants read whole in a worker thread

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        for attempt in range(5):
            try:
                runtime_metadata.create_all(self.engine)
                if self.metadata is not None:
                    self.metadata.create_all(self.engine, tables=[s.table for s in self.specs])
                upgrade(self.engine, self.service, self.migrations)
                if self.shared:
                    self.lookup.index()
                break
            except DBAPIError:
                # Workers starting together race to create the tables; the loser finds them made.
                if attempt == 4:
                    raise
        self.load_all()
        self.committer.start()
        if self.replicas is not None:
            self.replicas.start()

    def stop(self) -> None:
        if self.replicas is not None:
            self.replicas.stop()
        self.committer.stop()
        self.engine.dispose()

    def load_all(self) -> None:
        self.tenants.clear()
        self.credentials.clear()
        with self.engine.connect() as conn:
            rows = (
                conn.execute(sa.select(tenants_table).where(tenants_table.c.service == self.service))
                .mappings()
                .all()
            )
        for row in rows:
            self.adopt(self._load(dict(row)))

    def _load(self, tenant_row: Row) -> TenantState:
        """A tenant's state from the database: its row (clock, id counters, meta) and its tables.

        The reads are separate statements, so in shared mode another process may commit between
        them; every commit bumps the tenant's version, so the load is kept only if the version is
        the same after the tables were read (else rows could be ahead of the id counters).
        """
        while True:
            with self.engine.connect() as conn:
                state = self.read_state(conn, tenant_row)
                if not self.shared:
                    return state
                again = sa.select(tenants_table).where(self._tenant_key(state.id))
                now = conn.execute(again).mappings().first()
            if now is None or now["version"] == tenant_row["version"]:
                return state
            tenant_row = dict(now)

    def read_state(self, conn: Connection, tenant_row: Row) -> TenantState:
        """A tenant's tables read on `conn`, as of `tenant_row`; touches nothing of the store, so
        the writer thread may call it (`adopt` puts the state in place, on the loop)."""
        state = TenantState(
            tenant_row["id"], self.specs, seed=int(tenant_row["seed"]), size=0, secret=self.secret
        )
        state.apply_tenant_row(tenant_row)
        for spec in self.specs:
            t = spec.table
            query = sa.select(t).where(t.c.tenant_id == state.id).order_by(t.c.twin_seq)
            coll = state.collections[spec.name]
            for r in conn.execute(query).mappings():
                coll.load(r)  # type: ignore[arg-type]  # a mapping: copied once, into a read-only row
        return state

    def adopt(self, state: TenantState) -> None:
        """Put a state read from the database in place of the one held."""
        old = self.tenants.get(state.id)
        if old is not None and old is not state:
            self.forget(old)
        state.track_credentials(self._credential_changed)
        self.tenants[state.id] = state

    def catch_up(self, state: TenantState, entries: list[tuple[int, changelog.Entry]], row: Row) -> None:
        """Apply other processes' changes (log entries newer than the state) and the tenant row."""
        changelog.apply(state, entries, self._tables)
        if state.version != int(row["version"]):
            state.apply_tenant_row(row)

    def _new_state(self, tenant_id: str, seed: int, size: int) -> TenantState:
        return TenantState(
            tenant_id,
            self.specs,
            seed=seed,
            size=size,
            on_credential=self._credential_changed,
            secret=self.secret,
        )

    def _credential_changed(self, token: str, tenant_id: str, present: bool) -> None:
        if present:
            self.credentials[token] = tenant_id
        elif self.credentials.get(token) == tenant_id:
            del self.credentials[token]

    def _tenant_key(self, tenant_id: str) -> sa.ColumnElement[bool]:
        return (tenants_table.c.service == self.service) & (tenants_table.c.id == tenant_id)

    # --- reads ------------------------------------------------------------------------------
    def get(self, tenant_id: str) -> TenantState | None:
        if self.shared:
            self.refresh(tenant_id)
        return self.tenants.get(tenant_id)

    def tenant_for_credential(self, token: str) -> str | None:
        """The tenant a credential belongs to; in shared mode one indexed query for one no state in
        memory holds (a miss is remembered briefly, credentials.py)."""
        tenant = self.credentials.get(token)
        if tenant is not None or not self.shared or self.lookup.recently_missed(token):
            return tenant
        owner = self.lookup.owner(token)
        if owner is not None:
            self.refresh(owner)
            tenant = self.credentials.get(token)
        if tenant is None:
            self.lookup.missed(token)
        return tenant

    def refresh(self, tenant_id: str) -> None:
        """Shared mode: bring a tenant up to date (one indexed read per request, and when another
        process wrote to it, one read of the change log; the whole tenant only when that cannot tell).

        A whole read of a tenant this process holds (another process reset it, or the log no longer
        reaches back to the version held) runs in a worker thread, never on the event loop: the
        state held stays in place, whole and consistent as of its version, until the new one is
        put in its place in one step; requests that arrive meanwhile wait for it (`settled`)."""
        if self.replicas is not None and tenant_id in self.replicas.writing:
            return  # its lock is taken and memory is ahead of the database until the commit
        if tenant_id in self.reloading:
            return  # read whole in a worker thread right now
        state = self.tenants.get(tenant_id)
        with self.engine.connect() as conn:
            found = (
                conn.execute(sa.select(tenants_table).where(self._tenant_key(tenant_id))).mappings().first()
            )
            if found is None:
                if state is not None:
                    self.forget(state)
                return
            row, version = dict(found), int(found["version"])
            if state is not None and state.created_at == row["created_at"]:
                if state.version == version:
                    return
                if state.version < version:
                    since, upto = {tenant_id: state.version}, {tenant_id: version}
                    entries = changelog.read_since(conn, self.service, since, upto)[tenant_id]
                    if changelog.complete(entries, state.version, version):
                        self.catch_up(state, entries, row)
                        return
        if state is not None and self._reload_later(state, row):
            return
        self.adopt(self._load(row))

    def _reload_later(self, held: TenantState, row: Row) -> bool:
        """Read the tenant whole in a worker thread, then put it in place of `held` on the loop
        (unless a write brought the tenant up to date meanwhile). False outside an event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        tenant_id = held.id
        done: asyncio.Future[None] = loop.create_future()
        self.reloading[tenant_id] = done

        def finish(read: asyncio.Future[TenantState]) -> None:
            del self.reloading[tenant_id]
            try:
                if not read.cancelled() and read.exception() is None:
                    self._reloaded(held, read.result())
            finally:
                done.set_result(None)

        loop.run_in_executor(None, self._load, row).add_done_callback(finish)
        return True

    def _reloaded(self, held: TenantState, loaded: TenantState) -> None:
        now = self.tenants.get(held.id)
        if now is not held or (self.replicas is not None and held.id in self.replicas.writing):
            return  # a write read it under the tenant's lock meanwhile (replicas.py): newer
        if now.created_at == loaded.created_at and now.version >= loaded.version:
            return
        self.adopt(loaded)

    async def fresh(self, tenant_id: str) -> None:
        """Shared mode: bring the tenant up to date, waiting (not blocking the loop) while it is
        read whole; a read after this sees every write committed before it."""
        self.refresh(tenant_id)
        await self.settled(tenant_id)

    async def settled(self, tenant_id: str | None = None) -> None:
        """Wait until the tenant (every tenant, without one) is not being read whole in a worker
        thread; the middleware waits here before it serves a request."""
        while self.reloading:
            if tenant_id is None:
                await asyncio.wait(list(self.reloading.values()))
            elif tenant_id in self.reloading:
                await self.reloading[tenant_id]
            else:
                return

    def forget(self, state: TenantState) -> None:
        for token in [t for t, tid in self.credentials.items() if tid == state.id]:
            del self.credentials[token]
        self.tenants.pop(state.id, None)
        heap.thaw()  # so that the collector can free the state (see heap.py)

    # --- writes -----------------------------------------------------------------------------
    async def commit(self, state: TenantState) -> None:
        """Write the tenant's pending changes; returns once they are durable."""
        ops = state.take_pending()
        if ops:
            await self._submit(state, ops)

    async def durable(self) -> None:
        """Return once every write handed over before the call is durable (or has failed, and
        memory was put back to what the database holds): what code that read rows from memory
        awaits before acting on them outside the twin (an outbound delivery, say)."""
        if self.replicas is not None:
            await self.replicas.durable()
        await asyncio.wrap_future(self.committer.submit([]))

    async def run(self, tenant_id: str, fn: Callable[[TenantState], T]) -> T:
        """Run a domain operation and commit it; returns once its writes are durable. In shared
        mode it runs under the tenant's lock in the database, after other processes' writes.

        `fn` may run more than once for one call (a batch the database refused is written again
        one write at a time; a lost race in shared mode runs it again on the newer state), each time
        on a state where the previous attempt left no trace. So `fn` changes the tenant state
        only (rows, `state.meta`, ids, clock) and nothing outside it: no I/O, no appends to lists
        or counters of its own, no events sent. What must happen once after the write goes
        after `await store.run(...)` returns, with its result (docs/writing-a-twin.md)."""
        if self.replicas is None:
            return await self._run(tenant_id, fn)

        def work(state: TenantState | None) -> tuple[T, list[Op]]:
            if state is None:
                raise KeyError(tenant_id)
            try:
                result = fn(state)
            except BaseException:
                state.rollback()
                raise
            return result, state.take_pending()

        return cast(T, await self.replicas.run(tenant_id, work))

    async def _run(self, tenant_id: str, fn: Callable[[TenantState], T]) -> T:
        for attempt in range(8):
            if attempt:  # lost a race to another process: let it finish, at a random moment
                await asyncio.sleep(random.uniform(0, 0.002 * attempt))
            state = self.get(tenant_id)
            if state is None:
                raise KeyError(tenant_id)
            try:
                result = fn(state)
            except BaseException:
                state.rollback()
                raise
            try:
                await self.commit(state)
            except WriteConflict:
                # Memory holds this attempt's change, which the database rolled back: drop it.
                self.forget(state)
                self.refresh(tenant_id)
                continue
            except Exception:
                # The database refused the write: memory must not keep what disk does not have.
                # Writes of other requests queued before it may still be landing: wait for them
                # (blocking, so no new write is queued meanwhile), then reload from disk.
                with contextlib.suppress(TimeoutError):
                    self.committer.submit([]).result(timeout=30)
                self.forget(state)
                self._reload(tenant_id)
                raise
            return result
        raise WriteConflict(tenant_id)

    def _reload(self, tenant_id: str) -> None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tenants_table).where(self._tenant_key(tenant_id))).mappings().first()
        if row is not None:
            self.adopt(self._load(dict(row)))

    def _replace(self, state: TenantState, dump: dict[str, Any] | None) -> list[Op]:
        """Fill a fresh state from a dump (or by seeding) and return the writes that persist it."""
        if dump is None:
            state.ids = state.new_ids()
            state.clock = Clock(frozen_at=SEED_EPOCH)
            self.seeder(state, state.size)
            state.clock = Clock()
        else:
            state.meta = copy.deepcopy(dump["meta"])
            state.ids = state.new_ids(dump["ids"])
            for name, rows in dump["collections"].items():
                coll = state.collections[name]
                for row in rows:
                    coll.load({**row, "tenant_id": state.id})
        state.take_pending()
        ops: list[Op] = [("wipe", None, state.id)]
        for spec in self.specs:
            rows = list(state.collections[spec.name].rows.values())
            if rows:
                ops.append(("insert", spec.table, rows))
        ops.append(("tenant", None, state.tenant_row()))
        return ops

    def _prepare_tenant(self, tenant_id: str, seed: int, size: int) -> tuple[TenantState, list[Op]]:
        old = self.tenants.get(tenant_id)
        state = self._new_state(tenant_id, seed, size)
        state.created_at = time.time()
        if old is not None:
            state.version = old.version
            self.forget(old)
        ops = self._replace(state, None)
        seed_dump = self._dump(state)
        ops.append(("snapshot", None, self._snapshot_row(state.id, SEED_SNAPSHOT, seed_dump)))
        self.tenants[tenant_id] = state
        self.snapshots[(tenant_id, SEED_SNAPSHOT)] = seed_dump
        return state, ops

    async def create_tenant(self, tenant_id: str, seed: int, size: int) -> TenantState:
        """Create (or re-create) a tenant seeded deterministically, and remember its seed state."""
        if self.replicas is not None:
            made = await self.replicas.run(tenant_id, lambda _: self._prepare_tenant(tenant_id, seed, size))
            return cast(TenantState, made)
        state, ops = self._prepare_tenant(tenant_id, seed, size)
        await self._submit(state, ops)
        return state

    def create_tenant_now(self, tenant_id: str, seed: int, size: int) -> TenantState:
        """`create_tenant` for start-up, before the event loop runs."""
        state, ops = self._prepare_tenant(tenant_id, seed, size)
        self.committer.run_now(ops)
        for kind, _, payload in ops:
            if kind == "tenant":
                state.version = int(payload["version"])
        return state

    async def restore(self, tenant_id: str, name: str, clock: Clock | None = None) -> TenantState | None:
        """Put a tenant back to a named snapshot (`__seed__` is its seed state); None if unknown.
        The tenant keeps its clock unless `clock` is given."""
        old = self.get(tenant_id)
        dump = self.snapshot_data(tenant_id, name)
        if old is None or dump is None:
            return None
        if self.replicas is not None:

            def work(now: TenantState | None) -> tuple[TenantState | None, list[Op]]:
                return (None, []) if now is None else self._restored(now, dump, clock)

            return cast("TenantState | None", await self.replicas.run(tenant_id, work))
        state, ops = self._restored(old, dump, clock)
        await self._submit(state, ops)
        return state

    def _restored(
        self, old: TenantState, dump: dict[str, Any], clock: Clock | None = None
    ) -> tuple[TenantState, list[Op]]:
        state = self._new_state(old.id, old.seed, old.size)
        state.version, state.created_at = old.version, old.created_at
        state.clock = old.clock if clock is None else clock
        self.forget(old)
        ops = self._replace(state, dump)
        if self.replicas is None and not old.pending:  # memory is the database: write what differs
            ops = self._difference(old, state)
        self.tenants[old.id] = state
        return state, ops

    def _difference(self, old: TenantState, new: TenantState) -> list[Op]:
        """The writes that turn `old`'s rows into `new`'s: a row gone or changed is deleted, a row
        new or changed is inserted (a restore after a short trial writes a handful of rows, not
        the tenant); then the tenant row."""
        ops: list[Op] = []
        for spec in self.specs:
            before, after = old.collections[spec.name].rows, new.collections[spec.name].rows
            gone = [r for k, r in before.items() if after.get(k) != r]
            ops += [("delete", spec.table, (spec.key, r[spec.key], old.id, r["twin_seq"])) for r in gone]
            made = [r for k, r in after.items() if before.get(k) != r]
            if made:
                ops.append(("insert", spec.table, made))
        ops.append(("tenant", None, new.tenant_row()))
        return ops

    async def reset(self, tenant_id: str) -> TenantState | None:
        """Back to the seed state, with a fresh tenant's clock (real time, not frozen)."""
        return await self.restore(tenant_id, SEED_SNAPSHOT, clock=Clock())

    async def snapshot(self, tenant_id: str, name: str) -> int:
        state = self.tenants[tenant_id]
        dump = self._dump(state)
        self.snapshots[(tenant_id, name)] = dump
        row = self._snapshot_row(tenant_id, name, dump)
        await self.committer.write([("snapshot", None, row)])
        return int(row["rows"])

    def snapshot_data(self, tenant_id: str, name: str) -> dict[str, Any] | None:
        dump = self.snapshots.get((tenant_id, name))
        if dump is None:
            with self.engine.connect() as conn:
                st = snapshots_table
                key = (st.c.service == self.service) & (st.c.tenant_id == tenant_id) & (st.c.name == name)
                found = conn.execute(sa.select(snapshots_table.c.data).where(key)).first()
            if found is not None:
                dump = upgrade_dump(found[0], self.migrations)  # taken by an older twin, perhaps
                self.snapshots[(tenant_id, name)] = dump
        return dump

    def _dump(self, state: TenantState) -> dict[str, Any]:
        return {**state.dump(), "schema": self.schema_version}

    def list_snapshots(self, tenant_id: str) -> list[dict[str, Any]]:
        t = snapshots_table
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.name, t.c.rows, t.c.created_at)
                .where((t.c.service == self.service) & (t.c.tenant_id == tenant_id))
                .order_by(t.c.created_at)
            ).mappings()
            return [dict(r) for r in rows]

    async def drop_tenant(self, tenant_id: str) -> bool:
        state = self.get(tenant_id)
        if state is None:
            return False
        if self.replicas is not None:

            def work(now: TenantState | None) -> tuple[bool, list[Op]]:
                return (False, []) if now is None else (self._drop(now), [("drop", None, tenant_id)])

            return bool(await self.replicas.run(tenant_id, work))
        self._drop(state)
        await self.committer.write([("drop", None, tenant_id)])
        return True

    def _drop(self, state: TenantState) -> bool:
        self.forget(state)
        for key in [k for k in self.snapshots if k[0] == state.id]:
            del self.snapshots[key]
        return True

    async def _submit(self, state: TenantState, ops: list[Op]) -> None:
        await self.committer.write(ops)
        for kind, _, payload in ops:
            if kind == "tenant":
                state.version = int(payload["version"])

    @staticmethod
    def _snapshot_row(tenant_id: str, name: str, dump: dict[str, Any]) -> Row:
        rows = sum(len(v) for v in dump["collections"].values())
        return {
            "tenant_id": tenant_id,
            "name": name,
            "data": dump,
            "rows": rows,
            "created_at": time.time(),
        }
