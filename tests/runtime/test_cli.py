"""The `twins` command line: help, and one-line refusals with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from twins import registry
from twins._runtime.errors import ConfigError
from twins.cli import app

SAMPLE = "sample=tests.runtime.sample:create_service"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("TWINS_EXTRA_SERVICES", SAMPLE)
    monkeypatch.setenv("TWINS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TWINS_DATABASE_URL", raising=False)
    monkeypatch.delenv("TWINS_ADMIN_TOKEN", raising=False)
    return CliRunner()


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_help_explains_itself(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"], prog_name="twins")
    assert result.exit_code == 0
    out = result.stdout
    assert "Usage: twins" in out
    for word in (
        "Okta",
        "Jira",
        "Slack",
        "twins up",
        "twins serve",
        "/_twin/",
        "serve",
        "up",
        "services",
        "import",
    ):
        assert word in out, word


def test_no_arguments_shows_help(runner: CliRunner) -> None:
    result = runner.invoke(app, [], prog_name="twins")
    assert result.exit_code == 2
    assert "Usage: twins" in result.output


def test_serve_help_lists_its_options(runner: CliRunner) -> None:
    result = runner.invoke(app, ["serve", "--help"], prog_name="twins")
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db", "--workers", "--no-admin-auth", "--admin-token", "--seed"):
        assert option in result.stdout, option


def test_serve_unknown_service(runner: CliRunner) -> None:
    result = runner.invoke(app, ["serve", "nope"], prog_name="twins")
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "unknown service 'nope'" in line
    assert "sample" in line  # lists the ones there are


def test_serve_refuses_open_admin_off_loopback(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["serve", "sample", "--host", "0.0.0.0", "--no-admin-auth"], prog_name="twins"
    )
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "--no-admin-auth" in line and "0.0.0.0" in line


@pytest.mark.parametrize(
    ("db", "fragment"),
    [
        ("mysql://x", "not supported"),
        ("postgresql://nobody@127.0.0.1:1/x", "cannot connect"),
        ("not a url://", "is not valid"),
    ],
)
def test_serve_bad_db_fails_in_one_line(runner: CliRunner, db: str, fragment: str) -> None:
    result = runner.invoke(app, ["serve", "sample", "--db", db], prog_name="twins")
    assert result.exit_code == 2
    assert fragment in one_error_line(result.stderr)
    assert "Traceback" not in result.output


def test_serve_bad_db_from_the_environment(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINS_DATABASE_URL", "mysql://x")
    result = runner.invoke(app, ["serve", "sample"], prog_name="twins")
    assert result.exit_code == 2
    assert "not supported" in one_error_line(result.stderr)


def test_serve_refuses_an_unknown_rate_limit_mode(runner: CliRunner) -> None:
    result = runner.invoke(app, ["serve", "sample", "--rate-limits", "fast"], prog_name="twins")
    assert result.exit_code == 2
    assert "rate-limit mode 'fast'" in one_error_line(result.stderr)


def test_serve_refuses_workers_on_memory(runner: CliRunner) -> None:
    result = runner.invoke(app, ["serve", "sample", "--db", ":memory:", "--workers", "2"], prog_name="twins")
    assert result.exit_code == 2
    assert "--workers" in one_error_line(result.stderr)


def test_up_unknown_service(runner: CliRunner) -> None:
    result = runner.invoke(app, ["up", "--services", "sample,nope"], prog_name="twins")
    assert result.exit_code == 2
    assert "unknown service 'nope'" in one_error_line(result.stderr)


def test_services_lists_the_extra_service(runner: CliRunner) -> None:
    result = runner.invoke(app, ["services"], prog_name="twins")
    assert result.exit_code == 0
    assert any(line.split()[:2] == ["sample", "Sample"] for line in result.stdout.splitlines())


def test_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINS_EXTRA_SERVICES", f" {SAMPLE} ,broken,missing=nosuchmodule_for_twins:create")
    names = registry.available()
    assert "sample" in names and "missing" not in names and "broken" not in names
    assert registry.load("sample").name == "sample"
    with pytest.raises(ConfigError, match="unknown service 'missing'"):
        registry.load("missing")


def test_rate_limits_come_from_the_environment_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from twins.cli import make_settings

    monkeypatch.setenv("TWINS_RATE_LIMITS", "off")
    assert make_settings(None, False, None, 42, None, None).rate_limits == "off"
    assert make_settings(None, False, None, 42, "strict", None).rate_limits == "strict"
