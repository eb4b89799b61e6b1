"""Running a capture: the recording proxy behind uvicorn, a rotating writer, a live summary."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from rich.console import Console
from rich.live import Live
from rich.table import Table

from recorder.classify import endpoint
from recorder.loop import on_signals
from recorder.proxy import RecordingProxy
from recorder.redact import Redactor
from recorder.trace import Exchange
from recorder.writer import RotatingTraceWriter

Listener = Callable[[Exchange], None]
NAMES_KEPT = 4096  # endpoint names remembered per (method, URL)
CLIENT_KEEP_ALIVE = 75
"""Seconds the proxy keeps an idle client connection open: longer than clients keep theirs
(httpx 5 s, aiohttp 15 s), so that it is the client that lets an idle connection go. A server
that closes first races the client's next request, which then fails on a reset connection."""


@dataclass
class CaptureStats:
    """What the live summary shows: exchanges, endpoints, errors, bytes."""

    exchanges: int = 0
    errors: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    endpoints: Counter[str] = field(default_factory=Counter)
    _names: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def add(self, exchange: Exchange) -> None:
        request = exchange.request
        self.exchanges += 1
        self.errors += exchange.response.status >= 400
        self.bytes_out += len(request.body.text)
        self.bytes_in += len(exchange.response.body.text)
        key = (request.method, request.url)
        name = self._names.get(key)
        if name is None:  # templating a path costs more than the rest of the summary together
            if len(self._names) >= NAMES_KEPT:
                self._names.clear()
            name = self._names[key] = endpoint(request.method, request.url)
        self.endpoints[name] += 1

    def table(self, title: str, failures: int = 0, files: list[Path] | None = None) -> Table:
        table = Table(title=title)
        table.add_column("", style="bold")
        table.add_column("value", justify="right")
        table.add_row("exchanges", str(self.exchanges))
        table.add_row("distinct endpoints", str(len(self.endpoints)))
        table.add_row("errors (4xx/5xx)", str(self.errors))
        table.add_row("upstream failures", str(failures))
        table.add_row("request bytes", f"{self.bytes_out:,}")
        table.add_row("response bytes", f"{self.bytes_in:,}")
        for name, count in self.endpoints.most_common(8):
            table.add_row(f"  {name}", str(count), style="dim")
        for path in files or []:
            table.add_row("file", str(path), style="dim")
        return table


@dataclass
class Capture:
    """One `twins record` run: where to listen, what to forward to, where traces go."""

    service: str
    upstream: str
    out: Path
    host: str = "127.0.0.1"
    port: int = 0
    redactor: Redactor | None = None
    fsync: bool = False
    max_bytes: int = 64 * 1024 * 1024
    listeners: list[Listener] = field(default_factory=list)
    stats: CaptureStats = field(default_factory=CaptureStats)

    def build(self) -> tuple[RecordingProxy, RotatingTraceWriter]:
        writer = RotatingTraceWriter(
            self.out, self.service, max_bytes=self.max_bytes, fsync=self.fsync, redactor=self.redactor
        )

        def sink(exchange: Exchange) -> None:
            writer.write(exchange)
            self.stats.add(exchange)
            for listener in self.listeners:
                listener(exchange)

        return RecordingProxy(self.upstream, sink), writer

    async def serve(
        self, console: Console, started: Callable[[str], None] | None = None
    ) -> RotatingTraceWriter:
        """Serve until the server is told to stop (Ctrl-C / SIGTERM); returns the closed writer."""
        proxy, writer = self.build()
        config = uvicorn.Config(
            proxy,
            host=self.host,
            port=self.port,
            log_level="warning",
            lifespan="on",
            access_log=False,
            http="httptools",
            server_header=False,  # the upstream's own Server and Date headers pass through
            date_header=False,
            timeout_keep_alive=CLIENT_KEEP_ALIVE,
        )
        server = QuietServer(config)

        def stop() -> None:
            server.should_exit = True

        on_signals(stop)
        task = asyncio.create_task(server.serve())
        try:
            while not server.started and not task.done():
                await asyncio.sleep(0.02)
            if task.done():
                await task
                raise OSError(f"cannot listen on {self.host}:{self.port}")
            url = _listen_url(server, self.host)
            if started is not None:
                started(url)
            await self._show(console, task, proxy, writer)
        finally:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
            writer.close()
        return writer

    async def _show(
        self, console: Console, task: asyncio.Task[None], proxy: RecordingProxy, writer: RotatingTraceWriter
    ) -> None:
        title = f"twins record {self.service}: {self.upstream}"
        if not console.is_terminal:
            await task
            return
        with Live(self.stats.table(title), console=console, refresh_per_second=2, transient=True) as live:
            while not task.done():
                await asyncio.sleep(0.5)
                live.update(self.stats.table(title, proxy.failures, writer.paths))


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the command decides how to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listen_url(server: uvicorn.Server, host: str) -> str:
    for srv in getattr(server, "servers", []):
        for sock in srv.sockets:
            return f"http://{host}:{sock.getsockname()[1]}"
    return f"http://{host}"
