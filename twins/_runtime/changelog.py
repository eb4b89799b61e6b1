"""The change log of shared mode: what each committed version of a tenant changed.

Every write of a tenant in shared mode (several processes on one database) bumps its version and
records, in the same transaction, the rows it inserted, replaced or deleted under that version. A
process that holds version v of a tenant catches up on v+1..current by applying those entries
instead of reading the whole tenant again. A wipe (reset, restore, re-seed) or an arbitrary write
is recorded as a reset: who is behind it reloads. The log keeps the last `KEEP` versions of a
tenant; a process further behind, or one that finds a gap, reloads the tenant.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from twins._runtime.collection import Op, TenantState
from twins._runtime.db import changes_table

KEEP = 1024  # versions kept per tenant
COMPACT_EVERY = 64  # versions between two compactions of a tenant's log
RESET = "r"
Entry = list[list[Any]]  # one version: [["i", table, rows] | ["u", table, row] | ["d", table, key] | ["r"]]


def encode(ops: list[Op]) -> Entry:
    """What `ops` change in the tenant's tables, as JSON-able data; `[["r"]]` if not expressible."""
    entry: Entry = []
    for kind, table, payload in ops:
        if kind == "insert" and table is not None:
            entry.append(["i", table.name, payload if isinstance(payload, list) else [payload]])
        elif kind == "update" and table is not None:
            entry.append(["u", table.name, payload[1]])
        elif kind == "delete" and table is not None:
            entry.append(["d", table.name, payload[1]])
        elif kind in ("wipe", "drop", "call"):
            return [[RESET]]
    return entry


def is_reset(entry: Entry) -> bool:
    return any(op[0] == RESET for op in entry)


def apply(state: TenantState, entries: list[tuple[int, Entry]], tables: dict[str, str]) -> None:
    """Apply the entries newer than the state's version, in order (`tables`: table -> collection).
    The caller then applies the tenant row (clock, id counters, meta and version)."""
    for version, entry in entries:
        if version <= state.version:
            continue  # already held (e.g. this process's own write)
        for op in entry:
            coll = state.collections[tables[op[1]]]
            if op[0] == "i":
                for row in op[2]:
                    coll.put_loaded(row)
            elif op[0] == "u":
                coll.put_loaded(op[2])
            elif op[0] == "d":
                coll.drop_loaded(op[2])


def read_since(
    conn: Connection, service: str, since: dict[str, int], upto: dict[str, int]
) -> dict[str, list[tuple[int, Entry]]]:
    """The entries of each tenant after `since[t]` up to `upto[t]`, oldest first, in one query
    (`complete` tells whether they are all there)."""
    c = changes_table
    wanted = [t for t in since if upto[t] > since[t]]
    found: dict[str, list[tuple[int, Entry]]] = {t: [] for t in wanted}
    if not wanted:
        return found
    where = sa.or_(
        *[(c.c.tenant_id == t) & (c.c.version > since[t]) & (c.c.version <= upto[t]) for t in wanted]
    )
    query = (
        sa.select(c.c.tenant_id, c.c.version, c.c.ops)
        .where((c.c.service == service) & where)
        .order_by(c.c.tenant_id, c.c.version)
    )
    for tenant_id, version, ops in conn.execute(query):
        found[tenant_id].append((int(version), ops))
    return found


def complete(entries: list[tuple[int, Entry]], since: int, upto: int) -> bool:
    """Whether `entries` are exactly since+1..upto, none of them a reset."""
    if len(entries) != upto - since:
        return False
    return all(v == since + 1 + i and not is_reset(e) for i, (v, e) in enumerate(entries))


def needs_cleanup(version: int, entry: Entry) -> bool:
    """Whether `record` deletes old entries along with this one."""
    return is_reset(entry) or version % COMPACT_EVERY == 0


def record(conn: Connection, service: str, entries: list[tuple[str, int, Entry]]) -> None:
    """Log what each (tenant, version) changed, in one statement; now and then, and at a reset,
    forget a tenant's entries that are old enough."""
    if not entries:
        return
    c = changes_table
    for tenant_id, version, entry in entries:
        mine = (c.c.service == service) & (c.c.tenant_id == tenant_id)
        if is_reset(entry):
            conn.execute(c.delete().where(mine))
        elif version % COMPACT_EVERY == 0:
            conn.execute(c.delete().where(mine & (c.c.version <= version - KEEP)))
    rows = [{"service": service, "tenant_id": t, "version": v, "ops": e} for t, v, e in entries]
    conn.execute(c.insert(), rows)


def forget(conn: Connection, service: str, tenant_id: str) -> None:
    """A dropped tenant's log."""
    c = changes_table
    conn.execute(c.delete().where((c.c.service == service) & (c.c.tenant_id == tenant_id)))


def tables_of(state: TenantState) -> dict[str, str]:
    """Table name -> collection name, for `apply`."""
    return {coll.spec.table.name: name for name, coll in state.collections.items()}
