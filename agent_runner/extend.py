"""Generated operations layered under a hand-built twin: the hand-built routes come first (they
win where both serve a path), the generated ones after them, on the same tenant state (the
generated documents' tables join the twin's, and the generated engine finds a parent among the
twin's own rows, so a user the hand-built code made has roles, factors... through the new ones).
It goes through the kit's `Mount` and the runtime's `Service` only, so any twin can be extended."""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

from fastapi import APIRouter

from agent_runner.model import ServiceModel
from twins._runtime.app import build_app
from twins._runtime.context import TwinContext
from twins._runtime.service import Service
from twins._runtime.settings import Settings
from twins.kit.documents import COLLECTIONS
from twins.kit.twin import Mount
from twins.twin_dir import load_module


def served_routes(service: Service) -> list[tuple[str, re.Pattern[str]]]:
    """(METHOD, path pattern) of every vendor route of a twin, from an app built in memory."""
    app = build_app(service, Settings.from_env(db_url=":memory:", admin_auth=False, rate_limits="off"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = app.openapi()
    finally:
        app.state.twin.store.stop()
    out = []
    for path, operations in document.get("paths", {}).items():
        if path.startswith("/_twin"):
            continue
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?$")
        out += [(method.upper(), pattern) for method in operations]
    return out


def only_unserved(model: ServiceModel, service: Service) -> ServiceModel:
    """The model without the operations the twin already serves."""
    routes = served_routes(service)
    out = model.model_copy(deep=True)

    def served(method: str, path: str) -> bool:
        return any(m == method and p.match(path) for m, p in routes)

    out.operations = [
        op for op in model.operations if not served(op.method, op.example.path if op.example else op.path)
    ]
    return out


def extended(service: Service, folder: Path) -> Service:
    """`service` with the generated operations in `folder` served after its own."""
    module = load_module(folder)
    mount = getattr(module, "mount", None)
    if not callable(mount):
        raise ValueError(f"{folder}: not a generated twin (its __init__.py has no mount())")
    extra: Mount = mount()
    have = {spec.name for spec in service.collections}
    collections = service.collections + [spec for spec in COLLECTIONS if spec.name not in have]

    def routes(ctx: TwinContext) -> APIRouter:
        router = APIRouter()
        router.include_router(service.routes(ctx))
        router.include_router(extra.routes(ctx))
        return router

    return dataclasses.replace(service, collections=collections, routes=routes, implements=None)
