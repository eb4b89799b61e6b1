"""A twin kept in a folder of its own (a generated twin): a package whose `__init__.py` defines
`create_service()`. It is imported by path, so the folder can live anywhere (`--twin DIR`), and
its modules import one another relatively (`from . import ops`)."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from twins._runtime.errors import ConfigError
from twins._runtime.service import Service

FACTORY = "create_service"


def module_name(folder: Path) -> str:
    """A module name unique to the folder's absolute path, stable across processes."""
    resolved = folder.resolve()
    stem = re.sub(r"\W", "_", resolved.name) or "twin"
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    return f"_twin_{stem}_{digest}"


def load_module(folder: Path) -> ModuleType:
    """Import the package in `folder` (once per process)."""
    name = module_name(folder)
    if name in sys.modules:
        return sys.modules[name]
    init = folder / "__init__.py"
    if not init.is_file():
        raise ConfigError(f"{folder}: not a twin folder (no __init__.py); make one with `twins generate`")
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(folder.resolve())]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        raise
    return module


def load_service(folder: Path) -> Service:
    """The `Service` the twin in `folder` describes."""
    factory = getattr(load_module(folder), FACTORY, None)
    if not callable(factory):
        raise ConfigError(f"{folder}: its __init__.py defines no {FACTORY}()")
    service = factory()
    if not isinstance(service, Service):
        raise ConfigError(f"{folder}: {FACTORY}() returned {type(service).__name__}, not a Service")
    return service
