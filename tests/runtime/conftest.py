"""Fixtures for the runtime tests: a fresh sample twin per test, closed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from tests.runtime.sample import create_service
from twins._runtime.app import build_app
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext, context_of
from twins._runtime.errors import WriteConflict
from twins._runtime.service import Service
from twins._runtime.settings import Settings

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

AppFactory = Callable[..., FastAPI]


def ctx_of(app: FastAPI) -> TwinContext:
    ctx = app.state.twin
    assert isinstance(ctx, TwinContext)
    return ctx


def close(app: FastAPI) -> None:
    """Flush and stop the app's writer, as its lifespan does at shutdown (idempotent)."""
    ctx_of(app).store.stop()


class CustomError(Exception):
    """An exception a test gives its own (synchronous) handler."""


def extended_service() -> Service:
    """The sample service plus routes that misbehave, to exercise the runtime's error paths."""
    service = create_service()
    sample_routes = service.routes

    def routes(ctx: TwinContext) -> APIRouter:
        router = sample_routes(ctx)

        @router.get("/crash")
        async def crash() -> None:
            raise RuntimeError("kaboom")

        # Thin endpoints (called directly by the runtime, past FastAPI's exception middleware).
        @router.get("/thin/crash")
        async def thin_crash(request: Request) -> Response:
            raise RuntimeError("thin kaboom")

        @router.get("/thin/http/{code}")
        async def thin_http(code: str, request: Request) -> Response:
            raise HTTPException(int(code), detail=f"thin {code}")

        @router.get("/thin/custom")
        async def thin_custom(request: Request) -> Response:
            raise CustomError("custom")

        @router.post("/bad-write", status_code=201)
        async def bad_write(request: Request) -> None:
            def op(state: TenantState) -> None:
                # Memory accepts a None title; the database's NOT NULL refuses it at commit.
                state["sample_notes"].insert({"id": "bad", "title": None})

            await context_of(request).run(request, op)

        @router.post("/conflict")
        async def conflict(request: Request) -> None:
            def op(state: TenantState) -> None:
                raise WriteConflict(state.id)

            await context_of(request).run(request, op)

        return router

    def admin_routes(_ctx: TwinContext) -> APIRouter:
        router = APIRouter()

        @router.get("/hello")
        async def hello() -> dict[str, str]:
            return {"hello": "admin"}

        @router.get("/crash")
        async def admin_crash() -> None:
            raise RuntimeError("admin kaboom")

        return router

    service.routes = routes
    service.admin_routes = admin_routes
    return service


class Twin:
    """An app and an in-process client, with helpers for the admin API and the sample's notes."""

    def __init__(self, app: FastAPI, *, raise_app_exceptions: bool = True) -> None:
        self.app = app
        self.ctx = ctx_of(app)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def aclose(self) -> None:
        await self.http.aclose()

    async def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**ADMIN, **kw.pop("headers", {})}
        return await self.http.request(method, f"/_twin{path}", headers=headers, **kw)

    async def admin_json(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        resp = await self.admin(method, path, **kw)
        assert resp.status_code == status, resp.text
        return resp.json()

    async def token(self, tenant: str | None = None) -> str:
        params = {"tenant": tenant} if tenant else {}
        return str((await self.admin_json("GET", "/credentials", params=params))["token"])

    async def auth(self, tenant: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(tenant)}"}

    async def state(self, tenant: str | None = None, **params: Any) -> Any:
        if tenant:
            params["tenant"] = tenant
        return await self.admin_json("GET", "/state", params=params)

    async def notes(self, tenant: str | None = None) -> list[dict[str, Any]]:
        return list((await self.state(tenant))["collections"]["sample_notes"])

    async def create_note(self, title: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        return await self.http.post("/v1/notes", json={"title": title, **kw}, headers=headers)

    async def new_tenant(self, tenant_id: str, **body: Any) -> Any:
        return await self.admin_json("POST", "/tenants", status=201, json={"id": tenant_id, **body})


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[AppFactory]:
    """Build sample twins (SQLite file under tmp_path unless `db_url` says otherwise); all closed after."""
    apps: list[FastAPI] = []

    def make(service: Service | None = None, **settings: Any) -> FastAPI:
        options: dict[str, Any] = {"data_dir": tmp_path, "admin_token": ADMIN_TOKEN}
        options.update(settings)
        app = build_app(service or create_service(), Settings(**options))
        apps.append(app)
        return app

    yield make
    for app in apps:
        close(app)


@pytest.fixture
async def make_twin(make_app: AppFactory) -> AsyncIterator[Callable[..., Twin]]:
    """Build a `Twin` (app + client); clients are closed, then their apps."""
    twins: list[Twin] = []

    def make(service: Service | None = None, *, raise_app_exceptions: bool = True, **settings: Any) -> Twin:
        twin = Twin(make_app(service, **settings), raise_app_exceptions=raise_app_exceptions)
        twins.append(twin)
        return twin

    yield make
    for twin in twins:
        await twin.aclose()


@pytest.fixture
def app(make_app: AppFactory) -> FastAPI:
    """A sample twin on a SQLite file under tmp_path."""
    return make_app()


@pytest.fixture
def memory_app(make_app: AppFactory) -> FastAPI:
    """A sample twin on an in-memory SQLite database."""
    return make_app(db_url=":memory:")


@pytest.fixture
async def twin(app: FastAPI) -> AsyncIterator[Twin]:
    t = Twin(app)
    yield t
    await t.aclose()


@pytest.fixture(scope="module")
def module_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """One app for a module's checks that change nothing (refused requests), to keep them fast."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("module"), admin_token=ADMIN_TOKEN)
    app = build_app(create_service(), settings)
    yield app
    close(app)


@pytest.fixture
async def unchanged_twin(module_app: FastAPI) -> AsyncIterator[Twin]:
    """A client on `module_app`; the test must leave the app as it found it (checked afterwards)."""
    t = Twin(module_app)

    async def everything() -> list[Any]:
        found = [
            (await t.admin("GET", path)).json() for path in ("/state", "/tenants", "/snapshots", "/faults")
        ]
        for tenant in found[1]["tenants"]:
            del tenant["clock"]  # it runs
        return found

    before = await everything()
    yield t
    assert await everything() == before, "the test changed the shared app"
    await t.aclose()


@pytest.fixture(
    params=[
        "sqlite-file",
        "sqlite-memory",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of the core tests: a SQLite file, ':memory:', or an isolated PostgreSQL schema."""
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'twin.db'}"
    if request.param == "sqlite-memory":
        return ":memory:"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(
    params=[
        "sqlite-file",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database that outlives an app (for restart tests): a SQLite file or a PostgreSQL schema."""
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'twin.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def any_twin(db_url: str, make_app: AppFactory) -> AsyncIterator[Twin]:
    """A sample twin on each database of `db_url`."""
    t = Twin(make_app(db_url=db_url))
    yield t
    await t.aclose()
