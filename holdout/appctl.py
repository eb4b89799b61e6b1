"""The system under test for one trial: a command run as a subprocess, an ASGI app served in this
process, or an app already running at a URL; given the tenant's URLs and credentials, wired to the
Slack app (request, interactivity and slash command URLs) once it listens."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import os
import re
import shlex
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from holdout.seeding import World
from holdout.twinset import TwinsError, TwinSet

READY_TIMEOUT = 60.0
DEFAULT_PATH = "/slack/events"


class AppFailed(RuntimeError):
    """The app did not start or stopped early; `output` holds its log (private: it may quote data)."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@dataclass
class AppSpec:
    """How to run the app; from the scenario's `app`, or `--app CMD` for every scenario."""

    command: list[str] = field(default_factory=list)
    asgi: str = ""
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout: float = READY_TIMEOUT
    path: str = DEFAULT_PATH
    commands: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data: dict[str, Any] | None, override: str | None = None) -> AppSpec:
        data = data or {}
        slack = data.get("slack") or {}
        raw = data.get("command") or []
        command = shlex.split(raw) if isinstance(raw, str) else list(raw)
        spec = cls(
            command=command,
            asgi=str(data.get("asgi", "")),
            url=str(data.get("url", "")),
            env={k: str(v) for k, v in (data.get("env") or {}).items()},
            ready_timeout=float(data.get("ready_timeout", READY_TIMEOUT)),
            path=str(slack.get("path", DEFAULT_PATH)),
            commands=list(slack.get("commands") or []),
            events=list(slack.get("events") or []),
        )
        if override and ASGI_RE.match(override):
            spec.command, spec.asgi, spec.url = [], override, ""
        elif override:
            spec.command, spec.asgi, spec.url = shlex.split(override), "", ""
        return spec

    @property
    def present(self) -> bool:
        return bool(self.command or self.asgi or self.url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_listening(port: int, timeout: float, alive: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if alive is not None and not alive():
                raise AppFailed("the app exited before it listened") from None
            if time.monotonic() > deadline:
                raise AppFailed(f"the app did not listen on port {port} within {timeout:.0f}s") from None
            await asyncio.sleep(0.05)


def load_factory(target: str) -> Any:
    """`module:factory` or `path/to/file.py:factory`; the factory takes the env and returns an ASGI app."""
    where, _, attr = target.rpartition(":")
    try:
        if where.endswith(".py"):
            module = _file_modules.get(where)
            if module is None:
                path = Path(where).resolve()
                sys.path.insert(0, str(path.parent))  # its neighbours import as they would as a script
                spec = importlib.util.spec_from_file_location(f"holdout_app_{len(_file_modules)}", path)
                if spec is None or spec.loader is None:
                    raise ImportError(f"cannot load {where}")
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                _file_modules[where] = module
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(where)
        return getattr(module, attr)
    except (ImportError, AttributeError, OSError) as exc:
        raise AppFailed(f"cannot import the app {target}: {exc}") from None


_file_modules: dict[str, Any] = {}
ASGI_RE = re.compile(r"^[\w./-]+(\.py)?:[A-Za-z_]\w*$")


class RunningApp:
    """One trial's app; `stop()` ends it and returns its output."""

    def __init__(self, spec: AppSpec) -> None:
        self.spec = spec
        self.proc: asyncio.subprocess.Process | None = None
        self.server: Any = None
        self.task: asyncio.Task[None] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.base = ""

    async def start(self, world: World) -> None:
        env = {**world.env(), **self.spec.env}
        if self.spec.url:
            self.base = self.spec.url.rstrip("/")
            return
        port = free_port()
        env["PORT"] = str(port)
        self.base = f"http://127.0.0.1:{port}"
        if self.spec.asgi:
            await self._serve_asgi(env, port)
            return
        self.proc = await asyncio.create_subprocess_exec(
            *self.spec.command,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=self.log,
            stderr=self.log,
            stdin=asyncio.subprocess.DEVNULL,
        )
        proc = self.proc
        await wait_listening(port, self.spec.ready_timeout, lambda: proc.returncode is None)

    async def _serve_asgi(self, env: dict[str, str], port: int) -> None:
        import uvicorn

        from twins._runtime.protocol import KEEP_ALIVE

        app = load_factory(self.spec.asgi)(env)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            log_config=None,
            timeout_keep_alive=KEEP_ALIVE,  # the outbox's deliveries reuse connections
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None
        self.task = asyncio.create_task(self.server.serve())
        await wait_listening(port, self.spec.ready_timeout)

    async def wire_slack(self, twins: TwinSet, world: World) -> None:
        """Point the tenant's Slack app at this app (the url_verification handshake runs)."""
        url = self.base + self.spec.path
        body: dict[str, Any] = {"request_url": url, "interactivity_url": url, "events": self.spec.events}
        if self.spec.commands:
            body["commands"] = [{"command": c, "url": url} for c in self.spec.commands]
        app_id = world.creds["slack"]["app_id"]
        try:
            await twins["slack"].admin("PATCH", f"/slack/apps/{app_id}", world.tenant, json=body)
        except TwinsError as exc:
            raise AppFailed(f"could not connect the Slack app to {url}: {exc}", self.output()) from None

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-20000:]

    async def stop(self) -> str:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        if self.server is not None:
            self.server.should_exit = True
            if self.task is not None:
                await asyncio.gather(self.task, return_exceptions=True)
        out = self.output()
        self.log.close()
        return out
