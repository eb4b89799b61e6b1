"""The store: determinism, undo of failed operations, durability, group commit under load."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from tests.runtime.conftest import AppFactory, Twin, close, extended_service

FROZEN_AT = 1_800_000_000.0


async def test_same_seed_gives_byte_identical_state(
    make_twin: Callable[..., Twin], tmp_path_factory: pytest.TempPathFactory
) -> None:
    one = make_twin(data_dir=tmp_path_factory.mktemp("one"), seed=7, seed_size=5)
    two = make_twin(data_dir=tmp_path_factory.mktemp("two"), seed=7, seed_size=5)
    first = await one.admin("GET", "/state")
    second = await two.admin("GET", "/state")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(first.json()["collections"]["sample_notes"]) == 5


async def test_same_operations_reproduce_byte_for_byte(
    make_twin: Callable[..., Twin], tmp_path_factory: pytest.TempPathFactory
) -> None:
    bodies = []
    for name in ("one", "two"):
        twin = make_twin(data_dir=tmp_path_factory.mktemp(name))
        await twin.admin_json("POST", "/clock", json={"freeze": True, "at": FROZEN_AT})
        auth = await twin.auth()
        for i in range(3):
            assert (await twin.create_note(f"n{i}", auth, tags=["x"])).status_code == 201
        bodies.append((await twin.admin("GET", "/state")).content)
    assert bodies[0] == bodies[1]


async def test_different_seeds_differ(
    make_twin: Callable[..., Twin], tmp_path_factory: pytest.TempPathFactory
) -> None:
    one = make_twin(data_dir=tmp_path_factory.mktemp("one"), seed=1)
    two = make_twin(data_dir=tmp_path_factory.mktemp("two"), seed=2)
    first, second = await one.state(), await two.state()
    assert first != second
    assert await one.token() != await two.token()
    assert first["collections"]["sample_notes"][0]["id"] != second["collections"]["sample_notes"][0]["id"]


async def test_failing_operation_is_undone_in_memory_and_on_disk(
    durable_url: str, make_app: AppFactory
) -> None:
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    auth = await twin.auth()
    before = await twin.state()

    resp = await twin.create_note("boom-after-insert", auth)
    assert resp.status_code == 400
    assert resp.json() == {"code": "half_done", "message": "failed after a write"}
    assert await twin.state() == before
    assert not any(n["title"] == "boom-after-insert" for n in await twin.notes())

    # The id the failed insert drew is handed out again: the id source was rolled back too.
    ok = await twin.create_note("fine", auth)
    assert ok.status_code == 201
    await twin.aclose()
    close(app)

    reopened = Twin(make_app(db_url=durable_url))
    titles = [n["title"] for n in await reopened.notes()]
    assert titles == ["note 0", "fine"]
    await reopened.aclose()


async def test_rolled_back_id_is_reused(
    make_twin: Callable[..., Twin], tmp_path_factory: pytest.TempPathFactory
) -> None:
    failed_first = make_twin(data_dir=tmp_path_factory.mktemp("a"))
    straight = make_twin(data_dir=tmp_path_factory.mktemp("b"))
    auth_a, auth_b = await failed_first.auth(), await straight.auth()
    assert (await failed_first.create_note("boom-after-insert", auth_a)).status_code == 400
    one = (await failed_first.create_note("x", auth_a)).json()
    two = (await straight.create_note("x", auth_b)).json()
    assert one["id"] == two["id"]


async def test_validation_error_in_domain_changes_nothing(twin: Twin) -> None:
    before = await twin.state()
    resp = await twin.create_note("   ", await twin.auth())
    assert resp.status_code == 400
    assert resp.json()["code"] == "no_title"
    assert await twin.state() == before


async def test_writes_survive_a_restart(durable_url: str, make_app: AppFactory) -> None:
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    auth = await twin.auth()
    created = [(await twin.create_note(f"n{i}", auth, tags=[str(i)])).json() for i in range(3)]
    seeded = (await twin.notes())[0]["id"]
    assert (await twin.http.delete(f"/v1/notes/{seeded}", headers=auth)).status_code == 204
    await twin.admin_json("POST", "/clock", json={"freeze": True, "at": FROZEN_AT})
    await twin.new_tenant("acme")
    before = (await twin.admin("GET", "/state")).content
    before_acme = (await twin.admin("GET", "/state", params={"tenant": "acme"})).content
    await twin.aclose()
    close(app)

    again = Twin(make_app(db_url=durable_url))
    assert (await again.admin("GET", "/state")).content == before
    assert (await again.admin("GET", "/state", params={"tenant": "acme"})).content == before_acme
    assert [n["id"] for n in await again.notes()] == [c["id"] for c in created]
    clock = await again.admin_json("GET", "/clock")
    assert clock["frozen"] is True and clock["now"] == FROZEN_AT
    # The credential index is rebuilt from disk, and the id source continues where it stopped.
    resp = await again.create_note("after restart", auth)
    assert resp.status_code == 201
    assert resp.json()["id"] not in {c["id"] for c in created}
    assert resp.json()["created"] == FROZEN_AT
    await again.aclose()


async def test_restart_keeps_the_seed_and_does_not_reseed(durable_url: str, make_app: AppFactory) -> None:
    app = make_app(db_url=durable_url, seed=5, seed_size=2)
    twin = Twin(app)
    state = await twin.state()
    await twin.aclose()
    close(app)
    # A different configured seed does not touch an existing default tenant.
    again = Twin(make_app(db_url=durable_url, seed=99, seed_size=9))
    assert await again.state() == state
    tenants = (await again.admin_json("GET", "/tenants"))["tenants"]
    assert [(t["id"], t["seed"], t["size"]) for t in tenants] == [("default", 5, 2)]
    await again.aclose()


async def test_200_concurrent_posts_are_all_durable_and_distinct(
    durable_url: str, make_app: AppFactory
) -> None:
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    auth = await twin.auth()
    responses = await asyncio.gather(*(twin.create_note(f"c{i}", auth) for i in range(200)))
    assert [r.status_code for r in responses] == [201] * 200
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 200
    committer = twin.ctx.store.committer
    assert committer.jobs >= 200
    await twin.aclose()
    close(app)

    again = Twin(make_app(db_url=durable_url))
    notes = await again.notes()
    assert len(notes) == 201
    assert ids <= {n["id"] for n in notes}
    assert sorted(n["title"] for n in notes if n["title"] != "note 0") == sorted(f"c{i}" for i in range(200))
    await again.aclose()


async def test_write_the_database_refuses_leaves_memory_equal_to_disk(
    durable_url: str, make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="twins")
    app = make_app(extended_service(), db_url=durable_url)
    twin = Twin(app, raise_app_exceptions=False)
    auth = await twin.auth()
    requests = [twin.create_note(f"g{i}", auth) for i in range(60)]
    requests.insert(20, twin.http.post("/v1/bad-write", headers=auth))
    responses = await asyncio.gather(*requests)
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 60
    assert statuses[20] == 500
    assert responses[20].json() == {"code": "server_error", "message": "internal error"}
    in_memory = await twin.state()
    assert all(n["id"] != "bad" for n in in_memory["collections"]["sample_notes"])
    assert len(in_memory["collections"]["sample_notes"]) == 61
    await twin.aclose()
    close(app)

    again = Twin(make_app(extended_service(), db_url=durable_url))
    assert await again.state() == in_memory
    await again.aclose()


async def test_memory_database_works_and_is_not_shared(memory_app: FastAPI, make_app: AppFactory) -> None:
    one = Twin(memory_app)
    two = Twin(make_app(db_url=":memory:"))
    assert (await one.create_note("only in one", await one.auth())).status_code == 201
    assert len(await one.notes()) == 2
    assert len(await two.notes()) == 1
    await one.aclose()
    await two.aclose()


async def test_store_stop_flushes_queued_writes(durable_url: str, make_app: AppFactory) -> None:
    app = make_app(db_url=durable_url)
    store = Twin(app).ctx.store
    state = store.get("default")
    assert state is not None
    state["sample_notes"].insert({"id": "queued", "title": "queued"})
    future = store.committer.submit(state.take_pending())
    close(app)  # stop() writes what is queued before the thread ends
    assert future.done() and future.exception() is None

    again = Twin(make_app(db_url=durable_url))
    assert "queued" in {n["id"] for n in await again.notes()}
    await again.aclose()
