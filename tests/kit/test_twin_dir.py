"""A twin package in a folder is found by path (by the registry too) or refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from twins import registry
from twins._runtime.errors import ConfigError
from twins.twin_dir import load_service, module_name

INIT = """
from . import parts


def create_service():
    return parts.build()
"""
PARTS = """
from tests.kit.example_twin import kit


def build():
    return kit().service()
"""


def _twin(folder: Path) -> Path:
    folder.mkdir()
    (folder / "__init__.py").write_text(INIT)
    (folder / "parts.py").write_text(PARTS)
    return folder


def test_a_folder_twin_loads_with_relative_imports(tmp_path: Path) -> None:
    service = load_service(_twin(tmp_path / "my-twin"))
    assert service.name == "example"
    assert module_name(tmp_path / "my-twin").startswith("_twin_my_twin_")


def test_the_registry_serves_a_folder_named_in_extra_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _twin(tmp_path / "t")
    monkeypatch.setenv("TWINS_EXTRA_SERVICES", f"mine={folder}")
    assert "mine" in registry.available()
    assert registry.load("mine").name == "example"


def test_not_a_twin_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no __init__\.py"):
        load_service(tmp_path)
    (tmp_path / "__init__.py").write_text("x = 1\n")
    with pytest.raises(ConfigError, match="defines no create_service"):
        load_service(tmp_path)
