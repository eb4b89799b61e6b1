"""A twin works under Starlette's TestClient, whose scope carries `server` as a list."""

from __future__ import annotations

import warnings
from pathlib import Path

from twins import registry
from twins._runtime.app import build_app
from twins._runtime.settings import Settings

TOKEN = "admin-token-for-tests-0123456789"


def test_okta_links_under_testclient(tmp_path: Path) -> None:
    with warnings.catch_warnings():  # newer Starlette would rather run its TestClient on httpx2
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    app = build_app(registry.load("okta"), Settings(data_dir=tmp_path, admin_token=TOKEN, seed=1))
    with TestClient(app, base_url="http://acme.test") as client:
        creds = client.get("/_twin/credentials", headers={"X-Twin-Admin-Token": TOKEN}).json()
        resp = client.get("/api/v1/users/me", headers={"Authorization": f"SSWS {creds['api_token']}"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["_links"]["self"]["href"].startswith("http://acme.test/api/v1/users/")
