"""Shared mode under contention: processes on one PostgreSQL database take turns per tenant, so a
write waits and never fails; they catch up from the change log; credentials are found by one query."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.types import Message

from tests.runtime.conftest import AppFactory, Twin
from twins._runtime import changelog, credentials
from twins._runtime.db import changes_table
from twins._runtime.store import Store

pytestmark = pytest.mark.postgres

APPS, CLIENTS, ROUNDS = 4, 64, 20


async def post_note(twin: Twin, title: str, auth: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """`POST /v1/notes` handed straight to the ASGI app, as a server would (no HTTP client: the
    proof below sends 5,120 of them and must stay well under a minute)."""
    body = json.dumps({"title": title}).encode()
    headers = [
        (b"host", b"testserver"),
        (b"authorization", auth["Authorization"].encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/notes", "raw_path": b"/v1/notes", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    out: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> Message:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await twin.app(scope, receive, send)
    return out["status"], json.loads(out["body"])


def shared_twins(make_app: AppFactory, url: str, count: int) -> list[Twin]:
    return [Twin(make_app(db_url=url, shared=True)) for _ in range(count)]


def bounded_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change log that keeps 4 versions, compacted every 2: easy to fall behind."""
    monkeypatch.setattr(changelog, "KEEP", 4)
    monkeypatch.setattr(changelog, "COMPACT_EVERY", 2)


