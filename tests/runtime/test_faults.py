"""Fault injection: vendor errors, 429s, latency, probability, expiry, matching and dropped connections."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.runtime.conftest import ADMIN, Twin
from tests.support.servers import serve_app
from twins._runtime.faults import DroppedConnection


async def add_fault(twin: Twin, params: dict[str, str] | None = None, **rule: Any) -> dict[str, Any]:
    result: dict[str, Any] = await twin.admin_json(
        "POST", "/faults", status=201, json=rule, params=params or {}
    )
    return result


async def list_notes(twin: Twin, auth: dict[str, str]) -> httpx.Response:
    return await twin.http.get("/v1/notes", headers=auth)


async def test_error_fault_uses_the_vendor_body(any_twin: Twin) -> None:
    twin = any_twin
    fault = await add_fault(twin)
    assert fault["id"].startswith("fault-") and fault["tenant"] == "default" and fault["hits"] == 0
    assert (fault["action"], fault["status"], fault["probability"]) == ("error", 500, 1.0)
    auth = await twin.auth()
    resp = await list_notes(twin, auth)
    assert resp.status_code == 500
    assert resp.json() == {"code": "server_error", "message": "injected fault"}
    # The request never reached the route: nothing was written.
    assert (await twin.create_note("never", auth)).status_code == 500
    assert "never" not in {n["title"] for n in await twin.notes()}
    [listed] = (await twin.admin_json("GET", "/faults"))["faults"]
    assert listed["hits"] == 2


async def test_error_fault_status_and_body(twin: Twin) -> None:
    await add_fault(twin, status=503, path="/v1/notes", method="get")
    resp = await list_notes(twin, await twin.auth())
    assert resp.status_code == 503
    assert resp.json() == {"code": "server_error", "message": "injected fault"}
    await twin.admin_json("DELETE", "/faults")
    await add_fault(twin, status=418, body={"custom": True})
    resp = await list_notes(twin, await twin.auth())
    assert resp.status_code == 418
    assert resp.json() == {"custom": True}


async def test_rate_limit_fault(twin: Twin) -> None:
    await add_fault(twin, action="rate_limit", retry_after=7)
    resp = await list_notes(twin, await twin.auth())
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "7"
    assert resp.json() == {"code": "rate_limited", "message": "slow down"}


async def test_rate_limit_with_custom_body_keeps_the_vendor_headers(twin: Twin) -> None:
    await add_fault(twin, action="rate_limit", body={"ok": False, "error": "ratelimited"})
    resp = await list_notes(twin, await twin.auth())
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "30"
    assert resp.json() == {"ok": False, "error": "ratelimited"}


async def test_latency_fault_delays_then_serves(twin: Twin) -> None:
    await add_fault(twin, action="latency", latency_ms=150, method="POST")
    auth = await twin.auth()
    started = time.perf_counter()
    resp = await twin.create_note("slow", auth)
    elapsed = time.perf_counter() - started
    assert resp.status_code == 201
    assert elapsed >= 0.15
    assert "slow" in {n["title"] for n in await twin.notes()}
    started = time.perf_counter()
    assert (await list_notes(twin, auth)).status_code == 200  # GET does not match
    assert time.perf_counter() - started < 0.15


async def test_probability_zero_never_fires(twin: Twin) -> None:
    await add_fault(twin, probability=0.0)
    auth = await twin.auth()
    for _ in range(50):
        assert (await list_notes(twin, auth)).status_code == 200
    [listed] = (await twin.admin_json("GET", "/faults"))["faults"]
    assert listed["hits"] == 0


async def test_probability_is_seeded(
    make_twin: Callable[..., Twin], tmp_path_factory: pytest.TempPathFactory
) -> None:
    patterns = []
    for name in ("one", "two"):
        twin = make_twin(data_dir=tmp_path_factory.mktemp(name))
        auth = await twin.auth()
        await add_fault(twin, probability=0.5)
        patterns.append([(await list_notes(twin, auth)).status_code for _ in range(40)])
    assert set(patterns[0]) == {200, 500}
    assert patterns[0] == patterns[1]


async def test_times_expiry(twin: Twin) -> None:
    await add_fault(twin, times=2)
    auth = await twin.auth()
    assert [(await list_notes(twin, auth)).status_code for _ in range(4)] == [500, 500, 200, 200]
    assert (await twin.admin_json("GET", "/faults"))["faults"] == []


async def test_ttl_expiry(twin: Twin) -> None:
    fault = await add_fault(twin, ttl_seconds=60)
    auth = await twin.auth()
    assert (await list_notes(twin, auth)).status_code == 500
    # Age the rule instead of waiting a minute.
    [active] = [f for f in twin.ctx.faults.active if f.id == fault["id"]]
    active.created -= 61
    assert (await list_notes(twin, auth)).status_code == 200
    assert (await twin.admin_json("GET", "/faults"))["faults"] == []


MATCHING = [
    ({"path": "/v1/notes/*"}, ("GET", "/v1/notes/abc"), ("GET", "/v1/notes")),
    ({"path": "re:^/v1/notes$"}, ("GET", "/v1/notes"), ("GET", "/v1/notes/abc")),
    ({"path": "re:abc"}, ("GET", "/v1/notes/xabcx"), ("GET", "/v1/notes")),
    ({"method": "delete"}, ("DELETE", "/v1/notes/abc"), ("GET", "/v1/notes/abc")),
    ({"method": "GET", "path": "/v1/*"}, ("GET", "/v1/notes"), ("POST", "/v1/notes")),
]


async def test_matching(twin: Twin) -> None:
    auth = await twin.auth()
    for rule, hit, miss in MATCHING:
        await twin.admin_json("DELETE", "/faults")
        await twin.admin_json("POST", "/faults", status=201, json={"status": 599, **rule})
        assert (await twin.http.request(*hit, headers=auth)).status_code == 599, rule
        assert (await twin.http.request(*miss, headers=auth, json={"title": "t"})).status_code != 599, rule


async def test_admin_api_is_never_faulted(twin: Twin) -> None:
    await add_fault(twin, params={"scope": "all"})
    await add_fault(twin, action="drop", params={"scope": "all"})
    assert (await twin.http.get("/_twin/health")).status_code == 200
    assert (await twin.admin("GET", "/state")).status_code == 200


async def test_fault_scope_tenant_or_all(twin: Twin) -> None:
    await twin.new_tenant("acme")
    default_auth, acme_auth = await twin.auth(), await twin.auth("acme")
    await add_fault(twin, params={"tenant": "acme"}, status=502)
    assert (await list_notes(twin, acme_auth)).status_code == 502
    assert (await list_notes(twin, default_auth)).status_code == 200
    assert len((await twin.admin_json("GET", "/faults", params={"tenant": "acme"}))["faults"]) == 1
    assert (await twin.admin_json("GET", "/faults", params={"tenant": "default"}))["faults"] == []

    await twin.admin_json("DELETE", "/faults")
    everywhere = await add_fault(twin, params={"scope": "all"}, status=504)
    assert everywhere["tenant"] is None
    assert (await list_notes(twin, acme_auth)).status_code == 504
    assert (await list_notes(twin, default_auth)).status_code == 504
    # A fault for all tenants is listed for each of them.
    assert len((await twin.admin_json("GET", "/faults", params={"tenant": "acme"}))["faults"]) == 1


async def test_unauthenticated_requests_meet_the_default_tenants_faults(twin: Twin) -> None:
    await add_fault(twin, status=503)
    assert (await twin.http.get("/v1/notes")).status_code == 503


async def test_delete_faults(twin: Twin) -> None:
    first = await add_fault(twin, path="/a")
    await add_fault(twin, path="/b")
    await twin.new_tenant("acme")
    await add_fault(twin, path="/c", params={"tenant": "acme"})
    assert await twin.admin_json("DELETE", "/faults", params={"id": first["id"]}) == {"removed": 1}
    resp = await twin.admin("DELETE", "/faults", params={"id": first["id"]})
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "fault_not_found"
    assert await twin.admin_json("DELETE", "/faults", params={"tenant": "acme"}) == {"removed": 1}
    assert await twin.admin_json("DELETE", "/faults") == {"removed": 1}
    assert (await twin.admin_json("GET", "/faults"))["faults"] == []


async def test_reset_clears_the_tenants_faults(twin: Twin) -> None:
    await add_fault(twin)
    await twin.admin_json("POST", "/reset")
    assert (await list_notes(twin, await twin.auth())).status_code == 200


async def test_drop_in_process_aborts_the_response(twin: Twin) -> None:
    await add_fault(twin, action="drop", times=1)
    auth = await twin.auth()
    with pytest.raises(DroppedConnection):
        await list_notes(twin, auth)
    assert (await list_notes(twin, auth)).status_code == 200


def test_drop_over_real_http_is_a_broken_connection(app: FastAPI) -> None:
    ctx = app.state.twin
    with serve_app(app) as url:
        admin = ADMIN
        with httpx.Client(base_url=url, timeout=5) as client:
            token = client.get("/_twin/credentials", headers=admin).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert (
                client.post("/_twin/faults", json={"action": "drop", "times": 1}, headers=admin).status_code
                == 201
            )
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                client.get("/v1/notes", headers=auth)
            # The server lives on and the next request is served normally.
            assert client.get("/v1/notes", headers=auth).status_code == 200
    assert ctx.faults.active == []
