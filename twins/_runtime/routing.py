"""Vendor routes, flattened and indexed: a request is matched against the few routes its path can
match, instead of FastAPI's linear scan through every route and every included router.

`flatten` turns a service's router (routers including routers, as twins build them) into the plain
list of its routes, in FastAPI's matching order. `RouteIndex` is one route that goes first in the
app: it walks a tree of the routes' literal leading path segments and tries only the routes found
on the way whose path can have the request's number of segments and last segment, in their
original order, so it picks exactly the route the linear scan would have.
Anything it does not fully match (a 404, a 405, a redirect for a trailing slash) falls through to
the ordinary routes behind it, which answer as FastAPI always does.

Twin endpoints are thin: `async def f(<path params: str>, request: Request) -> Response`, parsing
their own input as the vendor does. For those, FastAPI's per-request dependency solving has nothing
to do but costs a third of a request, so the index calls them directly (`DirectCall`); any other
endpoint goes through FastAPI unchanged. `DirectLane`, the innermost middleware, answers requests
for thin endpoints before FastAPI's exception middleware, exit stack and router, which have nothing
to do for them either, applying the app's exception handlers as the exception middleware would.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

SELECTED = "twins.route"


def flatten(router: APIRouter) -> list[BaseRoute]:
    """Every route of `router` and of the routers it includes, in matching order.

    Only plain inclusions (no prefix, no dependencies, no other settings of their own) can be
    flattened without changing what a route does; anything else is an error to fix in the twin.
    """
    out: list[BaseRoute] = []
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if included is None:
            out.append(route)
            continue
        context = route.include_context  # type: ignore[attr-defined]
        if context.prefix or context.dependencies:
            raise ValueError(
                "vendor routers are included plainly; give the prefix or dependencies to the included "
                f"APIRouter itself (found prefix={context.prefix!r} on {included!r})"
            )
        out.extend(flatten(included))
    return out


def literal_segments(path: str) -> list[str]:
    """The path's leading segments that hold no parameter: `/a/b/{c}/d` -> `["a", "b"]`."""
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if "{" in segment:
            break
        out.append(segment)
    return out


class DirectCall:
    """Calls a thin endpoint with its path parameters and the request, and sends its response."""

    def __init__(self, route: APIRoute) -> None:
        dependant = route.dependant
        assert dependant.call is not None
        self.call: Callable[..., Awaitable[Response]] = dependant.call
        self.path_names = tuple(f.name for f in dependant.path_params)
        self.request_name = dependant.request_param_name
        self.route = route
        self.regex = route.path_regex
        self.methods = route.methods

    @classmethod
    def of(cls, route: BaseRoute) -> DirectCall | None:
        """A direct call if FastAPI would do nothing for this endpoint but pass it these arguments."""
        if not isinstance(route, APIRoute):
            return None
        d = route.dependant
        extras = (
            d.query_params, d.header_params, d.cookie_params, d.body_params, d.dependencies,
            d.websocket_param_name, d.http_connection_param_name, d.response_param_name,
            d.background_tasks_param_name, d.security_scopes_param_name,
        )  # fmt: skip
        if any(extras) or d.call is None or not inspect.iscoroutinefunction(d.call):
            return None
        if route.response_model is not None or route.dependency_overrides_provider is not None:
            return None
        if any(f.field_info.annotation is not str or f.alias != f.name for f in d.path_params):
            return None
        if not all(isinstance(c, StringConvertor) for c in route.param_convertors.values()):
            return None
        try:
            returns = typing.get_type_hints(d.call).get("return")
        except Exception:  # unresolvable annotations: leave it to FastAPI
            return None
        if not (inspect.isclass(returns) and issubclass(returns, Response)):
            return None
        return cls(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, handlers: Handlers) -> None:
        """Call the endpoint and send its response. An exception it raises is answered by the
        handler `handlers` has for it, as Starlette's ExceptionMiddleware would (no response has
        started: the endpoint only returns one); one without goes on up."""
        request = Request(scope, receive, send)
        params = scope["path_params"]
        kwargs = {name: params[name] for name in self.path_names}
        if self.request_name:
            kwargs[self.request_name] = request
        try:
            response = await self.call(**kwargs)
        except Exception as exc:
            handler = handlers.find(exc)
            if handler is None:
                raise
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
            if response is None:
                return
        await response(scope, receive, send)


