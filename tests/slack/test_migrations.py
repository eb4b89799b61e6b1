"""Schema version 1 of the Slack tables: pins and view trigger ids kept in the tenant meta by older
twins move into their tables, in the database and in the snapshots taken before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from twins._runtime.collection import TenantState
from twins._runtime.db import create_engine
from twins._runtime.migrations import Migration
from twins._runtime.store import Store
from twins.slack.migrations import MIGRATIONS
from twins.slack.models import COLLECTIONS
from twins.slack.seed import seed

OLD_META = {
    "pins": {"C1/1700000000.000100": {"created": 1700000001, "created_by": "U1"}},
    "trigger_ids": {"1.2.ab": {"user": "U1", "app": "A1", "expires": 1700000003.0, "used": True}},
}


def store_of(url: str, migrations: list[Migration]) -> Store:
    store = Store("slack", create_engine(url), COLLECTIONS, SQLModel.metadata, seed, migrations=migrations)
    store.start()
    return store


def keep_old_meta(state: TenantState) -> None:
    state.meta.update(OLD_META)
    state.mark_dirty()


def moved(state: TenantState) -> dict[str, Any]:
    return {
        "meta": {k: state.meta.get(k) for k in OLD_META},
        "pins": [(r["id"], r["channel"], r["created"], r["created_by"]) for r in state["pins"]],
        "triggers": [(r["id"], r["user"], r["app"], r["expires"], r["used"]) for r in state["view_triggers"]],
    }


EXPECTED = {
    "meta": {"pins": None, "trigger_ids": None},
    "pins": [("C1/1700000000.000100", "C1", 1700000001, "U1")],
    "triggers": [("1.2.ab", "U1", "A1", 1700000003.0, True)],
}


async def test_pins_and_triggers_leave_the_meta_of_an_old_database_and_snapshot(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'slack.db'}"
    old = store_of(url, [])  # a twin from before schema versions: version 0
    old.create_tenant_now("t1", 1, 1)
    await old.run("t1", keep_old_meta)
    await old.snapshot("t1", "old")
    old.stop()

    new = store_of(url, MIGRATIONS)
    try:
        state = new.get("t1")
        assert state is not None
        assert moved(state) == EXPECTED
        await new.run("t1", lambda st: st["pins"].delete("C1/1700000000.000100"))
        restored = await new.restore("t1", "old")
        assert restored is not None
        assert moved(restored) == EXPECTED
    finally:
        new.stop()
    again = store_of(url, MIGRATIONS)  # what the restore wrote was the new shape
    try:
        state = again.get("t1")
        assert state is not None and moved(state) == EXPECTED
    finally:
        again.stop()
