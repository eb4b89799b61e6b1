"""The admin API: auth, reset, seed, snapshots, state inspection, and its own error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.runtime.conftest import ADMIN_TOKEN, AppFactory, Twin, close, extended_service

ADMIN_PATHS = [
    ("GET", "/tenants"),
    ("POST", "/tenants"),
    ("DELETE", "/tenants/x"),
    ("POST", "/reset"),
    ("POST", "/seed"),
    ("POST", "/snapshot"),
    ("GET", "/snapshots"),
    ("POST", "/restore"),
    ("GET", "/credentials"),
    ("GET", "/state"),
    ("GET", "/journal"),
    ("GET", "/clock"),
    ("POST", "/clock"),
    ("GET", "/faults"),
    ("POST", "/faults"),
    ("DELETE", "/faults"),
]


# --- auth ---------------------------------------------------------------------------------------
async def test_health_is_open(unchanged_twin: Twin) -> None:
    resp = await unchanged_twin.http.get("/_twin/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "service": "sample", "tenants": 1}


@pytest.mark.parametrize(("method", "path"), ADMIN_PATHS)
async def test_admin_needs_the_token(unchanged_twin: Twin, method: str, path: str) -> None:
    twin = unchanged_twin
    missing = await twin.http.request(method, f"/_twin{path}")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "admin_token_required"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]
    wrong = await twin.http.request(method, f"/_twin{path}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert wrong.json() == {"error": {"code": "admin_token_invalid", "message": "the admin token is wrong"}}


async def test_token_in_either_header(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    for headers in (
        {"Authorization": f"Bearer {ADMIN_TOKEN}"},
        {"Authorization": f"bearer  {ADMIN_TOKEN} "},
        {"X-Twin-Admin-Token": ADMIN_TOKEN},
    ):
        assert (await twin.http.get("/_twin/tenants", headers=headers)).status_code == 200, headers
    assert (await twin.http.get("/_twin/tenants", headers={"X-Twin-Admin-Token": "nope"})).status_code == 403
    # A vendor credential is not an admin token.
    assert (await twin.http.get("/_twin/tenants", headers=await twin.auth())).status_code == 403


async def test_no_admin_auth_opens_the_admin_api(make_twin: Callable[..., Twin]) -> None:
    twin = make_twin(admin_auth=False)
    assert (await twin.http.get("/_twin/tenants")).status_code == 200
    assert (await twin.http.get("/_twin/tenants", headers={"Authorization": "Bearer x"})).status_code == 200


async def test_service_admin_routes_need_the_token_too(make_twin: Callable[..., Twin]) -> None:
    twin = make_twin(extended_service())
    assert (await twin.http.get("/_twin/sample/hello")).status_code == 401
    assert (
        await twin.http.get("/_twin/sample/hello", headers={"X-Twin-Admin-Token": "x"})
    ).status_code == 403
    assert await twin.admin_json("GET", "/sample/hello") == {"hello": "admin"}


# --- malformed requests -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "kw"),
    [
        ("POST", "/tenants", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        ("POST", "/tenants", {"json": {}}),
        ("POST", "/tenants", {"json": {"id": 5}}),
        ("POST", "/tenants", {"json": {"id": "ok", "seed": "many"}}),
        ("POST", "/tenants", {"json": {"id": "ok", "size": -1}}),
        ("POST", "/tenants", {"json": ["id"]}),
        ("POST", "/seed", {"json": {"size": "big"}}),
        ("POST", "/snapshot", {"json": {}}),
        ("POST", "/restore", {"json": {"name": 3}}),
        ("POST", "/clock", {"json": {"advance": "soon"}}),
        ("POST", "/faults", {"json": {"action": "explode"}}),
        ("POST", "/faults", {"json": {"probability": 1.5}}),
        ("POST", "/faults", {"json": {"status": 200}}),
        ("POST", "/faults", {"json": {"path": "re:("}}),
        ("POST", "/faults", {"json": {"times": 0}}),
        ("POST", "/faults", {"json": {}, "params": {"scope": "everyone"}}),
        ("GET", "/state", {"params": {"limit": 0}}),
        ("GET", "/state", {"params": {"limit": "many"}}),
        ("GET", "/journal", {"params": {"after": -1}}),
        ("GET", "/journal", {"params": {"limit": 1001}}),
    ],
)
async def test_malformed_admin_requests_are_400_in_admin_shape(
    unchanged_twin: Twin, method: str, path: str, kw: dict[str, Any]
) -> None:
    resp = await unchanged_twin.admin(method, path, **kw)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert "detail" not in body
    assert set(body) == {"error"}
    assert body["error"]["code"] == "invalid_request"
    assert body["error"]["message"]


async def test_unknown_admin_path_and_method(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    resp = await twin.admin("GET", "/nope")
    assert resp.status_code == 404
    assert resp.json() == {"error": {"code": "not_found", "message": "Not Found"}}
    resp = await twin.admin("PUT", "/health")
    assert resp.status_code == 405
    assert resp.json() == {"error": {"code": "method_not_allowed", "message": "Method Not Allowed"}}


async def test_admin_crash_is_500_in_admin_shape(
    make_twin: Callable[..., Twin], caplog: pytest.LogCaptureFixture
) -> None:
    twin = make_twin(extended_service(), raise_app_exceptions=False)
    resp = await twin.admin("GET", "/sample/crash")
    assert resp.status_code == 500
    assert resp.json() == {"error": {"code": "internal_error", "message": "RuntimeError: admin kaboom"}}
    assert "unhandled error on GET /_twin/sample/crash" in caplog.text


async def test_openapi_docs_live_under_the_admin_prefix(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    spec = (await twin.http.get("/_twin/openapi.json")).json()
    assert "/v1/notes" in spec["paths"] and "/_twin/state" in spec["paths"]
    assert (await twin.http.get("/_twin/docs")).status_code == 200
    assert (await twin.http.get("/docs")).status_code == 404


# --- reset and seed -----------------------------------------------------------------------------
async def test_reset_returns_to_the_seed(any_twin: Twin) -> None:
    twin = any_twin
    initial = await twin.admin("GET", "/state")
    auth = await twin.auth()
    await twin.create_note("scratch", auth)
    seeded = (await twin.notes())[0]["id"]
    await twin.http.delete(f"/v1/notes/{seeded}", headers=auth)
    await twin.admin_json("POST", "/faults", status=201, json={"path": "/nowhere"})
    assert (await twin.admin("GET", "/state")).content != initial.content

    described = await twin.admin_json("POST", "/reset")
    assert described["id"] == "default"
    assert described["rows"] == {"sample_notes": 1, "sample_tokens": 1}
    assert (await twin.admin("GET", "/state")).content == initial.content
    assert (await twin.admin_json("GET", "/journal"))["exchanges"] == []
    assert (await twin.admin_json("GET", "/faults"))["faults"] == []
    # The seeded credential works again, and ids restart where the seed left them.
    again = await twin.create_note("scratch", auth)
    assert again.status_code == 201


async def test_reset_touches_only_its_tenant(twin: Twin) -> None:
    await twin.new_tenant("acme")
    await twin.create_note("keep me", await twin.auth())
    await twin.create_note("drop me", await twin.auth("acme"))
    await twin.admin_json("POST", "/reset", params={"tenant": "acme"})
    assert "drop me" not in {n["title"] for n in await twin.notes("acme")}
    assert "keep me" in {n["title"] for n in await twin.notes()}


async def test_reset_ids_repeat(twin: Twin) -> None:
    auth = await twin.auth()
    first = (await twin.create_note("a", auth)).json()
    await twin.admin_json("POST", "/reset")
    second = (await twin.create_note("a", auth)).json()
    assert first["id"] == second["id"]


async def test_seed_with_new_seed_and_size(
    any_twin: Twin, make_twin: Callable[..., Twin], tmp_path_factory: pytest.TempPathFactory
) -> None:
    twin = any_twin
    old_auth = await twin.auth()
    described = await twin.admin_json("POST", "/seed", json={"seed": 7, "size": 4})
    assert (described["seed"], described["size"]) == (7, 4)
    assert described["rows"] == {"sample_notes": 4, "sample_tokens": 1}
    # The same as a twin started with that seed and size, byte for byte.
    fresh = make_twin(data_dir=tmp_path_factory.mktemp("fresh"), seed=7, seed_size=4)
    assert (await twin.admin("GET", "/state")).content == (await fresh.admin("GET", "/state")).content
    # The old credential is gone with the old data; the new one works.
    assert (await twin.http.get("/v1/notes", headers=old_auth)).status_code == 401
    assert (await twin.http.get("/v1/notes", headers=await twin.auth())).status_code == 200
    # Reset now returns to the new seed.
    await twin.create_note("scratch", await twin.auth())
    await twin.admin_json("POST", "/reset")
    assert (await twin.admin("GET", "/state")).content == (await fresh.admin("GET", "/state")).content


async def test_seed_without_body_keeps_seed_and_size(twin: Twin) -> None:
    await twin.admin_json("POST", "/seed", json={"seed": 3, "size": 2})
    before = (await twin.admin("GET", "/state")).content
    await twin.create_note("scratch", await twin.auth())
    described = await twin.admin_json("POST", "/seed")
    assert (described["seed"], described["size"]) == (3, 2)
    assert (await twin.admin("GET", "/state")).content == before
    described = await twin.admin_json("POST", "/seed", json={"size": 0})
    assert described["rows"] == {"sample_notes": 0, "sample_tokens": 1}


async def test_seed_survives_restart(durable_url: str, make_app: AppFactory) -> None:
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    await twin.admin_json("POST", "/seed", json={"seed": 8, "size": 2})
    seeded = (await twin.admin("GET", "/state")).content
    await twin.aclose()
    close(app)
    again = Twin(make_app(db_url=durable_url))
    assert (await again.admin("GET", "/state")).content == seeded
    await again.create_note("scratch", await again.auth())
    await again.admin_json("POST", "/reset")  # the seed snapshot was stored too
    assert (await again.admin("GET", "/state")).content == seeded
    await again.aclose()


# --- snapshots ----------------------------------------------------------------------------------
async def test_snapshot_and_restore(any_twin: Twin) -> None:
    twin = any_twin
    auth = await twin.auth()
    await twin.create_note("kept", auth)
    taken = await twin.admin_json("POST", "/snapshot", status=201, json={"name": "before"})
    assert taken == {"tenant": "default", "name": "before", "rows": 3}
    state_at_snapshot = (await twin.admin("GET", "/state")).content
    next_id = (await twin.create_note("after", auth)).json()["id"]
    await twin.http.delete(f"/v1/notes/{(await twin.notes())[0]['id']}", headers=auth)

    restored = await twin.admin_json("POST", "/restore", json={"name": "before"})
    assert restored["rows"] == {"sample_notes": 2, "sample_tokens": 1}
    assert (await twin.admin("GET", "/state")).content == state_at_snapshot
    # The id source is part of the snapshot: the same next id comes out again.
    assert (await twin.create_note("after", auth)).json()["id"] == next_id

    names = [s["name"] for s in (await twin.admin_json("GET", "/snapshots"))["snapshots"]]
    assert names == ["__seed__", "before"]


async def test_reset_to_a_snapshot_is_a_fresh_tenant_at_that_state_on_disk_too(
    durable_url: str, make_app: AppFactory
) -> None:
    """`POST /reset {"snapshot": name}`: the snapshot's rows and ids, a real-time clock, an empty
    journal; only the rows that differ are written, and a restart reads back the same state."""
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    auth = await twin.auth()
    await twin.create_note("kept", auth)
    await twin.admin_json("POST", "/snapshot", status=201, json={"name": "world"})
    at_snapshot = (await twin.admin("GET", "/state")).content
    next_id = (await twin.create_note("after", auth)).json()["id"]
    await twin.http.delete(f"/v1/notes/{(await twin.notes())[0]['id']}", headers=auth)
    await twin.admin_json("POST", "/clock", json={"freeze": True, "at": 1_800_000_000.0})

    reset = await twin.admin_json("POST", "/reset", json={"snapshot": "world"})
    assert reset["rows"] == {"sample_notes": 2, "sample_tokens": 1}
    assert reset["clock"]["frozen"] is False
    assert (await twin.admin("GET", "/state")).content == at_snapshot
    assert (await twin.admin_json("GET", "/journal"))["exchanges"] == []
    missing = await twin.admin("POST", "/reset", json={"snapshot": "nope"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "snapshot_not_found"
    await twin.aclose()
    close(app)

    again = Twin(make_app(db_url=durable_url))
    assert (await again.admin("GET", "/state")).content == at_snapshot
    assert (await again.create_note("after", auth)).json()["id"] == next_id
    await again.aclose()


async def test_snapshot_name_is_overwritten(twin: Twin) -> None:
    auth = await twin.auth()
    await twin.admin_json("POST", "/snapshot", status=201, json={"name": "s"})
    await twin.create_note("later", auth)
    await twin.admin_json("POST", "/snapshot", status=201, json={"name": "s"})
    await twin.admin_json("POST", "/restore", json={"name": "s"})
    assert "later" in {n["title"] for n in await twin.notes()}
    names = [s["name"] for s in (await twin.admin_json("GET", "/snapshots"))["snapshots"]]
    assert names.count("s") == 1


async def test_snapshots_are_per_tenant(twin: Twin) -> None:
    await twin.new_tenant("acme")
    await twin.admin_json("POST", "/snapshot", status=201, json={"name": "mine"})
    resp = await twin.admin("POST", "/restore", params={"tenant": "acme"}, json={"name": "mine"})
    assert resp.status_code == 404
    acme_names = [
        s["name"]
        for s in (await twin.admin_json("GET", "/snapshots", params={"tenant": "acme"}))["snapshots"]
    ]
    assert acme_names == ["__seed__"]


async def test_snapshot_survives_restart(durable_url: str, make_app: AppFactory) -> None:
    app = make_app(db_url=durable_url)
    twin = Twin(app)
    await twin.create_note("in snapshot", await twin.auth())
    await twin.admin_json("POST", "/snapshot", status=201, json={"name": "keep"})
    expected = (await twin.admin("GET", "/state")).content
    await twin.aclose()
    close(app)

    again = Twin(make_app(db_url=durable_url))
    await again.create_note("not in snapshot", await again.auth())
    await again.admin_json("POST", "/restore", json={"name": "keep"})
    assert (await again.admin("GET", "/state")).content == expected
    await again.aclose()


async def test_unknown_snapshot_is_404(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    resp = await twin.admin("POST", "/restore", json={"name": "never-taken"})
    assert resp.status_code == 404
    error = resp.json()["error"]
    assert error["code"] == "snapshot_not_found"
    assert "never-taken" in error["message"] and "/_twin/snapshots" in error["message"]


@pytest.mark.parametrize("name", ["", " ", "has space", "../etc", "-dash", "__seed__", "x" * 129, "a/b", "é"])
async def test_bad_snapshot_names_are_400(unchanged_twin: Twin, name: str) -> None:
    twin = unchanged_twin
    resp = await twin.admin("POST", "/snapshot", json={"name": name})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_name"
    names = [s["name"] for s in (await twin.admin_json("GET", "/snapshots"))["snapshots"]]
    assert names == ["__seed__"]


async def test_restore_of_the_seed_snapshot_is_a_reset(twin: Twin) -> None:
    initial = (await twin.admin("GET", "/state")).content
    await twin.create_note("scratch", await twin.auth())
    await twin.admin_json("POST", "/restore", json={"name": "__seed__"})
    assert (await twin.admin("GET", "/state")).content == initial


# --- state --------------------------------------------------------------------------------------
async def test_state_filters(any_twin: Twin) -> None:
    twin = any_twin
    auth = await twin.auth()
    for i in range(5):
        await twin.create_note(f"t{i}", auth, tags=["even" if i % 2 == 0 else "odd"])

    everything = await twin.state()
    assert everything["tenant"] == "default"
    assert everything["meta"] == {}
    assert set(everything["collections"]) == {"sample_notes", "sample_tokens"}
    assert [n["title"] for n in everything["collections"]["sample_notes"]] == ["note 0"] + [
        f"t{i}" for i in range(5)
    ]
    # The runtime's own columns are not shown.
    assert all(
        "tenant_id" not in n and "twin_seq" not in n for n in everything["collections"]["sample_notes"]
    )

    only_notes = await twin.state(collection="sample_notes")
    assert set(only_notes["collections"]) == {"sample_notes"}

    by_title = await twin.state(collection="sample_notes", where="title=t3")
    assert [n["title"] for n in by_title["collections"]["sample_notes"]] == ["t3"]

    both = await twin.state(collection="sample_notes", where=["title=t3", "id=nope"])
    assert both["collections"]["sample_notes"] == []

    token = await twin.token()
    by_token = await twin.state(where=f"token={token}")
    assert by_token["collections"]["sample_tokens"][0]["user"] == "admin"
    assert by_token["collections"]["sample_notes"] == []

    limited = await twin.state(collection="sample_notes", limit=2)
    assert [n["title"] for n in limited["collections"]["sample_notes"]] == ["note 0", "t0"]

    # Values are compared as text, '=' may appear in the value.
    assert (await twin.state(collection="sample_notes", where="created=nope"))["collections"][
        "sample_notes"
    ] == []
    assert (await twin.state(collection="sample_notes", where="title=a=b"))["collections"][
        "sample_notes"
    ] == []


async def test_state_errors(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    resp = await twin.admin("GET", "/state", params={"collection": "nope"})
    assert resp.status_code == 404
    error = resp.json()["error"]
    assert error["code"] == "collection_not_found"
    assert "sample_notes" in error["message"] and "sample_tokens" in error["message"]
    resp = await twin.admin("GET", "/state", params={"where": "no-equals-sign"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_filter"


async def test_state_is_read_only(unchanged_twin: Twin) -> None:
    resp = await unchanged_twin.admin("POST", "/state", json={})
    assert resp.status_code == 405
