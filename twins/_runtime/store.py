"""The store: every tenant's state in memory, read there, written through to SQL by group commit."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from twins._runtime import heap
from twins._runtime.clock import SEED_EPOCH, Clock
from twins._runtime.collection import CollectionSpec, Op, Row, TenantState
from twins._runtime.committer import Committer
from twins._runtime.db import runtime_metadata, snapshots_table, tenants_table
from twins._runtime.errors import WriteConflict

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
        secret: str = "",
    ) -> None:
        self.service = service
        self.secret = secret  # the installation's secret, mixed into every tenant's ids
        self.engine = engine
        self.specs = specs
        self.metadata = metadata
        self.seeder = seeder
        self.shared = shared
        self.tenants = Tenants()
        self.credentials: dict[str, str] = {}
        self.snapshots: dict[tuple[str, str], dict[str, Any]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        inline = engine.dialect.name == "sqlite"  # a private SQLite file: write on the loop (committer.py)
        self.committer = Committer(engine, service, [s.table for s in specs], shared=shared, inline=inline)

    # --- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        for attempt in range(5):
            try:
                runtime_metadata.create_all(self.engine)
                if self.metadata is not None:
                    self.metadata.create_all(self.engine, tables=[s.table for s in self.specs])
                break
            except DBAPIError:
                # Workers starting together race to create the tables; the loser finds them made.
                if attempt == 4:
                    raise
        self.load_all()
        self.committer.start()

    def stop(self) -> None:
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
            self.tenants[row["id"]] = self._load(dict(row))

    def _load(self, tenant_row: Row) -> TenantState:
        """A tenant's state from the database: its row (clock, id counters, meta) and its tables.

        The reads are separate statements, so in shared mode another process may commit between
        them; every commit bumps the tenant's version, so the load is kept only if the version is
        the same after the tables were read (else rows could be ahead of the id counters).
        """
        while True:
            state = self._new_state(tenant_row["id"], int(tenant_row["seed"]), int(tenant_row["size"]))
            state.apply_tenant_row(tenant_row)
            with self.engine.connect() as conn:
                for spec in self.specs:
                    t = spec.table
                    query = sa.select(t).where(t.c.tenant_id == state.id).order_by(t.c.twin_seq)
                    coll = state.collections[spec.name]
                    for r in conn.execute(query).mappings():
                        coll.load(dict(r))
                if not self.shared:
                    return state
                again = sa.select(tenants_table).where(self._tenant_key(state.id))
                now = conn.execute(again).mappings().first()
            if now is None or now["version"] == tenant_row["version"]:
                return state
            tenant_row = dict(now)

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
        tenant = self.credentials.get(token)
        if tenant is None and self.shared:
            self.refresh_all()
            tenant = self.credentials.get(token)
        return tenant

    def refresh(self, tenant_id: str) -> None:
        """Shared mode: reload a tenant another process changed (one indexed read per request)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tenants_table).where(self._tenant_key(tenant_id))).mappings().first()
        state = self.tenants.get(tenant_id)
        if row is None:
            if state is not None:
                self._forget(state)
            return
        if state is None or state.version != row["version"]:
            if state is not None:
                self._forget(state)
            self.tenants[tenant_id] = self._load(dict(row))

    def refresh_all(self) -> None:
        with self.engine.connect() as conn:
            query = sa.select(tenants_table.c.id).where(tenants_table.c.service == self.service)
            ids = [r[0] for r in conn.execute(query)]
        for tenant_id in ids:
            self.refresh(tenant_id)

    def _forget(self, state: TenantState) -> None:
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

    async def run(self, tenant_id: str, fn: Callable[[TenantState], T]) -> T:
        """Run a domain operation and commit it; on a conflicting write elsewhere, reload and retry."""
        if not self.shared:
            return await self._run(tenant_id, fn)
        # Shared mode: one write per tenant at a time in this process, so this process's writes
        # never fail each other's version check; only other processes' writes cause retries.
        async with self._locks.setdefault(tenant_id, asyncio.Lock()):
            return await self._run(tenant_id, fn)

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
                self._forget(state)
                self.refresh(tenant_id)
                continue
            except Exception:
                # The database refused the write: memory must not keep what disk does not have.
                # Writes of other requests queued before it may still be landing: wait for them
                # (blocking, so no new write is queued meanwhile), then reload from disk.
                with contextlib.suppress(TimeoutError):
                    self.committer.submit([]).result(timeout=30)
                self._forget(state)
                self.refresh(tenant_id) if self.shared else self._reload(tenant_id)
                raise
            return result
        raise WriteConflict(tenant_id)

    def _reload(self, tenant_id: str) -> None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tenants_table).where(self._tenant_key(tenant_id))).mappings().first()
        if row is not None:
            self.tenants[tenant_id] = self._load(dict(row))

    def _replace(self, state: TenantState, dump: dict[str, Any] | None) -> list[Op]:
        """Fill a fresh state from a dump (or by seeding) and return the writes that persist it."""
        if dump is None:
            state.ids = state.new_ids()
            state.clock = Clock(frozen_at=SEED_EPOCH)
            self.seeder(state, state.size)
            state.clock = Clock()
        else:
            state.meta = dict(dump["meta"])
            state.ids = state.new_ids(dump["ids"])
            for name, rows in dump["collections"].items():
                coll = state.collections[name]
                for row in rows:
                    coll.load(dict(row))
        for coll in state.collections.values():
            for row in coll.rows.values():
                row["tenant_id"] = state.id
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
            self._forget(old)
        ops = self._replace(state, None)
        seed_dump = state.dump()
        ops.append(("snapshot", None, self._snapshot_row(state.id, SEED_SNAPSHOT, seed_dump)))
        self.tenants[tenant_id] = state
        self.snapshots[(tenant_id, SEED_SNAPSHOT)] = seed_dump
        return state, ops

    async def create_tenant(self, tenant_id: str, seed: int, size: int) -> TenantState:
        """Create (or re-create) a tenant seeded deterministically, and remember its seed state."""
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

    async def restore(self, tenant_id: str, name: str) -> TenantState | None:
        """Put a tenant back to a named snapshot (`__seed__` is its seed state); None if unknown."""
        old = self.get(tenant_id)
        dump = self.snapshot_data(tenant_id, name)
        if old is None or dump is None:
            return None
        state = self._new_state(tenant_id, old.seed, old.size)
        state.version, state.created_at, state.clock = old.version, old.created_at, old.clock
        self._forget(old)
        ops = self._replace(state, dump)
        self.tenants[tenant_id] = state
        await self._submit(state, ops)
        return state

    async def reset(self, tenant_id: str) -> TenantState | None:
        return await self.restore(tenant_id, SEED_SNAPSHOT)

    async def snapshot(self, tenant_id: str, name: str) -> int:
        state = self.tenants[tenant_id]
        dump = state.dump()
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
                dump = found[0]
                self.snapshots[(tenant_id, name)] = dump
        return dump

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
        self._forget(state)
        for key in [k for k in self.snapshots if k[0] == tenant_id]:
            del self.snapshots[key]
        await self.committer.write([("drop", None, tenant_id)])
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
