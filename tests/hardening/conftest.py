"""Fixtures for bad-input checks: each twin served in process, with its vendor credentials.

`vendor` gives each test a fresh tenant of a twin built once per session; `make_vendor` builds a
twin of its own for tests that need other settings or stop it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.apps import twin_app
from tests.support.tenants import TENANT_HEADER, fresh_tenant
from twins.okta import create_service as okta_service
from twins.slack import create_service as slack_service

ADMIN_TOKEN = "hardening-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class Vendor:
    """One twin's app, an in-process client, and a cheap authenticated vendor call."""

    name: str
    app: FastAPI
    http: httpx.AsyncClient
    creds: dict[str, Any]

    def auth(self) -> dict[str, str]:
        """The header of the seeded bot token (Slack) or API token (Okta)."""
        if self.name == "slack":
            return {"Authorization": f"Bearer {self.creds['bot_token']}"}
        return {"Authorization": f"SSWS {self.creds['api_token']}"}

    async def vendor_call(self) -> httpx.Response:
        """A read every tenant answers with 200 while it serves."""
        if self.name == "slack":
            return await self.http.post("/api/auth.test", headers=self.auth())
        return await self.http.get("/api/v1/users/me", headers=self.auth())


def build(name: str, **settings: Any) -> FastAPI:
    """A twin on in-memory SQLite with admin auth on and rate limits off (overridable)."""
    service = slack_service() if name == "slack" else okta_service()
    return twin_app(service, **{"admin_auth": True, "admin_token": ADMIN_TOKEN, **settings})


async def open_vendor(name: str, app: FastAPI, tenant: str | None = None) -> Vendor:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {TENANT_HEADER: tenant} if tenant else None
    http = httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)
    ctx = app.state.twin
    creds = dict(ctx.service.credentials(ctx.default_state(), "http://testserver"))
    return Vendor(name, app, http, creds)


VendorFactory = Callable[..., Any]


@pytest.fixture
async def make_vendor() -> AsyncIterator[VendorFactory]:
    """Build twins by name (and settings); their clients and stores are closed afterwards."""
    made: list[Vendor] = []

    async def make(name: str, **settings: Any) -> Vendor:
        vendor = await open_vendor(name, build(name, **settings))
        made.append(vendor)
        return vendor

    yield make
    for vendor in made:
        await vendor.http.aclose()
        vendor.app.state.twin.store.stop()


@pytest.fixture(scope="session")
def session_apps() -> Iterator[dict[str, FastAPI]]:
    """Each twin with the default settings of `build`, built on first use."""
    apps: dict[str, FastAPI] = {}
    yield apps
    for app in apps.values():
        app.state.twin.store.stop()


@pytest.fixture(params=["slack", "okta"])
async def vendor(request: pytest.FixtureRequest, session_apps: dict[str, FastAPI]) -> AsyncIterator[Vendor]:
    """Each twin in turn, with a fresh tenant of it."""
    name: str = request.param
    if name not in session_apps:
        session_apps[name] = build(name)
    with fresh_tenant(session_apps[name]) as tenant:
        made = await open_vendor(name, session_apps[name], tenant)
        yield made
        await made.http.aclose()
