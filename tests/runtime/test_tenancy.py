"""Tenancy: one process, many tenants, chosen by header, Host or credential, with no leaks."""

from __future__ import annotations

from tests.runtime.conftest import Twin


async def test_two_tenants_same_api_no_leak(any_twin: Twin) -> None:
    twin = any_twin
    await twin.new_tenant("acme")
    default_auth, acme_auth = await twin.auth(), await twin.auth("acme")
    assert default_auth != acme_auth  # same seed, distinct credentials

    mine = (await twin.create_note("default's secret", default_auth)).json()
    theirs = (await twin.create_note("acme's secret", acme_auth)).json()

    listed_default = (await twin.http.get("/v1/notes", headers=default_auth)).json()["notes"]
    listed_acme = (await twin.http.get("/v1/notes", headers=acme_auth)).json()["notes"]
    assert "default's secret" in {n["title"] for n in listed_default}
    assert "acme's secret" not in {n["title"] for n in listed_default}
    assert "acme's secret" in {n["title"] for n in listed_acme}
    assert "default's secret" not in {n["title"] for n in listed_acme}

    # A note id of one tenant is unknown in the other, in the vendor's error style.
    assert theirs["id"] != mine["id"]
    cross = await twin.http.get(f"/v1/notes/{theirs['id']}", headers=default_auth)
    assert cross.status_code == 404
    assert cross.json() == {"code": "not_found", "message": f"no note {theirs['id']}"}
    assert (await twin.http.get(f"/v1/notes/{theirs['id']}", headers=acme_auth)).status_code == 200

    assert {n["title"] for n in await twin.notes("acme")} == {"note 0", "acme's secret"}
    assert {n["title"] for n in await twin.notes()} == {"note 0", "default's secret"}


async def test_tenants_with_one_seed_have_distinct_ids(twin: Twin) -> None:
    await twin.new_tenant("one", seed=3)
    await twin.new_tenant("two", seed=3)
    one, two = await twin.state("one"), await twin.state("two")
    assert one["collections"]["sample_tokens"][0]["token"] != two["collections"]["sample_tokens"][0]["token"]
    assert one["collections"]["sample_notes"][0]["id"] != two["collections"]["sample_notes"][0]["id"]


async def test_credential_selects_the_tenant(twin: Twin) -> None:
    await twin.new_tenant("acme")
    resp = await twin.create_note("by credential", await twin.auth("acme"))
    assert resp.status_code == 201
    assert "by credential" in {n["title"] for n in await twin.notes("acme")}
    assert "by credential" not in {n["title"] for n in await twin.notes()}


async def test_header_selects_the_tenant(twin: Twin) -> None:
    await twin.new_tenant("acme")
    # The header wins over the credential's own tenant.
    headers = {**(await twin.auth()), "X-Twin-Tenant": "acme"}
    assert (await twin.create_note("by header", headers)).status_code == 201
    assert "by header" in {n["title"] for n in await twin.notes("acme")}
    assert "by header" not in {n["title"] for n in await twin.notes()}


async def test_host_first_label_selects_the_tenant(twin: Twin) -> None:
    await twin.new_tenant("acme")
    default_auth = await twin.auth()
    for host in ("acme.twin.test", "acme.localhost:8099", "acme.example.com"):
        headers = {**default_auth, "Host": host}
        assert (await twin.create_note(f"via {host}", headers)).status_code == 201
        assert f"via {host}" in {n["title"] for n in await twin.notes("acme")}, host
        assert f"via {host}" not in {n["title"] for n in await twin.notes()}, host


async def test_other_hosts_fall_back_to_the_credential(twin: Twin) -> None:
    await twin.new_tenant("acme")
    acme_auth = await twin.auth("acme")
    for host in ("localhost", "127.0.0.1:8099", "unknown.twin.test", "testserver", "default.twin.test"):
        headers = {**acme_auth, "Host": host}
        assert (await twin.create_note(f"via {host}", headers)).status_code == 201
        in_acme = f"via {host}" in {n["title"] for n in await twin.notes("acme")}
        assert in_acme is (host != "default.twin.test"), host


