"""Configuration: database URLs, settings from the environment, and combinations that are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runtime.conftest import AppFactory
from tests.runtime.sample import create_service
from twins._runtime.app import build_app
from twins._runtime.db import create_engine, normalize_url
from twins._runtime.errors import ConfigError
from twins._runtime.serve import check_settings, is_loopback
from twins._runtime.settings import Settings


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://x", "database 'mysql' is not supported"),
        ("postgresql://nobody@127.0.0.1:1/x", "cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/x"),
        ("not a url://", "is not valid"),
        ("postgresql://x@host:notaport/db", "is not valid"),
        ("http://example.com/db", "database 'http' is not supported"),
        ("postgresql://u:secret@127.0.0.1:1/x", "cannot connect to postgresql+psycopg://u:***@127.0.0.1:1/x"),
        ("postgresql://u:secret@h:notaport/db", "'postgresql+psycopg://u:***@h:notaport/db' is not valid"),
    ],
)
def test_bad_database_urls_are_one_line_config_errors(url: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        create_engine(url)
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message
    assert "secret" not in message


def test_unwritable_sqlite_folder_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError) as info:
        create_engine(f"sqlite:///{blocker}/sub/twin.db")
    assert "\n" not in str(info.value)
    assert "cannot create the folder" in str(info.value)


def test_sqlite_file_that_is_not_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "twin.db"
    folder.mkdir()  # a directory where the file should be
    with pytest.raises(ConfigError) as info:
        create_engine(f"sqlite:///{folder}")
    assert "\n" not in str(info.value)
    assert "cannot connect" in str(info.value)


def test_build_app_raises_the_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not supported"):
        build_app(create_service(), Settings(data_dir=tmp_path, db_url="mysql://x"))


@pytest.mark.postgres
def test_unknown_postgres_option_is_a_config_error(postgres_url: str) -> None:
    with pytest.raises(ConfigError) as info:
        create_engine(postgres_url + "&bogus=1")
    assert "\n" not in str(info.value)
    assert "bogus" in str(info.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (":memory:", "sqlite://"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite://"),
        ("twin.db", "sqlite:///twin.db"),
        ("/abs/twin.db", "sqlite:////abs/twin.db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_default_database_is_a_file_under_the_data_dir(make_app: AppFactory, tmp_path: Path) -> None:
    make_app(data_dir=tmp_path / "deep" / "er")
    assert (tmp_path / "deep" / "er" / "sample.db").is_file()


def test_bare_path_is_a_sqlite_file(make_app: AppFactory, tmp_path: Path) -> None:
    make_app(db_url=str(tmp_path / "bare.db"))
    assert (tmp_path / "bare.db").is_file()


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TWINS_DATABASE_URL", "sqlite:///env.db")
    monkeypatch.setenv("TWINS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TWINS_ADMIN_TOKEN", "from-env")
    monkeypatch.setenv("TWINS_RATE_LIMITS", "off")
    settings = Settings.from_env(seed=9, db_url=None)
    assert settings.db_url == "sqlite:///env.db"
    assert settings.data_dir == tmp_path
    assert settings.admin_token == "from-env"
    assert settings.rate_limits == "off"
    assert settings.seed == 9
    assert settings.database_url("sample") == "sqlite:///env.db"
    assert Settings.from_env(admin_token="explicit").admin_token == "explicit"


def test_settings_generate_an_admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWINS_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("TWINS_DATABASE_URL", raising=False)
    one, two = Settings.from_env(), Settings.from_env()
    assert one.admin_token.startswith("twa_") and len(one.admin_token) > 20
    assert one.admin_token != two.admin_token
    assert one.database_url("okta") == f"sqlite:///{Path('.twins') / 'okta.db'}"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    check_settings(Settings(admin_auth=False), host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_no_admin_auth_is_refused_off_loopback(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match="--no-admin-auth is allowed only on a loopback host"):
        check_settings(Settings(admin_auth=False), host)
    check_settings(Settings(admin_auth=True), host)


def test_other_refused_settings() -> None:
    with pytest.raises(ConfigError, match="rate-limit mode 'fast' is unknown"):
        check_settings(Settings(rate_limits="fast"), "127.0.0.1")
    with pytest.raises(ConfigError, match="--workers > 1"):
        check_settings(Settings(db_url=":memory:"), "127.0.0.1", workers=2)
    check_settings(Settings(db_url=":memory:"), "127.0.0.1", workers=1)


@pytest.mark.parametrize(("value", "shared"), [("1", True), ("true", True), ("", False), ("0", False)])
def test_twins_shared_makes_a_replica_of_a_shared_database(
    monkeypatch: pytest.MonkeyPatch, value: str, shared: bool
) -> None:
    monkeypatch.setenv("TWINS_SHARED", value)
    assert Settings.from_env().shared is shared
