"""Credentials are random per installation (kept in the data folder), unless `--seed` is given."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from twins import cli
from twins._runtime.app import build_app
from twins._runtime.settings import Settings, install_secret
from twins.okta import create_service as okta_service
from twins.slack import create_service as slack_service

SECRET_KEYS = (
    "bot_token",
    "user_token",
    "client_secret",
    "signing_secret",
    "api_token",
    "web_app_client_secret",
)


@pytest.fixture
def up(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`twins up -s slack,okta` that prints its banner and stops instead of serving."""
    monkeypatch.delenv("TWINS_DATA_DIR", raising=False)
    monkeypatch.delenv("TWINS_DATABASE_URL", raising=False)
    monkeypatch.delenv("TWINS_ADMIN_TOKEN", raising=False)

    async def stop_at_once(servers: list[Any]) -> None:
        for server in servers:
            server.config.app.state.twin.store.stop()

    monkeypatch.setattr("twins._runtime.serve.serve_all", stop_at_once)  # `twins up` imports it when run

    def run(data_dir: Path, *extra: str) -> dict[str, str]:
        args = ["up", "-s", "slack,okta", "--data-dir", str(data_dir), *extra]
        result = CliRunner().invoke(cli.app, args, prog_name="twins")
        assert result.exit_code == 0, result.output
        printed: dict[str, str] = {}
        for line in result.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and line.startswith("  "):
                printed[parts[0]] = parts[1]
        assert set(SECRET_KEYS) <= printed.keys(), result.stdout
        return printed

    return run


def test_two_installations_print_different_credentials(up: Any, tmp_path: Path) -> None:
    one, two = up(tmp_path / "one"), up(tmp_path / "two")
    for key in SECRET_KEYS:
        assert one[key] != two[key], key


def test_a_restart_keeps_them_and_the_secret_is_private(up: Any, tmp_path: Path) -> None:
    first = up(tmp_path / "data")
    again = up(tmp_path / "data")
    assert first == again
    secret = tmp_path / "data" / "install-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) == 64


def test_an_explicit_seed_gives_the_seeds_own_credentials(up: Any, tmp_path: Path) -> None:
    one, two = up(tmp_path / "one", "--seed", "42"), up(tmp_path / "two", "--seed", "42")
    assert one == two
    assert not (tmp_path / "one" / "install-secret").exists()
    for service, key in ((slack_service(), "bot_token"), (okta_service(), "api_token")):
        app = build_app(service, Settings(db_url=":memory:", seed=42))
        ctx = app.state.twin
        assert ctx.service.credentials(ctx.default_state(), "x")[key] == one[key]  # as before
        ctx.store.stop()


def test_the_secret_is_made_once(tmp_path: Path) -> None:
    made = install_secret(tmp_path / "new")
    assert install_secret(tmp_path / "new") == made
    assert install_secret(tmp_path / "other") != made


def test_tenants_made_later_use_it_too(tmp_path: Path) -> None:
    tokens = []
    for secret in ("a" * 64, "b" * 64):
        app = build_app(slack_service(), Settings(db_url=":memory:", install_secret=secret))
        ctx = app.state.twin
        tokens.append(ctx.service.credentials(ctx.default_state(), "x")["bot_token"])
        ctx.store.stop()
    assert tokens[0] != tokens[1]


async def test_the_seeded_password_is_the_installations_own() -> None:
    import httpx

    from twins.okta.seed import DEFAULT_PASSWORD

    app = build_app(okta_service(), Settings(db_url=":memory:", install_secret="c" * 64))
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "x")
    assert creds["admin_password"] != DEFAULT_PASSWORD
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for password, status in ((creds["admin_password"], 200), (DEFAULT_PASSWORD, 401)):
            body = {"username": creds["admin_login"], "password": password}
            assert (await http.post("/api/v1/authn", json=body)).status_code == status
    ctx.store.stop()
