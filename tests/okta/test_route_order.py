"""The busiest route families are tried first; that may change no answer, only what it costs."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Sequence

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from twins.okta import routes
from twins.okta.routes import FIRST


def families(app: FastAPI) -> dict[str, list[APIRoute]]:
    """Each module's routes as its own `build_router` makes them."""
    ctx = app.state.twin
    out: dict[str, list[APIRoute]] = {}
    for info in pkgutil.iter_modules(routes.__path__):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        build = getattr(module, "build_router", None)
        if build is not None:
            out[info.name] = [r for r in build(ctx).routes if isinstance(r, APIRoute)]
    return out


def may_overlap(a: str, b: str) -> bool:
    """Whether some request path could match both route paths (a `{param}` matches one segment)."""
    left, right = a.strip("/").split("/"), b.strip("/").split("/")
    if any(":path}" in s for s in left + right):
        return True
    if len(left) != len(right):
        return False
    return all(x == y or x.startswith("{") or y.startswith("{") for x, y in zip(left, right, strict=True))


def test_first_families_share_no_path_with_the_others(okta_app: FastAPI) -> None:
    found = families(okta_app)
    assert set(FIRST) <= set(found)
    for first in FIRST:
        for route in found[first]:
            for name, others in found.items():
                if name in FIRST:
                    continue
                clashes = [o.path for o in others if may_overlap(route.path, o.path)]
                assert not clashes, (first, route.path, name, clashes)


def route_paths(items: Sequence[BaseRoute]) -> Iterator[str]:
    """Paths in the order routing tries them, through included routers (however FastAPI keeps them)."""
    for item in items:
        if isinstance(item, APIRoute):
            yield item.path
        elif isinstance(getattr(item, "original_router", None), APIRouter):
            yield from route_paths(item.original_router.routes)  # type: ignore[attr-defined]


def test_routes_are_tried_first_families_then_by_name(okta_app: FastAPI) -> None:
    found = families(okta_app)
    expected = [r.path for name in [*FIRST, *sorted(n for n in found if n not in FIRST)] for r in found[name]]
    tried = list(route_paths(routes.build_routes(okta_app.state.twin).routes))
    assert tried == expected
    assert tried.index("/api/v1/users/{id_or_login}") < tried.index("/oauth2/{server}/v1/token")
    assert tried.index("/oauth2/{server}/v1/token") < tried.index("/api/v1/apps")
    assert tried.index("/api/v1/groups/rules") < tried.index("/api/v1/groups/{group_id}")
