"""All HTTP routes of the Okta twin, one module per resource family."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

from twins._runtime.context import TwinContext

# Routes are tried in order, so the families that carry most requests come first (users, then
# OAuth), the rest by name. No path of these two families can match a route of another family
# (tests/okta/test_route_order.py checks it), so the order changes no answer, only its cost.
FIRST = ("users", "oauth")


def build_routes(ctx: TwinContext) -> APIRouter:
    """Include the `router` of every module in this package (each builds its own)."""
    router = APIRouter()
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    for name in [*FIRST, *(n for n in names if n not in FIRST)]:
        module = importlib.import_module(f"{__name__}.{name}")
        build = getattr(module, "build_router", None)
        if build is not None:
            router.include_router(build(ctx))
    return router
