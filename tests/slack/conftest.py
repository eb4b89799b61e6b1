"""Fixtures for the Slack twin: one in-memory twin per session and a fresh workspace (tenant) per test,
in-process and over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.apps import twin_app
from tests.support.servers import serve_app
from tests.support.tenants import TENANT_HEADER, Recorder, fresh_tenant
from twins.slack import create_service
from twins.slack.outbox import outbox_of


def make_app(**settings: Any) -> FastAPI:
    return twin_app(create_service(), **settings)


@pytest.fixture(scope="session")
def slack_session_app() -> Iterator[FastAPI]:
    """The session's Slack twin; tests reach it through `slack_app`, each with its own workspace."""
    app = make_app()
    yield app
    app.state.twin.store.stop()


@pytest.fixture(scope="session")
def slack_session_url(slack_session_app: FastAPI) -> Iterator[str]:
    """The session's Slack twin served by uvicorn on an ephemeral 127.0.0.1 port."""
    with serve_app(slack_session_app) as url:
        yield url


@pytest.fixture
def slack_tenant(slack_session_app: FastAPI) -> Iterator[str]:
    """This test's fresh workspace, the default one while the test runs."""
    with fresh_tenant(slack_session_app) as made:
        yield made


@pytest.fixture
def slack_app(slack_session_app: FastAPI, slack_tenant: str) -> FastAPI:
    return slack_session_app


@pytest.fixture
def creds(slack_app: FastAPI) -> dict[str, Any]:
    ctx = slack_app.state.twin
    state = ctx.default_state()
    return dict(ctx.service.credentials(state, "http://testserver"))


@pytest.fixture
async def client(slack_app: FastAPI, slack_tenant: str) -> AsyncIterator[httpx.AsyncClient]:
    """In-process HTTP client (ASGI transport), for raw wire-level checks."""
    transport = httpx.ASGITransport(app=slack_app)
    headers = {TENANT_HEADER: slack_tenant}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
        yield c


@pytest.fixture
def base_url(slack_app: FastAPI, slack_session_url: str) -> str:
    """The twin served over real HTTP (its public URL for this test)."""
    slack_app.state.twin.settings.public_url = slack_session_url
    return slack_session_url


@pytest.fixture
def events(slack_app: FastAPI, slack_tenant: str) -> Iterator[Recorder]:
    """What the Web API publishes for this test's workspace, instead of the Events API dispatcher."""
    recorder = Recorder(slack_tenant)
    outbox = outbox_of(slack_app.state.twin)
    outbox.watch(recorder.watcher)
    try:
        yield recorder
    finally:
        outbox.unwatch(recorder.watcher)


@pytest.fixture
def bot(base_url: str, creds: dict[str, Any], slack_tenant: str) -> WebClient:
    """slack_sdk WebClient with the seeded bot token, over real HTTP."""
    return WebClient(
        token=creds["bot_token"], base_url=f"{base_url}/api/", headers={TENANT_HEADER: slack_tenant}
    )


@pytest.fixture
def user_client(base_url: str, creds: dict[str, Any], slack_tenant: str) -> WebClient:
    """slack_sdk WebClient with the seeded admin's user token, over real HTTP."""
    return WebClient(
        token=creds["user_token"], base_url=f"{base_url}/api/", headers={TENANT_HEADER: slack_tenant}
    )


@pytest.fixture
def async_bot(base_url: str, creds: dict[str, Any], slack_tenant: str) -> AsyncWebClient:
    return AsyncWebClient(
        token=creds["bot_token"], base_url=f"{base_url}/api/", headers={TENANT_HEADER: slack_tenant}
    )


def channel_id(client: WebClient, name: str) -> str:
    for page in client.conversations_list(types="public_channel,private_channel", limit=200):
        for chan in page["channels"]:
            if chan["name"] == name:
                return str(chan["id"])
    raise LookupError(name)
