"""Running a capture: the recording proxy on its own HTTP front (`recorder.front`), a rotating
writer, a live summary."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from recorder.classify import endpoint
from recorder.front import FrontServer
from recorder.loop import on_signals
from recorder.proxy import RecordingProxy
from recorder.redact import Redactor
from recorder.trace import Exchange
from recorder.writer import RotatingTraceWriter

Listener = Callable[[Exchange], None]
NAMES_KEPT = 4096  # endpoint names remembered per (method, URL)


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
        """Serve until told to stop (Ctrl-C / SIGTERM); returns the closed writer."""
        proxy, writer = self.build()
        server = FrontServer(proxy)
        stopping = asyncio.Event()
        on_signals(stopping.set)
        try:
            url = await server.start(self.host, self.port)
            if started is not None:
                started(url)
            await self._show(console, stopping, proxy, writer)
        finally:
            await server.close()
            writer.close()
        return writer

    async def _show(
        self, console: Console, stopping: asyncio.Event, proxy: RecordingProxy, writer: RotatingTraceWriter
    ) -> None:
        title = f"twins record {self.service}: {self.upstream}"
        if not console.is_terminal:
            await stopping.wait()
            return
        with Live(self.stats.table(title), console=console, refresh_per_second=2, transient=True) as live:
            while not stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 0.5)
                live.update(self.stats.table(title, proxy.failures, writer.paths))
