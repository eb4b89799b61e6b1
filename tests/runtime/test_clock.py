"""The per-tenant clock: freeze, set, advance and unfreeze, as seen in timestamps the service writes."""

from __future__ import annotations

import time

from tests.runtime.conftest import AppFactory, Twin, close

AT = 1_900_000_000.0  # 2030-03-17T17:46:40Z


async def created(twin: Twin, title: str, tenant: str | None = None) -> float:
    resp = await twin.create_note(title, await twin.auth(tenant))
    assert resp.status_code == 201, resp.text
    return float(resp.json()["created"])


async def test_real_time_by_default(twin: Twin) -> None:
    clock = await twin.admin_json("GET", "/clock")
    assert clock["frozen"] is False
    assert clock["offset_seconds"] == 0.0
    assert abs(clock["now"] - time.time()) < 5
    assert abs(await created(twin, "now") - time.time()) < 5


async def test_seeded_rows_are_stamped_at_the_seed_epoch(twin: Twin) -> None:
    [seeded] = await twin.notes()
    assert seeded["created"] == 1767225600.0


async def test_freeze_advance_unfreeze(any_twin: Twin) -> None:
    twin = any_twin
    frozen = await twin.admin_json("POST", "/clock", json={"freeze": True, "at": AT})
    assert frozen == {"now": AT, "iso": "2030-03-17T17:46:40Z", "frozen": True, "offset_seconds": 0.0}
    assert await created(twin, "a") == AT
    assert await created(twin, "b") == AT  # frozen: time does not pass

    advanced = await twin.admin_json("POST", "/clock", json={"advance": 90})
    assert advanced["now"] == AT + 90 and advanced["frozen"] is True
    assert await created(twin, "c") == AT + 90

    await twin.admin_json("POST", "/clock", json={"at": AT + 3600})
    assert await created(twin, "d") == AT + 3600

    running = await twin.admin_json("POST", "/clock", json={"freeze": False})
    assert running["frozen"] is False
    # Time runs on from the frozen instant, not from the wall clock.
    stamp = await created(twin, "e")
    assert AT + 3600 <= stamp < AT + 3600 + 5

    await twin.admin_json("POST", "/clock", json={"advance": 86_400})
    assert AT + 3600 + 86_400 <= await created(twin, "f") < AT + 3600 + 86_400 + 5
    await twin.admin_json("POST", "/clock", json={"freeze": False, "at": AT})
    assert AT <= await created(twin, "g") < AT + 5


async def test_freeze_without_at_freezes_now(twin: Twin) -> None:
    before = time.time()
    clock = await twin.admin_json("POST", "/clock", json={"freeze": True})
    assert clock["frozen"] is True
    assert before - 1 <= clock["now"] <= time.time() + 1
    assert await created(twin, "x") == clock["now"]
    assert (await twin.admin_json("GET", "/clock"))["now"] == clock["now"]


async def test_freeze_and_advance_in_one_call(twin: Twin) -> None:
    clock = await twin.admin_json("POST", "/clock", json={"freeze": True, "at": AT, "advance": 10})
    assert clock["now"] == AT + 10


async def test_clock_is_per_tenant(twin: Twin) -> None:
    await twin.new_tenant("acme")
    await twin.admin_json("POST", "/clock", params={"tenant": "acme"}, json={"freeze": True, "at": AT})
    assert await created(twin, "acme note", "acme") == AT
    assert abs(await created(twin, "default note") - time.time()) < 5
    assert (await twin.admin_json("GET", "/clock"))["frozen"] is False
    assert (await twin.admin_json("GET", "/clock", params={"tenant": "acme"}))["frozen"] is True


async def test_clock_survives_restart(durable_url: str, make_app: AppFactory) -> None:
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    await twin.admin_json("POST", "/clock", json={"freeze": True, "at": AT})
    await twin.aclose()
    close(app)
    again = Twin(make_app(db_url=durable_url))
    assert (await again.admin_json("GET", "/clock"))["now"] == AT
    assert await created(again, "after restart") == AT
    await again.aclose()


async def test_reseed_restarts_the_clock(twin: Twin) -> None:
    await twin.admin_json("POST", "/clock", json={"freeze": True, "at": AT})
    await twin.admin_json("POST", "/seed")
    assert (await twin.admin_json("GET", "/clock"))["frozen"] is False
