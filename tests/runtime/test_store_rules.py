"""The store's rules, enforced: rows are read-only, meta is a write like a row, `durable()` waits
for what was handed over, and an operation run again leaves no duplicate."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.runtime.conftest import AppFactory, Twin, close, extended_service
from twins._runtime.collection import TenantState
from twins._runtime.frozen import RowChanged
from twins._runtime.store import Store


def default_state(twin: Twin) -> TenantState:
    state = twin.ctx.store.get("default")
    assert state is not None
    return state


async def test_a_stored_row_refuses_every_change_in_place(twin: Twin) -> None:
    state = default_state(twin)
    notes = state["sample_notes"]
    row = notes.insert({"id": "n1", "title": "one", "tags": ["a"]})
    state.take_pending()
    for change in (
        lambda: row.__setitem__("title", "two"),
        lambda: row.update(title="two"),
        lambda: row.pop("title"),
        lambda: row.setdefault("other", 1),
        lambda: row.clear(),
        lambda: row["tags"].append("b"),
        lambda: row["tags"].__setitem__(0, "b"),
        lambda: row["tags"].sort(),
    ):
        with pytest.raises(RowChanged, match="read-only"):
            change()
    assert row["title"] == "one" and row["tags"] == ["a"]
    # Copies are plain and changeable; an update stores a new read-only row.
    mine = dict(row) | {"title": "copy"}
    mine["tags"] = [*row["tags"], "b"]
    assert copy.deepcopy(row)["tags"] == ["a"] and type(copy.copy(row)) is dict
    new = notes.update("n1", tags=mine["tags"])
    with pytest.raises(RowChanged):
        new["tags"].append("c")
    assert json.loads(json.dumps(new))["tags"] == ["a", "b"]


async def test_an_in_place_change_inside_an_operation_fails_it_and_changes_nothing(twin: Twin) -> None:
    store = twin.ctx.store
    before = await twin.state()

    def op(state: TenantState) -> None:
        state["sample_notes"].insert({"id": "kept-out", "title": "new"})
        seeded = next(iter(state["sample_notes"]))
        seeded["title"] = "changed in place"

    with pytest.raises(RowChanged):
        await store.run("default", op)
    assert await twin.state() == before


async def test_meta_changes_are_undone_with_a_failed_operation(
    durable_url: str, make_app: AppFactory
) -> None:
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    store = twin.ctx.store

    def ok(state: TenantState) -> None:
        state.meta["pins"] = {"C1": ["1.0"]}
        state.meta["count"] = 1

    await store.run("default", ok)  # no mark_dirty(): the meta change is a write by itself

    def fails(state: TenantState) -> None:
        state.meta["count"] = 2
        del state.meta["pins"]
        state.meta.update(extra=True)
        raise ValueError("refused half-way")

    with pytest.raises(ValueError):
        await store.run("default", fails)
    state = default_state(twin)
    assert dict(state.meta) == {"pins": {"C1": ["1.0"]}, "count": 1}
    with pytest.raises(RowChanged):
        state.meta["pins"]["C2"] = []
    await twin.aclose()
    close(app)

    again = Twin(make_app(db_url=durable_url))  # what the database holds
    assert dict(default_state(again).meta) == {"pins": {"C1": ["1.0"]}, "count": 1}
    assert (await again.state())["meta"] == {"pins": {"C1": ["1.0"]}, "count": 1}
    for loaded in default_state(again)["sample_notes"]:  # rows read from the database
        with pytest.raises(RowChanged):
            loaded["title"] = "x"
    await again.aclose()


async def test_durable_returns_once_writes_handed_over_before_are_on_disk(
    durable_url: str, make_app: AppFactory
) -> None:
    twin = Twin(make_app(db_url=durable_url))
    store = twin.ctx.store
    auth = await twin.auth()
    writes = [asyncio.ensure_future(twin.create_note(f"d{i}", auth)) for i in range(20)]
    while len(default_state(twin)["sample_notes"]) < 21:  # every write ran in memory
        await asyncio.sleep(0)
    await store.durable()
    assert on_disk(store) >= 21
    await asyncio.gather(*writes)
    await twin.aclose()


def on_disk(store: Store) -> int:
    with store.engine.connect() as conn:
        table = store.specs[0].table
        return len(conn.execute(table.select().where(table.c.tenant_id == "default")).all())


@pytest.mark.parametrize("where", ["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_an_operation_run_again_leaves_no_duplicate(
    where: str, request: pytest.FixtureRequest, tmp_path: Any, make_app: AppFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """Shared mode: a batch the database refuses is written again one write at a time, so each
    good operation of it runs twice; rows, meta and ids show each once, in memory and on disk."""
    caplog.set_level(logging.CRITICAL, logger="twins")
    url = (
        f"sqlite:///{tmp_path / 'shared.db'}"
        if where == "sqlite-file"
        else request.getfixturevalue("postgres_url")
    )
    app = make_app(extended_service(), db_url=url, shared=True)
    twin = Twin(app, raise_app_exceptions=False)
    store = twin.ctx.store
    auth = await twin.auth()
    runs: list[str] = []  # outside the state: counts the attempts (what an operation must not do)

    def add(title: str) -> Callable[[TenantState], str]:
        def op(state: TenantState) -> str:
            runs.append(title)
            note_id = state.ids.next("note", prefix="N", length=8)
            state["sample_notes"].insert({"id": note_id, "title": title})
            state.meta["added"] = [*state.meta.get("added", []), title]
            return note_id

        return op

    titles = [f"again{i}" for i in range(6)]
    made = await asyncio.gather(
        *(store.run("default", add(t)) for t in titles), twin.http.post("/v1/bad-write", headers=auth)
    )
    assert made[-1].status_code == 500
    assert len(runs) > len(titles)  # some ran again
    ids = made[:-1]
    assert len(set(ids)) == len(ids)
    for state_json in (await twin.state(), await fresh_state(make_app, url)):
        notes = [n for n in state_json["collections"]["sample_notes"] if n["title"].startswith("again")]
        assert sorted(n["title"] for n in notes) == sorted(titles)
        assert sorted(n["id"] for n in notes) == sorted(ids)
        assert sorted(state_json["meta"]["added"]) == sorted(titles)
    await twin.aclose()


async def fresh_state(make_app: AppFactory, url: str) -> Any:
    other = Twin(make_app(extended_service(), db_url=url, shared=True))
    try:
        return await other.state()
    finally:
        await other.aclose()
