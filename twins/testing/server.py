"""A twin served for a whole test session: over real HTTP on a loopback port, or in-process (ASGI)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Coroutine, Generator
from typing import Any, Literal, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI

from twins import registry
from twins._runtime.app import build_app
from twins._runtime.protocol import KEEP_ALIVE
from twins._runtime.settings import Settings

Mode = Literal["http", "asgi"]
MODES: tuple[Mode, ...] = ("http", "asgi")
ASGI_BASE_URL = "http://testserver"


class TwinModeError(RuntimeError):
    """Something that needs a real port was asked of a twin served in-process."""


T = TypeVar("T")


class _AppLoop:
    """The app's own event loop in a thread, with its lifespan entered: the in-process server."""

    def __init__(self, app: FastAPI):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="twin-asgi", daemon=True)
        self.thread.start()
        self.lifespan = app.router.lifespan_context(app)
        self.run(self.lifespan.__aenter__())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def close(self) -> None:
        self.run(self.lifespan.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=15)
        self.loop.close()


class _LoopTransport(httpx.BaseTransport):
    """A sync httpx transport that hands each request to the app on its loop (no socket)."""

    def __init__(self, app_loop: _AppLoop):
        self.app_loop = app_loop
        self.asgi = httpx.ASGITransport(app=app_loop.app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)

        async def send() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self.asgi.handle_async_request(inner)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        status, headers, content = self.app_loop.run(send())
        return httpx.Response(status, headers=headers, content=content, request=request)


class _Shared(httpx.BaseTransport):
    """One transport (and connection pool) for every client of a session; clients cannot close it.

    Building an httpx transport makes an SSL context, which costs more than a request to the twin.
    """

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        pass


class _ThreadServer(uvicorn.Server):
    """uvicorn in a background thread: signals stay with the main thread (pytest's)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TwinServer:
    """One twin app for the session; tests get tenants of it through the admin API."""

    def __init__(self, service: str, mode: Mode = "http", db_url: str = ":memory:", rate_limits: str = "off"):
        if mode not in MODES:
            raise ValueError(f"twin mode {mode!r} is unknown; use one of {', '.join(MODES)}")
        self.service = service
        self.mode = mode
        self.settings = Settings.from_env(db_url=db_url, rate_limits=rate_limits, admin_auth=True)
        self.app: FastAPI = build_app(registry.load(service), self.settings)
        self.url = ASGI_BASE_URL
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None
        self._asgi: _AppLoop | None = None
        self._transport: httpx.BaseTransport | None = None
        self._admin: httpx.Client | None = None

    @property
    def admin_token(self) -> str:
        return self.settings.admin_token

    def start(self) -> TwinServer:
        """Serve the app (lifespan included, so background deliveries run) until `stop`."""
        if self.mode == "asgi":
            self._asgi = _AppLoop(self.app)
            self._transport = _LoopTransport(self._asgi)
            self.settings.public_url = self.url
            return self
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.settings.public_url = self.url
        self._transport = httpx.HTTPTransport()
        # The twin sends its own Date header (from the tenant clock); uvicorn must not add a second.
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            date_header=False,
            timeout_keep_alive=KEEP_ALIVE,
        )
        self._server = _ThreadServer(config)
        self._thread = threading.Thread(target=self._server.run, name=f"twin-{self.service}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the {self.service} twin did not start on {self.url}")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Shut down cleanly (the store flushes and closes)."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._asgi is not None:
            self._asgi.close()
            self._asgi = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
            self._server = self._thread = None

    def client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """A sync HTTP client to the twin, through the socket or straight into the app."""
        if self._transport is None:
            raise RuntimeError(f"the {self.service} twin is not started")
        shared = _Shared(self._transport)
        return httpx.Client(base_url=self.url, headers=headers, transport=shared, timeout=30, trust_env=False)

    def admin(self) -> httpx.Client:
        """A client that carries the admin token."""
        return self.client({"Authorization": f"Bearer {self.admin_token}"})

    def _admin_client(self) -> httpx.Client:
        if self._admin is None:
            self._admin = self.admin()
        return self._admin

    def new_tenant(self, seed: int | None = None, size: int | None = None) -> str:
        """Create a fresh, seeded tenant and return its id."""
        tenant = "t" + uuid.uuid4().hex[:16]
        body: dict[str, Any] = {"id": tenant}
        if seed is not None:
            body["seed"] = seed
        if size is not None:
            body["size"] = size
        reply = self._admin_client().post("/_twin/tenants", json=body)
        if reply.status_code != 201:
            raise RuntimeError(f"creating tenant {tenant} failed: {reply.status_code} {reply.text}")
        return tenant

    def drop_tenant(self, tenant: str) -> None:
        self._admin_client().delete(f"/_twin/tenants/{tenant}")