async def test_unknown_tenant_header_is_a_vendor_error(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    resp = await twin.http.get("/v1/notes", headers={**(await twin.auth()), "X-Twin-Tenant": "nope"})
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"code", "message"}
    assert "nope" in body["message"] and "X-Twin-Tenant" in body["message"]


async def test_no_credential_and_no_tenant_is_the_services_401(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    resp = await twin.http.get("/v1/notes")
    assert resp.status_code == 401
    assert resp.json() == {"code": "unauthorized", "message": "invalid token"}
    resp = await twin.http.get("/v1/notes", headers={"Authorization": "Bearer st-forged"})
    assert resp.status_code == 401


async def test_admin_calls_choose_the_tenant_by_query_or_header(twin: Twin) -> None:
    await twin.new_tenant("acme", seed=9)
    by_query = await twin.admin_json("GET", "/credentials", params={"tenant": "acme"})
    by_header = await twin.admin_json("GET", "/credentials", headers={"X-Twin-Tenant": "acme"})
    assert by_query == by_header
    assert by_query["tenant"] == "acme"
    assert by_query["base_url"] == "http://testserver"
    assert by_query["token"] != await twin.token()


async def test_admin_unknown_tenant_is_404(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    for path in ("/state", "/credentials", "/journal", "/clock", "/snapshots"):
        resp = await twin.admin("GET", path, params={"tenant": "ghost"})
        assert resp.status_code == 404, path
        assert resp.json()["error"]["code"] == "tenant_not_found"
    resp = await twin.admin("POST", "/reset", params={"tenant": "ghost"})
    assert resp.status_code == 404


async def test_tenant_life_cycle(any_twin: Twin) -> None:
    twin = any_twin
    created = await twin.new_tenant("acme", seed=11, size=3)
    assert created["id"] == "acme" and created["seed"] == 11 and created["size"] == 3
    assert created["rows"] == {"sample_notes": 3, "sample_tokens": 1}
    listed = (await twin.admin_json("GET", "/tenants"))["tenants"]
    assert [t["id"] for t in listed] == ["default", "acme"]
    health = await twin.admin_json("GET", "/health")
    assert health == {"status": "ok", "service": "sample", "tenants": 2}

    acme_auth = await twin.auth("acme")
    assert (await twin.create_note("doomed", acme_auth)).status_code == 201
    assert await twin.admin_json("DELETE", "/tenants/acme") == {"deleted": "acme"}
    # Its data, its credential and its snapshots are gone.
    assert (await twin.http.get("/v1/notes", headers=acme_auth)).status_code == 401
    assert (await twin.admin("GET", "/state", params={"tenant": "acme"})).status_code == 404
    assert [t["id"] for t in (await twin.admin_json("GET", "/tenants"))["tenants"]] == ["default"]

    # Re-created, it starts from its seed again.
    again = await twin.new_tenant("acme", seed=11, size=3)
    assert again["rows"] == {"sample_notes": 3, "sample_tokens": 1}
    assert "doomed" not in {n["title"] for n in await twin.notes("acme")}


async def test_tenant_errors(twin: Twin) -> None:
    dup = await twin.admin("POST", "/tenants", json={"id": "default"})
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "tenant_exists"
    for bad in ("Upper", "-lead", "has space", "x" * 64, "", "a_b"):
        resp = await twin.admin("POST", "/tenants", json={"id": bad})
        assert resp.status_code == 400, bad
        assert resp.json()["error"]["code"] == "invalid_tenant_id"
    resp = await twin.admin("DELETE", "/tenants/default")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "cannot_delete_default"
    resp = await twin.admin("DELETE", "/tenants/ghost")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "tenant_not_found"
    resp = await twin.admin("POST", "/tenants", json={"id": "big", "size": 100_001})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_request"
