"""Fixtures for the Okta twin: one in-memory twin per session and a fresh org (tenant) per test,
in-process and over real HTTP."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.apps import twin_app
from tests.support.servers import serve_app
from tests.support.tenants import TENANT_HEADER, fresh_tenant
from twins.okta import create_service

# The okta SDK refuses http:// org URLs unless this is set before a Client is built.
os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")


def make_app(**settings: Any) -> FastAPI:
    return twin_app(create_service(), **settings)


@pytest.fixture(scope="session")
def okta_session_app() -> Iterator[FastAPI]:
    """The session's Okta twin; tests reach it through `okta_app`, each with its own org."""
    app = make_app()
    yield app
    app.state.twin.store.stop()


@pytest.fixture(scope="session")
def okta_session_url(okta_session_app: FastAPI) -> Iterator[str]:
    """The session's Okta twin served by uvicorn on an ephemeral 127.0.0.1 port."""
    with serve_app(okta_session_app) as url:
        yield url


@pytest.fixture
def okta_tenant(okta_session_app: FastAPI) -> Iterator[str]:
    """This test's fresh org, the default one while the test runs."""
    with fresh_tenant(okta_session_app) as made:
        yield made


@pytest.fixture
def okta_app(okta_session_app: FastAPI, okta_tenant: str) -> FastAPI:
    return okta_session_app


@pytest.fixture
def creds(okta_app: FastAPI) -> dict[str, Any]:
    ctx = okta_app.state.twin
    state = ctx.default_state()
    return dict(ctx.service.credentials(state, "http://testserver"))


@pytest.fixture
async def client(
    okta_app: FastAPI, creds: dict[str, Any], okta_tenant: str
) -> AsyncIterator[httpx.AsyncClient]:
    """In-process client (ASGI transport) sending the admin's SSWS token."""
    transport = httpx.ASGITransport(app=okta_app)
    headers = {
        "Authorization": f"SSWS {creds['api_token']}",
        "Accept": "application/json",
        TENANT_HEADER: okta_tenant,
    }
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
        yield c


@pytest.fixture
def org_url(okta_app: FastAPI, okta_session_url: str) -> str:
    """The twin served over real HTTP (its public URL for this test)."""
    okta_app.state.twin.settings.public_url = okta_session_url
    return okta_session_url


@pytest.fixture
def okta_client(org_url: str, creds: dict[str, Any], okta_tenant: str) -> Any:
    """The official async `okta` SDK Client pointed at the twin (SSWS mode)."""
    from okta.client import Client

    client = Client({"orgUrl": org_url, "token": creds["api_token"]})
    client.set_custom_headers({TENANT_HEADER: okta_tenant})
    return client
