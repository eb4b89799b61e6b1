"""The admin API's guards: token length, token comparison, and what `--no-admin-auth` still refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.hardening.conftest import ADMIN, VendorFactory
from twins.cli import app

SAMPLE = "sample=tests.runtime.sample:create_service"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("TWINS_EXTRA_SERVICES", SAMPLE)
    monkeypatch.setenv("TWINS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TWINS_DATABASE_URL", raising=False)
    monkeypatch.delenv("TWINS_ADMIN_TOKEN", raising=False)
    return CliRunner()


@pytest.mark.parametrize("command", [["serve", "sample"], ["up", "-s", "sample"]])
def test_a_short_admin_token_is_refused(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--admin-token", "short-token"], prog_name="twins")
    assert result.exit_code == 2
    assert "at least 16 characters" in result.stderr
    assert "Traceback" not in result.output


def test_a_short_admin_token_from_the_environment_is_refused(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWINS_ADMIN_TOKEN", "0123456789")
    result = runner.invoke(app, ["serve", "sample"], prog_name="twins")
    assert result.exit_code == 2
    assert "at least 16 characters" in result.stderr


async def test_a_non_ascii_admin_token_is_a_403_not_a_crash(make_vendor: VendorFactory) -> None:
    slack = await make_vendor("slack")
    resp = await slack.http.get(
        "/_twin/credentials", headers={"X-Twin-Admin-Token": "caf\xe9-token-token".encode("latin-1")}
    )
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "admin_token_invalid"
    assert (await slack.http.get("/_twin/credentials", headers=ADMIN)).status_code == 200


@pytest.mark.parametrize(
    ("host", "origin", "ok"),
    [
        ("127.0.0.1:8101", None, True),
        ("localhost:8101", "http://localhost:3000", True),
        ("acme.localhost:8101", None, True),
        ("[::1]:8101", "http://127.0.0.1:8101", True),
        ("evil.example", None, False),  # DNS rebinding: the page's own name for 127.0.0.1
        ("evil.example:8101", "http://evil.example:8101", False),
        ("127.0.0.1:8101", "https://evil.example", False),  # a cross-site form POST
        ("127.0.0.1:8101", "null", False),  # sandboxed frames and file:// pages
        ("127.0.0.1:8101", "http://localhost.evil.example", False),
    ],
)
async def test_without_admin_auth_only_this_machine_may_call(
    make_vendor: VendorFactory, host: str, origin: str | None, ok: bool
) -> None:
    slack = await make_vendor("slack", admin_auth=False)
    headers = {"Host": host, **({"Origin": origin} if origin else {})}
    for method, path in (("GET", "/_twin/credentials"), ("POST", "/_twin/reset")):
        resp = await slack.http.request(method, path, headers=headers)
        if ok:
            assert resp.status_code == 200, resp.text
        else:
            assert resp.status_code == 403, resp.text
            assert resp.json()["error"]["code"] in ("admin_host_refused", "admin_origin_refused")
            assert "bot_token" not in resp.text


async def test_a_cross_site_form_post_does_not_reset(make_vendor: VendorFactory) -> None:
    slack = await make_vendor("slack", admin_auth=False)
    posted = await slack.http.post(
        "/api/chat.postMessage", data={"channel": "#general", "text": "keep me"}, headers=slack.auth()
    )
    assert posted.json()["ok"] is True
    form = {"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"}
    assert (await slack.http.post("/_twin/reset", content=b"x=1", headers=form)).status_code == 403
    history = await slack.http.post(
        "/api/conversations.history",
        data={"channel": posted.json()["channel"], "limit": 1},
        headers=slack.auth(),
    )
    assert history.json()["messages"][0]["text"] == "keep me"


async def test_an_allowed_origin_may_use_the_open_admin_api(make_vendor: VendorFactory) -> None:
    slack = await make_vendor("slack", admin_auth=False, cors_origins=["https://tools.example"])
    resp = await slack.http.get("/_twin/health", headers={"Origin": "https://tools.example"})
    assert resp.status_code == 200
    creds = await slack.http.get("/_twin/credentials", headers={"Origin": "https://tools.example"})
    assert creds.status_code == 200


async def test_no_cors_headers_by_default(make_vendor: VendorFactory) -> None:
    slack = await make_vendor("slack")
    page = {"Origin": "https://evil.example"}
    resp = await slack.http.get("/api/auth.test", params={"token": slack.creds["bot_token"]}, headers=page)
    assert resp.json()["ok"] is True  # served (curl and SDKs send no Origin) ...
    assert not any(k.lower().startswith("access-control-") for k in resp.headers)  # ... unreadable by a page
    preflight = await slack.http.options(
        "/api/chat.postMessage", headers={**page, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_only_for_the_allowed_origins(make_vendor: VendorFactory) -> None:
    for name in ("slack", "okta"):
        vendor = await make_vendor(name, cors_origins=["http://localhost:3000"])
        allowed = {"Origin": "http://localhost:3000"}
        resp = await vendor.http.get(
            "/api/v1/users/me" if name == "okta" else "/api/auth.test", headers={**vendor.auth(), **allowed}
        )
        assert resp.status_code == 200
        assert resp.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert "Origin" in resp.headers["vary"]
        preflight = await vendor.http.options(
            "/api/v1/users" if name == "okta" else "/api/chat.postMessage",
            headers={
                **allowed,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        other = await vendor.http.get("/api/auth.test", headers={"Origin": "http://localhost:4000"})
        assert "access-control-allow-origin" not in other.headers


def test_the_cors_origin_option(runner: CliRunner) -> None:
    from twins.cli import make_settings

    settings = make_settings(
        None, True, None, 1, "off", None, cors_origins=["http://localhost:3000/", "https://a.example"]
    )
    assert settings.cors_origins == ["http://localhost:3000", "https://a.example"]
    result = runner.invoke(app, ["serve", "sample", "--cors-origin", "localhost:3000"], prog_name="twins")
    assert result.exit_code == 2
    assert "is not an origin" in result.stderr
