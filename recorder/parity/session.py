"""A fresh tenant of a twin to replay one recording against: in process or over HTTP."""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

IN_PROCESS_BASE = "http://testserver"
ADMIN = "/_twin"
Served = Callable[[str, str], bool]


class AdminError(RuntimeError):
    """The twin's admin API refused a call the engine needs."""


@dataclass
class Session:
    """One tenant of a twin: the vendor API and the admin API, with the tenant header set."""

    client: httpx.AsyncClient
    tenant: str | None = None
    admin_headers: dict[str, str] = field(default_factory=dict)
    app: Any = None  # the in-process app, when there is one
    _credentials: dict[str, Any] | None = None

    @property
    def base_url(self) -> str:
        return str(self.client.base_url).rstrip("/")

    def tenant_headers(self) -> dict[str, str]:
        return {"X-Twin-Tenant": self.tenant} if self.tenant else {}

    async def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call `/_twin{path}` for this tenant; the JSON answer, or AdminError."""
        headers = {**self.admin_headers, **self.tenant_headers(), **kwargs.pop("headers", {})}
        response = await self.client.request(method, ADMIN + path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise AdminError(f"{method} {ADMIN}{path}: {response.status_code} {response.text[:200]}")
        return response.json()

    async def credentials(self) -> dict[str, Any]:
        """What `/_twin/credentials` tells a client of this tenant (cached)."""
        if self._credentials is None:
            self._credentials = dict(await self.admin("GET", "/credentials"))
        return self._credentials

    async def rows(self, collection: str, **where: str) -> list[dict[str, Any]]:
        """Rows of one collection of the tenant's state, optionally filtered by field=value."""
        params = [("collection", collection), *(("where", f"{k}={v}") for k, v in where.items())]
        answer = await self.admin("GET", "/state", params=params)
        return list(answer["collections"][collection])


@asynccontextmanager
async def open_session(target: Target, admin_token: str | None = None) -> AsyncIterator[Session]:
    """A fresh tenant: a new in-process app from a factory, or a new tenant of a running twin."""
    if isinstance(target, SharedTwin):
        async with target.fresh_tenant(admin_token) as session:
            yield session
        return
    if isinstance(target, str):
        async with _remote(target, admin_token) as session:
            yield session
        return
    app = target()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_BASE) as client:
            yield Session(client, admin_headers=_admin_headers(admin_token), app=app)


@asynccontextmanager
async def _remote(base_url: str, admin_token: str | None) -> AsyncIterator[Session]:
    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=30) as client:
        session = Session(client, admin_headers=_admin_headers(admin_token))
        tenant = f"parity-{uuid.uuid4().hex[:12]}"
        await session.admin("POST", "/tenants", json={"id": tenant})
        session.tenant = tenant
        try:
            yield session
        finally:
            session.tenant = None
            await session.admin("DELETE", f"/tenants/{tenant}")


class SharedTwin:
    """One in-process twin built from `factory` for many recordings (`async with SharedTwin(factory)
    as target`), where building an app per recording costs more than replaying it. Each recording
    is replayed on the default tenant as a new app has it: after the first, the tenant is dropped
    and made again from the seed under the same id, so its ids and credentials are the ones a new
    app's default tenant has (ids depend on the tenant's id)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory
        self.app: Any = None
        self._running = AsyncExitStack()
        self._used = False

    async def __aenter__(self) -> SharedTwin:
        app = self.factory()
        await self._running.enter_async_context(app.router.lifespan_context(app))
        self.app, self._used = app, False
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.app = None
        await self._running.aclose()

    @asynccontextmanager
    async def fresh_tenant(self, admin_token: str | None) -> AsyncIterator[Session]:
        if self.app is None:
            raise RuntimeError("a SharedTwin serves recordings inside `async with`")
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_BASE) as client:
            session = Session(client, admin_headers=_admin_headers(admin_token), app=self.app)
            if self._used:
                await self._remake_default(session)
            self._used = True
            yield session

    async def _remake_default(self, session: Session) -> None:
        settings = self.app.state.twin.settings
        name = settings.default_tenant
        settings.default_tenant = f"{name}-set-aside"  # the default tenant may not be dropped
        try:
            await session.admin("DELETE", f"/tenants/{name}")
            await session.admin("POST", "/tenants", json={"id": name})
        finally:
            settings.default_tenant = name


# An app factory builds a new twin (its default tenant seeded); a base URL names a running one; a
# SharedTwin is one in-process twin with a fresh tenant per recording.
Target = Callable[[], Any] | str | SharedTwin


def _admin_headers(token: str | None) -> dict[str, str]:
    return {"X-Twin-Admin-Token": token} if token else {}


async def served_matcher(target: Target, admin_token: str | None = None) -> Served:
    """True for METHOD PATH when the twin has a route for it (from its OpenAPI document)."""
    if isinstance(target, SharedTwin):
        with warnings.catch_warnings():  # duplicate operation ids do not matter here
            warnings.simplefilter("ignore")
            return openapi_matcher(target.app.openapi())
    if isinstance(target, str):
        async with httpx.AsyncClient(base_url=target.rstrip("/"), timeout=30) as client:
            response = await client.get(f"{ADMIN}/openapi.json", headers=_admin_headers(admin_token))
            response.raise_for_status()
            return openapi_matcher(response.json())
    app = target()
    async with app.router.lifespan_context(app):
        with warnings.catch_warnings():  # duplicate operation ids do not matter here
            warnings.simplefilter("ignore")
            return openapi_matcher(app.openapi())


def openapi_matcher(document: dict[str, Any]) -> Served:
    """A route matcher from an OpenAPI document's paths: `{param}` stands for one segment."""
    routes: list[tuple[str, re.Pattern[str]]] = []
    for path, operations in document.get("paths", {}).items():
        if path.startswith(ADMIN):
            continue
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?$")
        routes += [(method.upper(), pattern) for method in operations]

    def served(method: str, path: str) -> bool:
        return any(m == method.upper() and p.match(path) for m, p in routes)

    return served
