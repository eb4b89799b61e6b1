"""Shared mode: several apps (worker processes) on one database see each other's writes."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.runtime.conftest import AppFactory, Twin
from tests.runtime.sample import create_service
from twins._runtime.app import build_app
from twins._runtime.settings import Settings

TwinPair = tuple[Twin, Twin]


@pytest.fixture
async def pair(durable_url: str, make_app: AppFactory) -> AsyncIterator[TwinPair]:
    """Two shared-mode apps on one database, as two workers would be."""
    a, b = Twin(make_app(db_url=durable_url, shared=True)), Twin(make_app(db_url=durable_url, shared=True))
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_a_write_through_one_app_is_seen_by_the_other(pair: TwinPair) -> None:
    a, b = pair
    auth = await a.auth()
    assert await b.auth() == auth
    note = (await a.create_note("from a", auth)).json()
    got = await b.http.get(f"/v1/notes/{note['id']}", headers=auth)
    assert got.status_code == 200
    assert got.json() == note
    back = (await b.create_note("from b", auth)).json()
    assert (await a.http.get(f"/v1/notes/{back['id']}", headers=auth)).status_code == 200
    assert await a.state() == await b.state()
    assert (await a.http.delete(f"/v1/notes/{note['id']}", headers=auth)).status_code == 204
    assert (await b.http.get(f"/v1/notes/{note['id']}", headers=auth)).status_code == 404


async def test_admin_changes_are_seen_by_the_other(pair: TwinPair) -> None:
    a, b = pair
    await a.admin_json("POST", "/clock", json={"freeze": True, "at": 1_900_000_000})
    assert (await b.admin_json("GET", "/clock"))["now"] == 1_900_000_000
    await a.admin_json("POST", "/seed", json={"seed": 4, "size": 3})
    assert len(await b.notes()) == 3
    assert await b.token() == await a.token()


async def test_tenants_created_in_one_app_serve_in_the_other(pair: TwinPair) -> None:
    a, b = pair
    await a.new_tenant("acme")
    acme_auth = await a.auth("acme")
    # By credential, by Host and by header, app B finds the tenant app A created.
    assert (await b.create_note("by credential", acme_auth)).status_code == 201
    assert (await b.create_note("by host", {**acme_auth, "Host": "acme.twin.test"})).status_code == 201
    header = {**(await b.auth()), "X-Twin-Tenant": "acme"}
    assert (await b.create_note("by header", header)).status_code == 201
    titles = {n["title"] for n in await a.notes("acme")}
    assert {"by credential", "by host", "by header"} <= titles
    assert not {"by credential", "by host", "by header"} & {n["title"] for n in await a.notes()}
    # Creating it again through B is refused, not a silent re-seed of A's data.
    dup = await b.admin("POST", "/tenants", json={"id": "acme"})
    assert dup.status_code == 409
    assert "by credential" in {n["title"] for n in await a.notes("acme")}
    # Deleted through B, it is gone for A.
    assert (await b.admin("DELETE", "/tenants/acme")).status_code == 200
    assert (await a.admin("GET", "/state", params={"tenant": "acme"})).status_code == 404
    assert (await a.http.get("/v1/notes", headers=acme_auth)).status_code == 401


async def test_conflicting_writes_are_retried_not_lost(
    pair: TwinPair, durable_url: str, make_app: AppFactory
) -> None:
    a, b = pair
    auth = await a.auth()
    requests = [
        twin.create_note(f"{name}{i}", auth) for i in range(40) for twin, name in ((a, "a"), (b, "b"))
    ]
    responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [201] * 80
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == 80

    expected = {f"{n}{i}" for i in range(40) for n in "ab"} | {"note 0"}
    assert {n["title"] for n in await a.notes()} == expected
    assert await a.state() == await b.state()
    # What the apps hold is what the database has.
    fresh = Twin(make_app(db_url=durable_url))
    assert await fresh.state() == await a.state()
    await fresh.aclose()


async def test_snapshot_taken_in_one_app_restores_in_the_other(pair: TwinPair) -> None:
    a, b = pair
    await a.create_note("in snapshot", await a.auth())
    await a.admin_json("POST", "/snapshot", status=201, json={"name": "s1"})
    expected = await a.state()
    await b.create_note("after snapshot", await b.auth())
    await b.admin_json("POST", "/restore", json={"name": "s1"})
    assert await a.state() == expected
    assert await b.state() == expected


def _worker(url: str, data_dir: str, barrier: Any, results: Any) -> None:
    """One worker process: start the twin as soon as the others are ready, report what it sees."""
    try:
        barrier.wait(timeout=30)
        app = build_app(create_service(), Settings(db_url=url, shared=True, data_dir=Path(data_dir)))
        state = app.state.twin.store.get("default")
        results.put((state["sample_tokens"].get("tok1")["token"], len(state["sample_notes"])))
        app.state.twin.store.stop()
    except BaseException as exc:
        results.put(("error", repr(exc)))


def test_workers_starting_together_create_the_default_tenant_once(durable_url: str, tmp_path: Path) -> None:
    """Worker processes on a fresh database race to create the tables and the default tenant."""
    mp = multiprocessing.get_context("fork")  # the children need no imports: they start at once
    barrier, results = mp.Barrier(3), mp.Queue()
    workers = [
        mp.Process(target=_worker, args=(durable_url, str(tmp_path), barrier, results)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    seen = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert all(s[0] != "error" for s in seen), seen
    assert len(set(seen)) == 1  # one token and one seeded note, for all
    assert seen[0][1] == 1


async def test_without_shared_mode_apps_do_not_look_for_other_writers(
    make_twin: Callable[..., Twin], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Without shared mode, an app does not look for other writers (the single-process default).
    folder = tmp_path_factory.mktemp("solo")
    solo_a = make_twin(data_dir=folder)
    solo_b = make_twin(data_dir=folder)
    auth = await solo_a.auth()
    note = (await solo_a.create_note("unseen", auth)).json()
    assert (await solo_b.http.get(f"/v1/notes/{note['id']}", headers=auth)).status_code == 404