class Handlers:
    """The app's exception handlers as ExceptionMiddleware uses them: by status code for HTTP
    exceptions, else by the nearest class in the exception's MRO; 500 and `Exception` are the
    server error handler's, outside. Read from the app's dict at each lookup (handlers may be added
    until the app starts)."""

    def __init__(self, handlers: dict[Any, Callable[..., Any]]) -> None:
        self.handlers = handlers

    def find(self, exc: Exception) -> Callable[..., Any] | None:
        handlers = self.handlers
        found = None
        if isinstance(exc, HTTPException):
            found = handlers.get(exc.status_code)
        if found is None:
            for cls in type(exc).__mro__:
                if cls is Exception:
                    break
                found = handlers.get(cls)
                if found is not None:
                    break
        return found


NO_HANDLERS = Handlers({})


class DirectLane:
    """Innermost middleware: a request for a thin vendor endpoint is answered right here, past
    FastAPI's exception middleware, exit stack and router, which have nothing to do for it (no
    dependencies, no response model); everything else goes on through them unchanged."""

    def __init__(self, app: ASGIApp, index: RouteIndex, handlers: Handlers, router: Any) -> None:
        self.app = app
        self.index = index
        self.handlers = handlers
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "fastapi" not in scope:
            found = self.index.find_direct(scope)
            if found is not None:
                direct, params = found
                if "path_params" in scope:
                    params = {**scope["path_params"], **params}
                scope.setdefault("router", self.router)
                scope["endpoint"], scope["path_params"], scope["route"] = (
                    direct.route.endpoint,
                    params,
                    direct.route,
                )
                await direct(scope, receive, send, self.handlers)
                return
        await self.app(scope, receive, send)


def shape(route: BaseRoute) -> tuple[int, str] | None:
    """What a route's path tells of the paths it can match: their number of segments and their
    last segment (`*` for a parameter); None when it can match paths of any length (a mount, a
    `{name:path}` parameter, a route that is not a plain path)."""
    if not isinstance(route, Route) or ":path}" in route.path:
        return None
    segments = route.path.split("/")[1:]
    return len(segments), ("*" if "{" in segments[-1] else segments[-1])


class _Node:
    __slots__ = ("by_length", "by_shape", "children", "own", "routes", "unshaped")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.own: list[tuple[int, BaseRoute]] = []
        self.routes: tuple[BaseRoute, ...] = ()  # own routes and every ancestor's, in order
        # The same routes narrowed by the path's length and last segment (`shape`), in order:
        self.by_shape: dict[tuple[int, str], tuple[BaseRoute, ...]] = {}
        self.by_length: dict[int, tuple[BaseRoute, ...]] = {}  # no literal last segment taken
        self.unshaped: tuple[BaseRoute, ...] = ()  # any length


_NAMED = re.compile(r"\(\?P<[^>]+>")


def _joined(routes: tuple[BaseRoute, ...]) -> re.Pattern[str] | None:
    """The routes' path patterns as alternatives `(?P<_n>…)` (their own groups made plain), or
    None when one has none."""
    parts = []
    for n, route in enumerate(routes):
        regex = getattr(route, "path_regex", None) if isinstance(route, Route | Mount) else None
        if not isinstance(regex, re.Pattern) or regex.flags & ~re.UNICODE:
            return None
        parts.append(f"(?P<_{n}>{_NAMED.sub('(?:', regex.pattern)})")
    try:
        return re.compile("|".join(parts))
    except re.error:
        return None


