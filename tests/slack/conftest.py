"""Fixtures for the Slack twin: a fresh in-memory twin per test, in-process and over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.servers import serve_app
from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.slack import create_service


def make_app(**settings: Any) -> FastAPI:
    options: dict[str, Any] = {"db_url": ":memory:", "admin_auth": False, "rate_limits": "off"}
    options.update(settings)
    return build_app(create_service(), Settings.from_env(**options))


@pytest.fixture
def slack_app() -> Iterator[FastAPI]:
    app = make_app()
    yield app
    app.state.twin.store.stop()


@pytest.fixture
def creds(slack_app: FastAPI) -> dict[str, Any]:
    ctx = slack_app.state.twin
    state = ctx.default_state()
    return dict(ctx.service.credentials(state, "http://testserver"))


@pytest.fixture
async def client(slack_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """In-process HTTP client (ASGI transport), for raw wire-level checks."""
    transport = httpx.ASGITransport(app=slack_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def base_url(slack_app: FastAPI) -> Iterator[str]:
    """The twin served by uvicorn on an ephemeral 127.0.0.1 port."""
    with serve_app(slack_app) as url:
        slack_app.state.twin.settings.public_url = url
        yield url


@pytest.fixture
def bot(base_url: str, creds: dict[str, Any]) -> WebClient:
    """slack_sdk WebClient with the seeded bot token, over real HTTP."""
    return WebClient(token=creds["bot_token"], base_url=f"{base_url}/api/")


@pytest.fixture
def user_client(base_url: str, creds: dict[str, Any]) -> WebClient:
    """slack_sdk WebClient with the seeded admin's user token, over real HTTP."""
    return WebClient(token=creds["user_token"], base_url=f"{base_url}/api/")


@pytest.fixture
def async_bot(base_url: str, creds: dict[str, Any]) -> AsyncWebClient:
    return AsyncWebClient(token=creds["bot_token"], base_url=f"{base_url}/api/")


def channel_id(client: WebClient, name: str) -> str:
    for page in client.conversations_list(types="public_channel,private_channel", limit=200):
        for chan in page["channels"]:
            if chan["name"] == name:
                return str(chan["id"])
    raise LookupError(name)
