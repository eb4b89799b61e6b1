"""The route index against Starlette's own matching, over the real route tables of the Slack and
Okta twins and of the kit's example twin: for any request, the index picks the route the linear
scan would pick (or leaves it to the scan), and the fast lane calls only what the scan would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import BaseRoute, Match

from tests.kit.example_twin import create_service as example_service
from twins._runtime.app import build_app
from twins._runtime.routing import RouteIndex, literal_segments
from twins._runtime.settings import Settings
from twins.registry import load

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
PARAM = re.compile(r"\{[^}]+\}")
SEGMENT = st.text(alphabet="abcXYZ019-_.~%", min_size=1, max_size=8)


@pytest.fixture(scope="module")
def apps() -> Iterator[dict[str, FastAPI]]:
    built = {
        name: build_app(service, Settings(db_url=":memory:", admin_token="t"))
        for name, service in (
            ("slack", load("slack")),
            ("okta", load("okta")),
            ("example", example_service()),
        )
    }
    yield built
    for app in built.values():
        app.state.twin.store.stop()


def tables(app: FastAPI) -> tuple[RouteIndex, list[BaseRoute]]:
    """The app's index and the vendor routes it indexes, in the order the router tries them.
    (FastAPI's own documentation routes, under /_twin, stand between them in the app.)"""
    index = app.router.routes[0]
    assert isinstance(index, RouteIndex)
    indexed = {id(route) for _, route in index._all(index.root)}
    vendor = [r for r in app.router.routes[1:] if id(r) in indexed]
    assert len(vendor) == len(indexed)
    return index, vendor


def scope_of(method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }


def linear(routes: list[BaseRoute], scope: dict[str, Any]) -> tuple[BaseRoute, Any] | None:
    """Starlette's choice: the first route that matches fully."""
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.FULL:
            return route, child
    return None


@st.composite
def requests(draw: st.DrawFn, templates: list[str], words: list[str]) -> tuple[str, str]:
    """A method and a path: a route's template filled in (sometimes cut or lengthened), or
    segments drawn from the tables' own words and random ones."""
    method = draw(st.sampled_from(METHODS))
    if draw(st.booleans()):
        template = draw(st.sampled_from(templates))
        # A parameter is filled with a random segment or with one of the tables' literal words,
        # so that a literal route and a parameter route often both match.
        path = PARAM.sub(lambda _m: draw(st.one_of(SEGMENT, st.sampled_from(words))), template)
        change = draw(st.sampled_from(("none", "none", "cut", "extend", "slash")))
        if change == "cut":
            path = path.rsplit("/", 1)[0] or "/"
        elif change == "extend":
            path = f"{path}/{draw(st.sampled_from(words))}"
        elif change == "slash":
            path += "/"
        return method, path
    parts = draw(st.lists(st.one_of(st.sampled_from(words), SEGMENT), min_size=0, max_size=6))
    return method, "/" + "/".join(parts)


@pytest.mark.parametrize("name", ["slack", "okta", "example"])
def test_the_index_picks_what_starlette_picks(apps: dict[str, FastAPI], name: str) -> None:
    index, vendor = tables(apps[name])
    templates = [str(getattr(r, "path", "")) for r in vendor]
    words = sorted({s for t in templates for s in literal_segments(t)} | {"_twin", "x"})

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(requests(templates, words))
    def check(request: tuple[str, str]) -> None:
        scope = scope_of(*request)
        expected = linear(vendor, scope)
        match, child = index.matches(dict(scope))
        if expected is None:
            assert match is Match.NONE
        else:
            assert match is Match.FULL
            assert child.pop("twins.route") is expected[0]
            assert child == expected[1]
        direct = index.find_direct(dict(scope))
        if direct is not None:
            assert expected is not None and direct[0].route is expected[0]
            assert direct[1] == expected[1]["path_params"]

    check()


def test_every_real_route_is_found_by_its_own_path(apps: dict[str, FastAPI]) -> None:
    for app in apps.values():
        index, routes = tables(app)
        assert len(routes) > 5
        for route in routes:
            methods = sorted(getattr(route, "methods", None) or ["GET"])
            scope = scope_of(methods[0], PARAM.sub("p1", str(getattr(route, "path", ""))))
            expected = linear(routes, scope)
            assert expected is not None  # its own path reaches it, or an earlier route
            match, child = index.matches(dict(scope))
            assert match is Match.FULL and child["twins.route"] is expected[0]


def overlapping(templates: list[str]) -> Iterator[str]:
    """Paths where a literal route and a parameter route both match: each parameter filled with
    the literal segments other templates have at the same position."""
    at: dict[int, set[str]] = {}
    for template in templates:
        for i, segment in enumerate(template.split("/")):
            if segment and "{" not in segment:
                at.setdefault(i, set()).add(segment)
    for template in templates:
        segments = template.split("/")
        for i, segment in enumerate(segments):
            if "{" in segment:
                for word in sorted(at.get(i, ())):
                    yield PARAM.sub("p1", "/".join([*segments[:i], word, *segments[i + 1 :]]))


@pytest.mark.parametrize("name", ["slack", "okta", "example"])
def test_where_routes_overlap_the_index_keeps_starlettes_order(apps: dict[str, FastAPI], name: str) -> None:
    index, vendor = tables(apps[name])
    overlaps = 0
    for path in sorted(set(overlapping([str(getattr(r, "path", "")) for r in vendor]))):
        for method in ("GET", "POST", "PUT", "DELETE"):
            scope = scope_of(method, path)
            full = [r for r in vendor if r.matches(scope)[0] is Match.FULL]
            overlaps += len(full) > 1
            match, child = index.matches(dict(scope))
            assert (match is Match.FULL) == bool(full)
            if full:
                assert child["twins.route"] is full[0], (method, path)
    if name == "okta":
        assert overlaps >= 3  # the sweep does reach routes that shadow each other
