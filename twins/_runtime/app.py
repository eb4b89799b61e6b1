"""`build_app(service, settings)`: one FastAPI app per twin, with the store and `/_twin` mounted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import psycopg
import sqlalchemy.exc
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from twins._runtime.admin import admin_error_response, build_admin_router, require_admin
from twins._runtime.context import TwinContext
from twins._runtime.cors import Cors
from twins._runtime.db import create_engine
from twins._runtime.errors import AdminError, TwinError, WriteConflict
from twins._runtime.faults import DroppedConnection, Faults
from twins._runtime.journal import ADMIN_PREFIX, Journal
from twins._runtime.limits import BodyLimit
from twins._runtime.middleware import TwinMiddleware
from twins._runtime.routing import DirectLane, Handlers, RouteIndex, flatten
from twins._runtime.service import Service
from twins._runtime.settings import Settings
from twins._runtime.store import Store

log = logging.getLogger("twins")
# What a database or the interpreter refuses about a client's input (NUL in PostgreSQL text, an
# unpaired surrogate, nesting past the stack), where a vendor's own checks did not catch it first.
UNSTORABLE: tuple[type[Exception], ...] = (
    psycopg.DataError,
    sqlalchemy.exc.DataError,
    UnicodeEncodeError,
    RecursionError,
)
# The admin API keeps nothing of its own (each route finds its twin through the request), so the
# apps of a process include one router: building it costs about 25 ms of CPU, a fifth of an app.
admin_router = cache(build_admin_router)


def build_app(service: Service, settings: Settings | None = None) -> FastAPI:
    """Build the twin: engine, schema, tenants (the default one seeded), routes, admin API."""
    settings = settings or Settings.from_env()
    engine = create_engine(settings.database_url(service.name))
    store = Store(
        service.name,
        engine,
        service.collections,
        service.metadata,
        service.seed,
        shared=settings.shared,
        migrations=service.migrations,
        secret=settings.install_secret,
    )
    store.start()
    if store.get(settings.default_tenant) is None:
        try:
            store.create_tenant_now(settings.default_tenant, settings.seed, settings.seed_size)
        except WriteConflict:  # shared mode: another worker created it first
            store.refresh(settings.default_tenant)
    ctx = TwinContext(
        service=service,
        settings=settings,
        store=store,
        journal=Journal(service.name, settings.journal_limit, settings.journal_bytes),
        faults=Faults(),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if service.on_start is not None:
            service.on_start(ctx)
        try:
            yield
        finally:
            if service.on_stop is not None:
                service.on_stop(ctx)
            store.stop()

    app = FastAPI(
        title=f"{service.title} twin",
        lifespan=lifespan,
        docs_url=f"{ADMIN_PREFIX}/docs",
        redoc_url=None,
        openapi_url=f"{ADMIN_PREFIX}/openapi.json",
        # No OpenTelemetry of the twin's own: it would check the providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.twin = ctx
    # Vendor routes first: they carry the traffic. The index finds a request's route among few.
    vendor = flatten(service.routes(ctx))
    paths = [str(getattr(r, "path", "")) for r in vendor]
    clash = [p for p in paths if p.startswith(ADMIN_PREFIX)]
    if clash:
        raise ValueError(f"{service.name} routes may not live under {ADMIN_PREFIX}: {clash}")
    index = RouteIndex(vendor)
    app.router.routes.insert(0, index)  # matched first: see routing.py
    app.router.routes.extend(vendor)
    app.include_router(admin_router())
    if service.admin_routes is not None:
        app.include_router(
            service.admin_routes(ctx),
            prefix=f"{ADMIN_PREFIX}/{service.name}",
            dependencies=[Depends(require_admin)],
        )
    install_error_handlers(app, ctx)
    app.add_middleware(DirectLane, index=index, handlers=Handlers(app.exception_handlers), router=app.router)
    if service.middleware is not None:
        app.add_middleware(service.middleware, ctx=ctx)  # type: ignore[call-arg]
    app.add_middleware(TwinMiddleware, ctx=ctx)
    app.add_middleware(BodyLimit, ctx=ctx)
    if settings.cors_origins:
        app.add_middleware(Cors, origins=settings.cors_origins)
    return app


def install_error_handlers(app: FastAPI, ctx: TwinContext) -> None:
    """Vendor bodies everywhere: FastAPI's own 404/405/422 and crashes never leak through."""
    service = ctx.service

    def is_admin(request: Request) -> bool:
        return request.url.path.startswith(ADMIN_PREFIX)

    async def on_twin_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TwinError)
        return service.render_error(exc, request)

    async def on_admin_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AdminError)
        return admin_error_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_admin(request):
            codes = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
            code = codes.get(exc.status_code, "error")
            return admin_error_response(AdminError(exc.status_code, code, str(exc.detail)))
        error = service.http_error(exc.status_code, request, str(exc.detail))
        error.headers = {**(exc.headers or {}), **error.headers}  # e.g. Allow on a 405
        return service.render_error(error, request)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
        if is_admin(request):
            return admin_error_response(AdminError(400, "invalid_request", message))
        return service.render_error(service.http_error(422, request, message), request)

    async def on_unstorable(request: Request, exc: Exception) -> Response:
        """Input a vendor's own checks let through but the database (or the interpreter's depth)
        refused: the write was rolled back, so it is the client's 400, and the connection lives."""
        log.warning("refused input on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        message = "the request holds text or nesting the twin cannot store"
        if is_admin(request):
            return admin_error_response(AdminError(400, "invalid_request", message))
        return service.render_error(service.http_error(400, request, message), request)

    async def on_crash(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DroppedConnection):
            raise exc
        if isinstance(exc, WriteConflict):
            error = service.http_error(503, request, "the tenant is busy; retry")
            return service.render_error(error, request)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if is_admin(request):
            return admin_error_response(AdminError(500, "internal_error", f"{type(exc).__name__}: {exc}"))
        return service.render_error(service.http_error(500, request, "internal error"), request)

    app.add_exception_handler(TwinError, on_twin_error)
    app.add_exception_handler(AdminError, on_admin_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    for unstorable in UNSTORABLE:
        app.add_exception_handler(unstorable, on_unstorable)
    app.add_exception_handler(Exception, on_crash)
