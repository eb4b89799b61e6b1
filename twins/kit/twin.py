"""`Kit`: a twin described as data (operations, auth, error style, pagers, outbox, extensions,
limits, schema migrations), turned into the runtime's `Service` by `Kit.service()`.

The runtime builds from the table the FastAPI endpoints (one thin endpoint per operation and
prefix, which the route index's fast lane calls directly), the RPC endpoint, the OpenAPI
document (`GET /_twin/<service>/openapi.json`), the outbox's admin view
(`GET /_twin/<service>/outbox`) and what COVERAGE.md needs (`Service.implements`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypedDict

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, Response

from twins._runtime.admin import tenant_state
from twins._runtime.collection import CollectionSpec, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError, TwinError
from twins._runtime.migrations import Migration
from twins._runtime.ratelimit import Limit, RateLimiter
from twins._runtime.service import Service
from twins.kit.auth import Caller, check_declared
from twins.kit.errors import ErrorStyle, compact
from twins.kit.extensions import Factory
from twins.kit.limits import PreRouteLimit, PreRouting
from twins.kit.openapi import document, implements
from twins.kit.operations import RPC, Operation, Registry
from twins.kit.outbox import Outbox
from twins.kit.runtime import KitRuntime

RUNTIME = "kit"


def ok_envelope(body: Any) -> Any:
    """Slack's Web API answer: `{"ok": true, …}`."""
    return {"ok": True, **(body or {})}


@dataclass(kw_only=True)
class Mount:
    """Operations served together: their registries, the error style, and what serving them needs
    (RPC path and envelope, outbox, extensions, rate limits). `routes(ctx)` gives their router,
    so a twin not (yet) described by a `Kit` can serve some operations from the kit."""

    style: ErrorStyle
    registries: Sequence[Registry]
    rpc_path: str = "/api/{method}"
    envelope: Callable[[Any], Any] = ok_envelope
    encode: Callable[[Any], bytes] = compact  # a reply body's JSON
    outbox: Callable[[], Outbox] | None = None
    extensions: Sequence[Factory] = ()
    limits: Mapping[str, Limit] = field(default_factory=dict)
    env: Callable[[str, dict[str, Any]], dict[str, str]] = field(default=lambda url, creds: {})
    # Headers of every answer of an operation, error or not, from who called (None: not known
    # yet): Slack's X-OAuth-Scopes and X-Accepted-OAuth-Scopes.
    answer_headers: Callable[[Operation, Caller | None], Mapping[str, str]] | None = None
    # Work that has come due by the tenant clock, done before a call reads the state (Slack's
    # scheduled messages); returns the state the call then uses.
    before_call: Callable[[TwinContext, TenantState], Awaitable[TenantState]] | None = None
    # Whose rate windows a caller counts in (default: its subject; Slack counts per app).
    rate_subject: Callable[[Caller], str] | None = None
    # Calls counted before routing, in buckets by method and path (Okta's org-wide limits).
    pre_route_limit: PreRouteLimit | None = None

    def operations(self) -> list[Operation]:
        return [op for registry in self.registries for op in registry.ops]

    def check(self) -> None:
        """Start-up checks of the table: scopes named where required, no route given twice."""
        seen: set[tuple[str, str]] = set()
        for op in self.operations():
            check_declared(f"{op.method} {op.path}", op.auth, op.scope)
            for path in op.paths if op.method != RPC else [op.path]:
                if (op.method, path) in seen:
                    raise ValueError(f"{op.method} {path} is registered twice")
                seen.add((op.method, path))
        for op in self.operations():
            if op.rate is not None and op.rate not in self.limits:
                raise ValueError(
                    f"{op.method} {op.path}: rate bucket {op.rate!r} is not in the twin's limits"
                )

    def middleware(self) -> Callable[..., Any] | None:
        """The `Service.middleware` that counts calls before routing (None: no pre-route limit)."""
        if self.pre_route_limit is None:
            return None
        return partial(PreRouting, limit=self.pre_route_limit, style=self.style, limiter=_limiter)

    def retry_after(self, retry_after: int, request: Request) -> TwinError:
        """The `Service.rate_limited` hook: a 429 from fault injection, in the style (with the
        pre-route bucket's headers when there is a pre-route limit)."""
        if self.pre_route_limit is not None:
            return self.pre_route_limit.injected(self.style, retry_after, request)
        return self.style.retry_after(retry_after, request)

    def routes(self, ctx: TwinContext) -> APIRouter:
        """One endpoint per REST operation and prefix, and the RPC endpoint if there are methods."""
        self.check()
        runtime = KitRuntime(self, ctx)
        ctx.extras.setdefault(RUNTIME, runtime)  # a twin's own Kit is its first mount
        router = APIRouter()
        ops = self.operations()
        for op in ops:
            for path in op.paths if op.method != RPC else []:
                endpoint = runtime.endpoint(op)
                router.add_api_route(
                    path, endpoint, methods=[op.method], name=op.name, include_in_schema=True
                )
        if any(op.method == RPC for op in ops):
            param = self.rpc_path.rsplit("{", 1)[1].rstrip("}")
            router.add_api_route(
                self.rpc_path, runtime.rpc_endpoint(param), methods=["GET", "POST"], include_in_schema=True
            )
        return router