class RouteIndex(BaseRoute):
    """Matches HTTP requests against the candidate routes of their path only."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.root = _Node()
        self.direct: dict[int, DirectCall] = {}  # by id(): routes compare by value
        self._joined: dict[int, re.Pattern[str] | None] = {}  # candidates' patterns as one
        for route in routes:
            call = DirectCall.of(route)
            if call is not None:
                self.direct[id(route)] = call
        for order, route in enumerate(routes):
            path = route.path if isinstance(route, Route | Mount) else ""
            node = self.root
            for segment in literal_segments(path) if path else []:
                node = node.children.setdefault(segment, _Node())
            node.own.append((order, route))
        self._fill(self.root, [])

    def _fill(self, node: _Node, inherited: list[tuple[int, BaseRoute]]) -> None:
        mine = sorted([*inherited, *node.own], key=lambda item: item[0])
        node.routes = tuple(route for _, route in mine)
        shapes = [shape(route) for _, route in mine]
        lengths = {s[0] for s in shapes if s is not None}
        node.unshaped = tuple(route for (_, route), s in zip(mine, shapes, strict=True) if s is None)
        for n in lengths:
            node.by_length[n] = tuple(
                route for (_, route), s in zip(mine, shapes, strict=True) if s is None or s == (n, "*")
            )
        for n, last in {s for s in shapes if s is not None and s[1] != "*"}:
            node.by_shape[n, last] = tuple(
                route
                for (_, route), s in zip(mine, shapes, strict=True)
                if s is None or s == (n, "*") or s == (n, last)
            )
        for child in node.children.values():
            self._fill(child, mine)

    def candidates(self, path: str) -> tuple[BaseRoute, ...]:
        node = self.root
        segments = path.split("/")[1:]
        for segment in segments:
            child = node.children.get(segment)
            if child is None:
                break
            node = child
        n = len(segments)
        found = node.by_shape.get((n, segments[-1])) if segments else None
        return found if found is not None else node.by_length.get(n, node.unshaped)

    def first_path_match(self, routes: tuple[BaseRoute, ...], path: str) -> int | None:
        """The position of the first of `routes` (a node's candidates) whose path pattern matches
        `path`, by one match of their patterns joined as alternatives (tried in order, as the
        routes are) instead of one per route; 0 when some route has no pattern (each is then
        asked in turn); None if none matches."""
        if len(routes) < 4:  # one match per route costs less than one more match
            return 0
        key = id(routes)  # the nodes keep their tuples: an id names one for the index's life
        if key not in self._joined:
            self._joined[key] = _joined(routes)
        joined = self._joined[key]
        if joined is None:
            return 0
        match = joined.match(path)
        return None if match is None else int((match.lastgroup or "_0")[1:])

    def find_direct(self, scope: Scope) -> tuple[DirectCall, dict[str, Any]] | None:
        """The thin endpoint the router would pick for this HTTP request, with its path parameters;
        None when the router's pick is another kind of route, or a 404 or 405 to answer."""
        path = get_route_path(scope)
        routes = self.candidates(path)
        first = self.first_path_match(routes, path)
        if first is None:
            return None  # no route's path matches: the router answers its 404
        for route in routes[first:]:
            direct = self.direct.get(id(route))
            if direct is None:
                if route.matches(scope)[0] is Match.FULL:
                    return None  # the router's pick, not a thin endpoint
                continue  # no match, or the path without the method: a later route may match fully
            found = direct.regex.match(path)
            if found is None:
                continue
            if direct.methods and scope["method"] not in direct.methods:
                continue  # as the router: a later route of this path may take the method
            return direct, found.groupdict()  # string parameters: no conversion to make
        return None  # a 404 or a 405: the router answers it

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                child_scope[SELECTED] = route
                return match, child_scope
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope.pop(SELECTED)
        direct = self.direct.get(id(route))
        if direct is not None:
            await direct(scope, receive, send, NO_HANDLERS)  # ExceptionMiddleware is outside
        else:
            await route.handle(scope, receive, send)

    def __repr__(self) -> str:
        return f"RouteIndex({sum(1 for _ in self._all(self.root))} routes)"

    def _all(self, node: _Node) -> Any:
        yield from node.own
        for child in node.children.values():
            yield from self._all(child)
