"""Twins generated from small recordings, built in memory, with a client holding their API token."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from agent_runner.fidelity import app_factory, forget
from agent_runner.generate import generate
from agent_runner.infer import infer
from recorder.parity.engine import load_traces
from recorder.trace import Exchange
from tests.agent_runner.traffic import github_session, okta_session, write
from twins.twin_dir import load_service

REFERENCE = Path(
    os.environ.get("TWINS_REFERENCE") or Path(__file__).resolve().parents[2].parent / "shared" / "reference"
)


def generated(folder: Path, name: str, sessions: dict[str, list[Exchange]]) -> Path:
    """The twin package inferred from `sessions`, written under `folder`."""
    files = write(folder / "traces", sessions)
    model = infer(name, load_traces(files))
    model.traces = [str(f) for f in files]
    out = folder / f"{name}_twin"
    generate(model, out)
    forget(out)
    return out


@pytest.fixture(scope="module")
def okta_twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory.mktemp("okta"), "okta", {f"s{n}": okta_session(n) for n in range(4)})


@pytest.fixture(scope="module")
def github_twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repos = [("octo", "hello"), ("octo", "world"), ("sigma", "betamax")]
    sessions = {f"g{n}": github_session(*repo, n) for n, repo in enumerate(repos, 1)}
    return generated(tmp_path_factory.mktemp("github"), "github", sessions)


def app_of(folder: Path) -> FastAPI:
    return app_factory(load_service(folder))


@pytest.fixture
def okta_app(okta_twin: Path) -> Iterator[FastAPI]:
    app = app_of(okta_twin)
    yield app
    app.state.twin.store.stop()


async def client_for(app: FastAPI, scheme: str) -> AsyncIterator[httpx.AsyncClient]:
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "http://testserver")
    token = creds.get("token") or creds["api_token"]
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"{scheme} {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client


@pytest.fixture
async def okta(okta_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(okta_app, "SSWS"):
        yield client


@pytest.fixture
async def github(github_twin: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = app_of(github_twin)
    async for client in client_for(app, "token"):
        yield client
    app.state.twin.store.stop()
