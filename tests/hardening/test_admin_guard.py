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
