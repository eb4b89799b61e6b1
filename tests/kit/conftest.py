"""Fixtures of the kit tests: the example twin in process, with a client and its credentials."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.kit.example_twin import create_service
from twins._runtime.app import build_app
from twins._runtime.context import TwinContext
from twins._runtime.settings import Settings
from twins.kit import runtime_of
from twins.kit.runtime import KitRuntime

ADMIN_TOKEN = "kit-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def basic(email: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()}


class Example:
    """The example twin in process: a client, the seeded credentials and the kit runtime."""

    def __init__(self, app: FastAPI, creds: dict[str, Any]) -> None:
        self.app = app
        self.creds = creds
        transport = httpx.ASGITransport(app=app)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    @property
    def ctx(self) -> TwinContext:
        ctx = self.app.state.twin
        assert isinstance(ctx, TwinContext)
        return ctx

    @property
    def runtime(self) -> KitRuntime:
        return runtime_of(self.ctx)

    @property
    def admin(self) -> dict[str, str]:
        return basic(self.creds["U1_email"], self.creds["U1_token"])

    @property
    def reader(self) -> dict[str, str]:
        return basic(self.creds["U2_email"], self.creds["U2_token"])


def make_app(tmp_path: Path, **settings: Any) -> FastAPI:
    options: dict[str, Any] = {"data_dir": tmp_path, "admin_token": ADMIN_TOKEN, "seed_size": 5}
    options.update(settings)
    return build_app(create_service(), Settings(**options))


@pytest.fixture
async def example(tmp_path: Path) -> AsyncIterator[Example]:
    app = make_app(tmp_path)
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "http://testserver")
    twin = Example(app, creds)
    yield twin
    await twin.http.aclose()
    runtime_of(ctx).stop()
    ctx.store.stop()
