"""Which twins exist: service name -> the module that builds its `Service`."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

from twins._runtime.errors import ConfigError
from twins._runtime.service import Service
from twins.twin_dir import load_service

# Vendor twins shipped with the package, in start order. Extra ones (generated twins, test
# services) come from TWINS_EXTRA_SERVICES="name=module:function,..."; a target that is a folder
# ("name=/path/to/twin") is a twin package loaded by path (`twins.twin_dir`).
BUILTIN: dict[str, str] = {
    "slack": "twins.slack:create_service",
    "okta": "twins.okta:create_service",
    "jira": "twins.jira:create_service",
}


def _entries() -> dict[str, str]:
    entries = dict(BUILTIN)
    for item in filter(None, os.environ.get("TWINS_EXTRA_SERVICES", "").split(",")):
        name, _, target = item.strip().partition("=")
        if name and target:
            entries[name] = target
    return entries


def _is_folder(target: str) -> bool:
    return (os.sep in target or target.startswith(".")) and Path(target).is_dir()


def available() -> list[str]:
    """Names of the twins that exist in this installation (their module has the factory)."""
    out = []
    for name, target in _entries().items():
        if _is_folder(target):
            out.append(name)
            continue
        module, _, func = target.partition(":")
        if importlib.util.find_spec(module) is None:
            continue
        if hasattr(importlib.import_module(module), func or "create_service"):
            out.append(name)
    return out


def load(name: str) -> Service:
    """The service called `name`, or a ConfigError that lists the ones there are."""
    target = _entries().get(name)
    if target is None or name not in available():
        have = ", ".join(available()) or "none"
        raise ConfigError(f"unknown service {name!r}; available: {have}")
    if _is_folder(target):
        return load_service(Path(target))
    module_name, _, func = target.partition(":")
    factory = getattr(importlib.import_module(module_name), func or "create_service")
    service = factory()
    assert isinstance(service, Service)
    return service
