"""The twin over real HTTP: uvicorn on an ephemeral 127.0.0.1 port in a background thread."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from recorder.trace import Exchange
from tests.runtime.conftest import ADMIN, AppFactory, ctx_of
from tests.runtime.sample import create_service
from tests.support.servers import serve_app
from twins._runtime.context import TwinContext
from twins._runtime.serve import build_running
from twins._runtime.settings import Settings


@contextmanager
def serve_with_lifespan(server: uvicorn.Server) -> Iterator[None]:
    """Run a configured uvicorn server (lifespan on) in a thread until the block ends."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.005)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_client_over_real_http(app: FastAPI) -> None:
    with serve_app(app) as url, httpx.Client(base_url=url, timeout=5) as client:
        assert client.get("/_twin/health").json()["status"] == "ok"
        creds = client.get("/_twin/credentials", headers=ADMIN).json()
        auth = {"Authorization": f"Bearer {creds['token']}"}
        created = client.post("/v1/notes", json={"title": "over the wire", "tags": ["t"]}, headers=auth)
        assert created.status_code == 201
        assert created.headers["content-type"] == "application/json"
        got = client.get(f"/v1/notes/{created.json()['id']}", headers=auth)
        assert got.json() == created.json()
        assert client.get("/nope").json() == {"code": "not_found", "message": "Not Found"}
        assert client.get("/_twin/state").status_code == 401

        [post, get, missing] = client.get("/_twin/journal", headers=ADMIN).json()["exchanges"]
        exchange = Exchange.model_validate(post)
        assert exchange.request.url == f"{url}/v1/notes"
        assert exchange.response.status == 201
        assert Exchange.model_validate(get).request.method == "GET"
        assert Exchange.model_validate(missing).response.status == 404


def test_concurrent_clients_over_real_http(app: FastAPI) -> None:
    async def run(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            token = (await client.get("/_twin/credentials", headers=ADMIN)).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            responses = await asyncio.gather(
                *(client.post("/v1/notes", json={"title": f"w{i}"}, headers=auth) for i in range(50))
            )
            return [r.status_code for r in responses]

    with serve_app(app) as url:
        assert asyncio.run(run(url)) == [201] * 50
    state = ctx_of(app).store.get("default")
    assert state is not None and len(state["sample_notes"]) == 51


def test_lifespan_runs_the_hooks_and_flushes_on_shutdown(make_app: AppFactory) -> None:
    calls: list[str] = []
    service = create_service()
    service.on_start = lambda ctx: calls.append(f"start {ctx.service.name}")
    service.on_stop = lambda ctx: calls.append(f"stop {ctx.service.name}")
    app = make_app(service)
    ctx = ctx_of(app)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    with serve_with_lifespan(server):
        assert calls == ["start sample"]
        port = server.servers[0].sockets[0].getsockname()[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            token = client.get("/_twin/credentials", headers=ADMIN).json()["token"]
            resp = client.post(
                "/v1/notes", json={"title": "before shutdown"}, headers={"Authorization": f"Bearer {token}"}
            )
            assert resp.status_code == 201
    assert calls == ["start sample", "stop sample"]
    assert not ctx.store.committer._thread.is_alive()  # the writer was stopped at shutdown


def test_build_running_prints_the_url_it_serves(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, admin_token="tok")
    running, servers = build_running([(create_service(), settings, 0)], "127.0.0.1")
    [item] = running
    assert item.name == "sample"
    assert item.url.startswith("http://127.0.0.1:")
    assert isinstance(item.ctx, TwinContext)
    assert settings.public_url == item.url
    with serve_with_lifespan(servers[0]), httpx.Client(base_url=item.url, timeout=5) as client:
        creds = client.get("/_twin/credentials", headers={"X-Twin-Admin-Token": "tok"}).json()
        assert creds["base_url"] == item.url


def test_an_idle_connection_outlives_the_keep_alive_of_common_clients(tmp_path: Path) -> None:
    """uvicorn closes an idle connection after 5 s; clients keep theirs longer (aiohttp, under the
    okta SDK, 15 s), and their next request on it then fails. The twins keep it open."""
    settings = Settings(data_dir=tmp_path, admin_token="tok")
    running, servers = build_running([(create_service(), settings, 0)], "127.0.0.1")
    host, port = running[0].url.removeprefix("http://").split(":")
    with serve_with_lifespan(servers[0]):
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request("GET", "/_twin/health")
        assert conn.getresponse().read()
        sock = conn.sock
        time.sleep(5.5)
        conn.request("GET", "/_twin/health")  # on the same connection, or this raises
        answer = conn.getresponse()
        assert answer.status == 200 and conn.sock is sock
        conn.close()