@dataclass(kw_only=True)
class Kit(Mount):
    """A twin built on the kit: its tables, seed and credentials, its operations (a `Mount`), and
    what it serves beside them, each optional: routes of its own, admin routes, answers of its
    own where the framework would answer, upload paths, start and reset work."""

    name: str
    title: str
    default_port: int
    collections: list[CollectionSpec]
    metadata: sa.MetaData | None
    seed: Callable[[TenantState, int], None]
    credentials: Callable[[TenantState, str], dict[str, Any]]
    credential_from_headers: Callable[[Mapping[str, str], Mapping[str, str]], str | None]
    migrations: Sequence[Migration] = ()
    # Routes that are not operations (Slack's OAuth pages, webhooks and response URLs), each added
    # to the operations' router after them.
    more_routes: Sequence[Callable[[APIRouter], None]] = ()
    # The twin's own /_twin/<name> routes, after the kit's openapi.json and outbox.
    admin: Callable[[TwinContext], APIRouter] | None = None
    # The twin's rendering of every error, and its error where the framework would have answered
    # (404, 405, 422, 500...); None: the style's.
    render_error: Callable[[TwinError, Request], Response] | None = None
    http_error: Callable[[int, Request, str], TwinError] | None = None
    upload_paths: tuple[str, ...] = ()  # path prefixes whose bodies may reach `Settings.max_upload`
    # COVERAGE.md's matcher, from the table: by path shape, or `openapi.by_route`.
    coverage: Callable[[Sequence[Operation]], Callable[[str, str], bool]] = implements
    start: Callable[[TwinContext], None] | None = None  # after the kit's runtime starts
    forget: Callable[[TwinContext, str], None] | None = None  # a reset tenant, after the runtime's

    def service(self) -> Service:
        """The runtime's view of this twin (checked first: a bad table fails here)."""
        self.check()
        return Service(
            name=self.name,
            title=self.title,
            default_port=self.default_port,
            collections=self.collections,
            metadata=self.metadata,
            routes=self.routes,
            render_error=self.render_error or self.style.render,
            http_error=self.http_error or self.style.http_error,
            seed=self.seed,
            credentials=self.credentials,
            credential_from_headers=self.credential_from_headers,
            rate_limited=self.retry_after,
            middleware=self.middleware(),
            admin_routes=self.admin_routes,
            **lifecycle(self.start, self.forget),
            implements=self.coverage(self.operations()),
            upload_paths=self.upload_paths,
            migrations=list(self.migrations),
            env=self.env,
        )

    def routes(self, ctx: TwinContext) -> APIRouter:
        """The operations' router (`Mount.routes`), then the twin's other routes on it."""
        router = super().routes(ctx)
        for add in self.more_routes:
            add(router)
        return router

    def admin_routes(self, ctx: TwinContext) -> APIRouter:
        router = APIRouter()
        operations = self.operations()

        @router.get("/openapi.json")
        async def openapi() -> JSONResponse:
            """The vendor API this twin serves, as OpenAPI 3.1, built from its operation table."""
            return JSONResponse(document(self.title, operations, self.rpc_path))

        router.include_router(outbox_routes(ctx, self.name))
        if self.admin is not None:
            router.include_router(self.admin(ctx))
        return router


def outbox_routes(ctx: TwinContext, name: str) -> APIRouter:
    """GET /_twin/<service>/outbox: the outbound delivery attempts of a tenant (a `Kit` has it; a
    twin serving a `Mount` includes it in its admin routes)."""
    router = APIRouter()

    @router.get("/outbox")
    async def outbox_attempts(
        request: Request, tenant: str | None = None, after: int = 0, status: str | None = Query(None)
    ) -> Response:
        """Outbound delivery attempts of a tenant (`?tenant=`, else the request's `X-Twin-Tenant`,
        else the default one), oldest first; `?status=failed`, `?after=<id>`."""
        outbox = runtime_of(ctx).outbox
        if outbox is None:
            raise AdminError(404, "not_found", f"the {name} twin sends no outbound deliveries")
        state = tenant_state(ctx, request, tenant)
        attempts = outbox.log.matching(state.id, after, status=status)
        return JSONResponse({"attempts": attempts, "pending": outbox.pending(state.id)})

    return router


def _limiter(ctx: TwinContext) -> RateLimiter:
    return runtime_of(ctx).limiter


class Lifecycle(TypedDict):
    """The `Service` hooks of a twin served by the kit."""

    on_start: Callable[[TwinContext], None]
    on_stop: Callable[[TwinContext], None]
    on_reset: Callable[[TwinContext, str], None]


def lifecycle(
    start: Callable[[TwinContext], None] | None = None,
    forget: Callable[[TwinContext, str], None] | None = None,
) -> Lifecycle:
    """`Service(..., **lifecycle())`: the kit's runtime (outbox, rate windows, extensions) started
    with the server, stopped with it and cleared for a tenant that is reset; a twin's own `start`
    runs after the runtime's, its own `forget` after the runtime's."""

    def on_start(ctx: TwinContext) -> None:
        runtime_of(ctx).start()
        if start is not None:
            start(ctx)

    def on_reset(ctx: TwinContext, tenant: str) -> None:
        runtime_of(ctx).forget(tenant)
        if forget is not None:
            forget(ctx, tenant)

    return Lifecycle(on_start=on_start, on_stop=lambda ctx: runtime_of(ctx).stop(), on_reset=on_reset)


def runtime_of(ctx: TwinContext) -> KitRuntime:
    """The kit runtime `Kit.routes` built for this context."""
    runtime = ctx.extras.get(RUNTIME)
    if not isinstance(runtime, KitRuntime):
        raise LookupError("this twin is not built on the kit")
    return runtime
