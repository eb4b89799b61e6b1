"""All HTTP routes of the Okta twin, one module per resource family."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

from twins._runtime.context import TwinContext


def build_routes(ctx: TwinContext) -> APIRouter:
    """Include the `router` of every module in this package (each builds its own)."""
    router = APIRouter()
    for name in sorted(info.name for info in pkgutil.iter_modules(__path__)):
        module = importlib.import_module(f"{__name__}.{name}")
        build = getattr(module, "build_router", None)
        if build is not None:
            router.include_router(build(ctx))
    return router