class Loads:
    """Counts the whole-tenant reads of a store, and the threads they ran on."""

    def __init__(self, target: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        read = target.read_state

        def counted(*args: Any) -> Any:
            self.threads.append(threading.current_thread().name)
            return read(*args)

        monkeypatch.setattr(target, "read_state", counted)


async def test_four_apps_with_64_clients_each_never_refuse_a_write(
    postgres_url: str, make_app: AppFactory
) -> None:
    twins = shared_twins(make_app, postgres_url, APPS)
    auth = await twins[0].auth()
    acknowledged: list[str] = []
    titles = {"note 0"}
    for round_ in range(ROUNDS):
        sent = [(twin, f"r{round_}-a{n}-c{c}") for n, twin in enumerate(twins) for c in range(CLIENTS)]
        responses = await asyncio.gather(*(post_note(twin, title, auth) for twin, title in sent))
        refused = [body for status, body in responses if status != 201]
        assert not refused, refused[:3]
        acknowledged += [body["id"] for _, body in responses]
        titles |= {title for _, title in sent}
    assert len(acknowledged) == len(set(acknowledged)) == APPS * CLIENTS * ROUNDS
    fresh = Twin(make_app(db_url=postgres_url))  # not shared: what it holds is what it read from disk
    on_disk = await fresh.state(limit=100_000)
    assert {n["title"] for n in on_disk["collections"]["sample_notes"]} == titles
    for twin in twins:
        assert await twin.state(limit=100_000) == on_disk
        await twin.aclose()
    await fresh.aclose()


async def test_four_apps_writing_to_four_tenants_at_once_never_refuse_a_write(
    postgres_url: str, make_app: AppFactory
) -> None:
    """Batches span tenants: a process writes the tenants no other holds and defers the rest."""
    twins = shared_twins(make_app, postgres_url, APPS)
    names = [f"t{i}" for i in range(4)]
    for name in names:
        await twins[0].new_tenant(name)
    auths = [await twins[0].auth(name) for name in names]
    for round_ in range(3):
        sent = [(twin, c % 4, f"r{round_}-a{n}-c{c}") for n, twin in enumerate(twins) for c in range(CLIENTS)]
        responses = await asyncio.gather(*(post_note(twin, title, auths[t]) for twin, t, title in sent))
        assert [status for status, _ in responses] == [201] * len(sent)
    fresh = Twin(make_app(db_url=postgres_url))
    for i, name in enumerate(names):
        on_disk = await fresh.state(name)
        expected = {f"r{r}-a{n}-c{c}" for r in range(3) for n in range(APPS) for c in range(i, CLIENTS, 4)}
        assert {n["title"] for n in on_disk["collections"]["sample_notes"]} == expected | {"note 0"}
        for twin in twins:
            assert await twin.state(name) == on_disk
    for twin in [*twins, fresh]:
        await twin.aclose()


async def test_writes_elsewhere_are_caught_up_from_the_change_log(
    postgres_url: str, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = shared_twins(make_app, postgres_url, 2)
    auth = await a.auth()
    loads = Loads(b.ctx.store, monkeypatch)
    made = [(await a.create_note(f"n{i}", auth)).json() for i in range(3)]
    changed = await a.http.put(f"/v1/notes/{made[0]['id']}/title", json={"title": "renamed"}, headers=auth)
    assert changed.status_code == 200, changed.text
    assert (await a.http.delete(f"/v1/notes/{made[1]['id']}", headers=auth)).status_code == 204
    # B reads: it applies A's four versions from the log, without reading the tenant again.
    got = await b.http.get(f"/v1/notes/{made[2]['id']}", headers=auth)
    assert got.status_code == 200
    assert (await b.http.get(f"/v1/notes/{made[1]['id']}", headers=auth)).status_code == 404
    assert await b.state() == await a.state()
    # B writes after A: under the lock it catches up from the log too.
    await a.create_note("from a", auth)
    assert (await b.create_note("from b", auth)).status_code == 201
    assert loads.threads == []
    assert await b.state() == await a.state()


async def test_a_reset_or_a_compacted_log_means_a_whole_reload_off_the_loop(
    postgres_url: str, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounded_log(monkeypatch)
    a, b = shared_twins(make_app, postgres_url, 2)
    auth = await a.auth()
    loads = Loads(b.ctx.store, monkeypatch)
    for i in range(12):
        await a.create_note(f"n{i}", auth)
    with a.ctx.store.engine.connect() as conn:
        kept = conn.execute(sa.select(sa.func.count()).select_from(changes_table)).scalar_one()
    assert 0 < kept <= 4 + 2  # the log is bounded
    # B is 12 versions behind, beyond what the log keeps: its write reads the tenant whole, in
    # the writer thread.
    assert (await b.create_note("from b", auth)).status_code == 201
    assert loads.threads == ["twin-locked-writer"]
    assert await b.state() == await a.state()
    # A reset is a whole new tenant state: B reads it whole again.
    await a.admin_json("POST", "/reset")
    assert (await b.create_note("after reset", auth)).status_code == 201
    assert loads.threads == ["twin-locked-writer"] * 2
    assert {n["title"] for n in await a.notes()} == {"note 0", "after reset"}
    assert await b.state() == await a.state()


async def test_an_unknown_credential_costs_one_indexed_query_and_is_remembered_briefly(
    postgres_url: str, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = shared_twins(make_app, postgres_url, 2)
    for i in range(5):
        await a.new_tenant(f"t{i}")
    statements: list[str] = []
    parameters: list[Any] = []

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append(statement)
        parameters.append(params)

    sa.event.listen(b.ctx.store.engine, "before_cursor_execute", seen)
    bogus = {"Authorization": "Bearer bogus"}
    assert (await b.http.get("/v1/notes", headers=bogus)).status_code == 401
    assert len(statements) == 1
    assert "sample_tokens" in statements[0]
    assert (await b.http.get("/v1/notes", headers=bogus)).status_code == 401
    assert len(statements) == 1  # the miss is remembered
    with b.ctx.store.engine.connect() as conn:  # a tiny table: ask whether the index can serve it
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql(f"EXPLAIN {statements[0]}", parameters[0]).scalars().all()
    assert any("twin_cred_sample_tokens" in line for line in plan), plan
    # A tenant created later by another process is found by its credential at once.
    await a.new_tenant("later")
    later = await a.auth("later")
    assert (await b.create_note("in later", later)).status_code == 201
    assert "in later" in {n["title"] for n in await a.notes("later")}
    # And a miss is forgotten after MISS_SECONDS.
    monkeypatch.setattr(credentials, "MISS_SECONDS", 0.0)
    other = {"Authorization": "Bearer other"}
    count = len(statements)
    assert (await b.http.get("/v1/notes", headers=other)).status_code == 401
    assert (await b.http.get("/v1/notes", headers=other)).status_code == 401
    assert len(statements) >= count + 2  # looked up again each time


async def test_one_bad_write_in_a_batch_fails_alone(
    postgres_url: str, make_twin: Callable[..., Twin]
) -> None:
    from tests.runtime.conftest import extended_service

    a = make_twin(extended_service(), db_url=postgres_url, shared=True, raise_app_exceptions=False)
    auth = await a.auth()
    responses = await asyncio.gather(
        *(a.create_note(f"good{i}", auth) for i in range(8)),
        a.http.post("/v1/bad-write", headers=auth),
    )
    assert [r.status_code for r in responses[:8]] == [201] * 8
    assert responses[8].status_code == 500
    titles = {n["title"] for n in await a.notes()}
    assert {f"good{i}" for i in range(8)} <= titles


async def test_a_read_that_needs_a_whole_reload_reads_it_off_the_loop(
    postgres_url: str, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bounded_log(monkeypatch)
    a, b = shared_twins(make_app, postgres_url, 2)
    auth = await a.auth()
    await a.create_note("before", auth)
    assert (await b.http.get("/v1/notes", headers=auth)).status_code == 200  # B holds it now
    loads = Loads(b.ctx.store, monkeypatch)
    for reason in ("reset", "far behind"):
        if reason == "reset":
            await a.admin_json("POST", "/reset")
        else:
            for i in range(12):
                await a.create_note(f"n{i}", auth)
        expected = {n["title"] for n in await a.notes()}
        # The read that finds it out is served from the state held (whole, as of its version)
        # or the new one, never a mix; the tenant is read in a worker thread meanwhile.
        first = await b.http.get("/v1/notes", headers={**auth, "X-Twin-Tenant": "default"})
        assert first.status_code == 200
        assert {n["title"] for n in first.json()["notes"]} == expected
        await b.ctx.store.settled()
        assert loads.threads and threading.main_thread().name not in loads.threads
        got = await b.http.get("/v1/notes?limit=100", headers=auth)
        assert {n["title"] for n in got.json()["notes"]} == expected
        assert await b.state() == await a.state()
        loads.threads.clear()
