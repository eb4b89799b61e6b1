"""Fixtures for the Okta twin: a fresh in-memory org per test, in-process and over real HTTP."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.servers import serve_app
from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.okta import create_service

# The okta SDK refuses http:// org URLs unless this is set before a Client is built.
os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")


def make_app(**settings: Any) -> FastAPI:
    options: dict[str, Any] = {"db_url": ":memory:", "admin_auth": False, "rate_limits": "off"}
    options.update(settings)
    return build_app(create_service(), Settings.from_env(**options))


@pytest.fixture
def okta_app() -> Iterator[FastAPI]:
    app = make_app()
    yield app
    app.state.twin.store.stop()


@pytest.fixture
def creds(okta_app: FastAPI) -> dict[str, Any]:
    ctx = okta_app.state.twin
    state = ctx.default_state()
    return dict(ctx.service.credentials(state, "http://testserver"))


@pytest.fixture
async def client(okta_app: FastAPI, creds: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """In-process client (ASGI transport) sending the admin's SSWS token."""
    transport = httpx.ASGITransport(app=okta_app)
    headers = {"Authorization": f"SSWS {creds['api_token']}", "Accept": "application/json"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
        yield c


@pytest.fixture
def org_url(okta_app: FastAPI) -> Iterator[str]:
    """The twin served by uvicorn on an ephemeral 127.0.0.1 port."""
    with serve_app(okta_app) as url:
        okta_app.state.twin.settings.public_url = url
        yield url


@pytest.fixture
def okta_client(org_url: str, creds: dict[str, Any]) -> Any:
    """The official async `okta` SDK Client pointed at the twin (SSWS mode)."""
    from okta.client import Client

    return Client({"orgUrl": org_url, "token": creds["api_token"]})
