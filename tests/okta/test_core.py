"""What every Okta route shares: auth header spellings, Okta error bodies, content types, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from twins.testing import OktaTwin

ERROR_KEYS = {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}


def assert_error(response: httpx.Response, status: int, code: str, summary: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["errorCode"] == code and body["errorLink"] == code
    assert body["errorId"].startswith("oae")
    if summary is not None:
        assert body["errorSummary"] == summary


@pytest.fixture
def anonymous(okta_twin: OktaTwin) -> Iterator[httpx.Client]:
    """No credential and no tenant header: the token alone picks the org."""
    with okta_twin.server.client() as c:
        yield c


@pytest.fixture
def creds(okta_twin: OktaTwin) -> dict[str, Any]:
    return okta_twin.credentials


@pytest.fixture
def client(okta_twin: OktaTwin) -> Iterator[httpx.Client]:
    """The org's admin: its SSWS token."""
    headers = {"Authorization": f"SSWS {okta_twin.api_token}", "Accept": "application/json"}
    with okta_twin.server.client(headers) as c:
        yield c


def test_ssws_with_and_without_space(anonymous: httpx.Client, creds: dict[str, Any]) -> None:
    token = creds["api_token"]
    for header in (f"SSWS {token}", f"SSWS{token}", f"SSWS  {token}"):
        response = anonymous.get("/api/v1/eventHooks", headers={"Authorization": header})
        assert response.status_code == 200, header
        assert response.json() == []


def test_missing_and_wrong_credentials(anonymous: httpx.Client, creds: dict[str, Any]) -> None:
    assert_error(anonymous.get("/api/v1/logs"), 401, "E0000005", "Invalid session")
    for header in ("SSWS 00notARealToken", "Basic dXNlcjpwYXNz", "SSWS", f"Token {creds['api_token']}"):
        response = anonymous.get("/api/v1/logs", headers={"Authorization": header})
        assert_error(response, 401, "E0000011", "Invalid token provided")


async def test_sdk_with_a_wrong_token(okta_twin: OktaTwin) -> None:
    from okta.client import Client

    client: Any = Client({"orgUrl": okta_twin.org_url, "token": "00wrongwrongwrongwrongwrongwrongwrongwrong"})
    _, _, err = await client.list_event_hooks()
    assert err.status == 401 and err.error_code == "E0000011"


def test_unknown_path_is_okta_404(client: httpx.Client) -> None:
    for path in ("/api/v1/nothing", "/api/v2/users", "/favicon.ico"):
        response = client.get(path)
        assert_error(response, 404, "E0000007")
        assert "detail" not in response.json()
        assert response.json()["errorSummary"] == f"Not found: Resource not found: {path} (GenericResource)"


def test_wrong_method_is_e0000022(client: httpx.Client) -> None:
    for method, path in (
        ("DELETE", "/api/v1/logs"),
        ("PATCH", "/api/v1/eventHooks"),
        ("POST", "/api/v1/logs"),
    ):
        response = client.request(method, path)
        assert_error(response, 405, "E0000022", "The endpoint does not support the provided HTTP method")


def test_malformed_bodies_are_e0000003(client: httpx.Client) -> None:
    json_type = {"Content-Type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b'"text"', b"", b"\xff\xfe"):
        response = client.post("/api/v1/eventHooks", content=body, headers=json_type)
        assert_error(response, 400, "E0000003", "The request body was not well-formed.")
    assert client.get("/api/v1/eventHooks").json() == []


def test_content_types(client: httpx.Client) -> None:
    ok = client.get("/api/v1/logs")
    assert ok.headers["content-type"] == "application/json"
    # A JSON body sent with another content type is read as JSON, as Okta does.
    body = b'{"name": "x", "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"]}}'
    response = client.post("/api/v1/eventHooks", content=body, headers={"Content-Type": "text/plain"})
    assert_error(response, 400, "E0000001")  # parsed, then refused for the missing channel
    deleted = client.request("DELETE", "/api/v1/eventHooks/who000000000000nope0")
    assert_error(deleted, 404, "E0000007")


def test_tenants_are_isolated(okta_twin: OktaTwin, anonymous: httpx.Client, creds: dict[str, Any]) -> None:
    org2 = okta_twin.server.new_tenant()
    try:
        check_isolation(okta_twin, anonymous, creds, org2)
    finally:
        okta_twin.server.drop_tenant(org2)


def check_isolation(okta_twin: OktaTwin, anonymous: httpx.Client, creds: dict[str, Any], org2: str) -> None:
    with okta_twin.server.admin() as admin:
        other = admin.get("/_twin/credentials", params={"tenant": org2}).json()
    assert other["api_token"] and other["api_token"] != creds["api_token"]
    hook = {
        "name": "Only in org2",
        "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"]},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://example.com/hook"}},
    }
    mine = {"Authorization": f"SSWS {creds['api_token']}"}
    theirs = {"Authorization": f"SSWS {other['api_token']}"}
    created = anonymous.post("/api/v1/eventHooks", json=hook, headers=theirs)
    assert created.status_code == 200
    hook_id = created.json()["id"]
    # The token picks its org; X-Twin-Tenant names it explicitly.
    assert [h["id"] for h in anonymous.get("/api/v1/eventHooks", headers=theirs).json()] == [hook_id]
    named = {**theirs, "X-Twin-Tenant": org2}
    assert [h["id"] for h in anonymous.get("/api/v1/eventHooks", headers=named).json()] == [hook_id]
    assert anonymous.get("/api/v1/eventHooks", headers=mine).json() == []
    assert_error(anonymous.get(f"/api/v1/eventHooks/{hook_id}", headers=mine), 404, "E0000007")
    # One org's token is no credential in another org.
    crossed = {**mine, "X-Twin-Tenant": org2}
    assert_error(anonymous.get("/api/v1/eventHooks", headers=crossed), 401, "E0000011")
    unknown = anonymous.get("/api/v1/eventHooks", headers={**mine, "X-Twin-Tenant": "nope"})
    assert_error(unknown, 400, "E0000001")
    # Each org has its own System Log.
    log2 = anonymous.get("/api/v1/logs", headers=theirs).json()
    assert [e["eventType"] for e in log2] == ["event_hook.created"]
    assert anonymous.get("/api/v1/logs", headers=mine).json() == []
