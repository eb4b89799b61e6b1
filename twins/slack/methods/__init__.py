"""Registry of Web API methods; each family module registers its handlers with `@method`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from twins._runtime.context import TwinContext
from twins.slack.call import Call, Params

Handler = Callable[[Call], dict[str, Any]]
# For methods without a token (oauth.v2.access): the tenant the request's params point at, if any.
TenantResolver = Callable[[TwinContext, Request, Params], str | None]


@dataclass(frozen=True)
class Method:
    name: str
    fn: Handler
    write: bool
    auth: bool
    tenant: TenantResolver | None = None


METHODS: dict[str, Method] = {}


def method(
    name: str, *, write: bool = False, auth: bool = True, tenant: TenantResolver | None = None
) -> Callable[[Handler], Handler]:
    """Register a handler. `write` handlers run in a committed store operation."""

    def register(fn: Handler) -> Handler:
        METHODS[name] = Method(name, fn, write, auth, tenant)
        return fn

    return register


def load_all() -> dict[str, Method]:
    """Import every family module in this package (once) and return the registry."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return METHODS
