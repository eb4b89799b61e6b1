"""Running twins under uvicorn: one or many services in one process, or N worker processes."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import signal
import socket
from collections.abc import Generator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI

from twins._runtime import heap
from twins._runtime.app import build_app
from twins._runtime.context import TwinContext
from twins._runtime.errors import ConfigError
from twins._runtime.protocol import KEEP_ALIVE, MAX_HEADER_BYTES, BoundedHttpTools
from twins._runtime.settings import RATE_LIMIT_MODES, Settings

ENV_SERVICE = "TWINS_SERVE_SERVICE"
MIN_ADMIN_TOKEN = 16  # characters of an admin token chosen by the user
ENV_SETTINGS = "TWINS_SERVE_SETTINGS"


@dataclass
class Running:
    """A twin bound to its address, as printed by `twins up`."""

    name: str
    url: str
    ctx: TwinContext


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_settings(settings: Settings, host: str, workers: int = 1) -> None:
    """Refuse combinations that cannot work, with the fix in the message."""
    if not settings.admin_auth and not is_loopback(host):
        raise ConfigError(
            f"--no-admin-auth is allowed only on a loopback host, not {host!r}; "
            "bind to 127.0.0.1 or keep the admin token"
        )
    if settings.admin_auth and 0 < len(settings.admin_token) < MIN_ADMIN_TOKEN:
        raise ConfigError(
            f"the admin token must be at least {MIN_ADMIN_TOKEN} characters long; "
            "choose a longer --admin-token / TWINS_ADMIN_TOKEN, or leave it unset for a random one"
        )
    for origin in settings.cors_origins:
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path):
            raise ConfigError(f"--cors-origin {origin!r} is not an origin; write it as http://host:port")
    if settings.rate_limits not in RATE_LIMIT_MODES:
        raise ConfigError(
            f"rate-limit mode {settings.rate_limits!r} is unknown; use one of {', '.join(RATE_LIMIT_MODES)}"
        )
    if workers > 1 and settings.db_url in (":memory:", "sqlite://"):
        raise ConfigError("--workers > 1 needs a database the workers share; drop :memory:")


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the caller (several share one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def build_running(
    services: list[tuple[Any, Settings, int]], host: str
) -> tuple[list[Running], list[_Server]]:
    """Build every app and its server; ports of 0 are chosen now so URLs can be printed."""
    running: list[Running] = []
    servers: list[_Server] = []
    for service, settings, port in services:
        port = port or free_port(host)
        url = f"http://{host}:{port}"
        settings.public_url = settings.public_url or url
        app: FastAPI = build_app(service, settings)
        # No uvicorn Date header: the app sends one, from the tenant's clock.
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="on",
            date_header=False,
            http=BoundedHttpTools,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            timeout_keep_alive=KEEP_ALIVE,
        )
        servers.append(_Server(config))
        running.append(Running(service.name, url, app.state.twin))
    return running, servers


async def serve_all(servers: list[_Server]) -> None:
    """Serve until SIGINT/SIGTERM, then shut every server down cleanly (writes are flushed)."""
    heap.settle()
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop)
    await asyncio.gather(*(server.serve() for server in servers))


def serve_workers(service_name: str, settings: Settings, host: str, port: int, workers: int) -> None:
    """N uvicorn worker processes on one port, sharing the database (shared mode)."""
    settings.shared = True
    os.environ[ENV_SERVICE] = service_name
    data = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()}
    os.environ[ENV_SETTINGS] = json.dumps(data)
    uvicorn.run(
        "twins._runtime.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        date_header=False,
        http=BoundedHttpTools,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        timeout_keep_alive=KEEP_ALIVE,
    )


def app_from_env() -> FastAPI:
    """Factory for worker processes: service and settings come from the environment."""
    from twins.registry import load

    data = json.loads(os.environ[ENV_SETTINGS])
    data["data_dir"] = Path(data["data_dir"])
    app = build_app(load(os.environ[ENV_SERVICE]), Settings(**data))
    heap.settle()
    return app
