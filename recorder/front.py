"""The client side of `twins record`: HTTP/1.1 connections parsed by httptools on a plain asyncio
protocol, each request handed straight to `RecordingProxy.forward`.

uvicorn and the ASGI messages between it and the proxy cost about a fifth of the proxy's CPU per
exchange; this does what forwarding needs of them and no more: keep-alive, pipelined requests
answered in order, request bodies streamed with flow control (reading pauses past 256 KiB),
`Expect: 100-continue`, responses framed as the upstream's (`Content-Length` kept, chunked
otherwise), a 400 for a request that does not parse, a kept-alive connection closed after
KEEP_ALIVE seconds without a new request.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from http import HTTPStatus
from typing import Any, cast

import httptools

from recorder.paced import Paced
from recorder.proxy import ClientGone, RecordingProxy
from recorder.upstream import UpstreamError

HIGH_WATER = 256 * 1024
KEEP_ALIVE = 75.0
"""Seconds an idle client connection stays open: longer than clients keep theirs (httpx 5 s,
aiohttp 15 s), so that it is the client that lets an idle connection go. A server that closes
first races the client's next request, which then fails on a reset connection."""
NO_BODY = frozenset({204, 304})
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
log = logging.getLogger(__name__)


def _status_line(status: int) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1")


STATUS_LINES = {status.value: _status_line(status.value) for status in HTTPStatus}


class Cycle:
    """One request on a connection and its response: the proxy's `Client`."""

    __slots__ = (
        "_waiter",
        "answered",
        "buffered",
        "chunked",
        "chunks",
        "complete",
        "conn",
        "expect",
        "head",
        "head_only",
        "keep_alive",
        "method",
        "started",
    )

    def __init__(self, conn: FrontConnection, method: str, keep_alive: bool, expect: bool) -> None:
        self.conn = conn
        self.method = method
        self.keep_alive = keep_alive
        self.expect = expect  # `Expect: 100-continue`, answered when the body is first read
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.complete = False  # the request body was read to its end
        self.head = b""  # the response head, until the first body bytes go with it
        self.chunked = self.head_only = self.answered = self.started = False
        self._waiter: asyncio.Future[None] | None = None

    # request body
    def add(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        self.wake()

    def wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def read(self) -> tuple[bytes, bool]:
        conn = self.conn
        while not self.chunks and not self.complete:
            if conn.lost:
                raise ClientGone
            if self.expect:
                self.expect = False
                conn.write(CONTINUE)
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        chunks, self.chunks, self.buffered = self.chunks, [], 0
        conn.reading_may_resume()
        return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), not self.complete

    # response
    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.started = True
        lines = [f"{name}: {value}\r\n" for name, value in headers]
        framed = any(name.lower() in ("content-length", "transfer-encoding") for name, _ in headers)
        self.head_only = self.method == "HEAD" or status in NO_BODY or status < 200
        if not framed and not self.head_only:
            self.chunked = True
            lines.append("transfer-encoding: chunked\r\n")
        if not self.keep_alive:
            lines.append("connection: close\r\n")
        lines.append("\r\n")
        status_line = STATUS_LINES.get(status) or _status_line(status)
        self.head = status_line + "".join(lines).encode("latin-1")

    def flush(self) -> None:
        if self.head:
            self.conn.write(self.head)
            self.head = b""

    async def send(self, data: bytes, more: bool) -> None:
        if self.head_only:
            data = b""
        elif self.chunked:
            data = (b"%x\r\n%s\r\n" % (len(data), data) if data else b"") + (b"" if more else b"0\r\n\r\n")
        if self.head:
            data, self.head = self.head + data, b""
        conn = self.conn
        if data:
            conn.write(data)
        if not more:
            self.answered = True
            conn.answered(self)
        else:
            await conn.drained()


class FrontConnection(Paced):
    """One client connection; its requests are forwarded one after the other."""

    def __init__(self, proxy: RecordingProxy, connections: set[FrontConnection]) -> None:
        self.proxy = proxy
        self.connections = connections
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.origin = "http://"
        self.lost = False
        self.paused = False
        self.current: Cycle | None = None  # the request being answered
        self.parsing: Cycle | None = None  # the request whose body the parser is reading
        self.pipeline: deque[tuple[Cycle, str, list[tuple[str, str]]]] = deque()
        self.idle_since: float | None = None  # when the last answer ended (None: none yet)
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._expect = False

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        sockname = transport.get_extra_info("sockname")
        if isinstance(sockname, tuple):
            self.origin = f"http://{sockname[0]}:{sockname[1]}"  # for a request without Host
        self.connections.add(self)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self.parsing is not None:
                self.parsing.keep_alive = False  # forwarded without its upgrade; nothing follows
        except httptools.HttpParserError:
            if self.current is None and self.transport is not None:
                body = b"Invalid HTTP request received."
                head = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
                head += b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
                self.transport.write(head + body)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.connections.discard(self)
        self.pipeline.clear()
        for cycle in (self.current, self.parsing):
            if cycle is not None:
                cycle.wake()
        self.release_writers()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._url, self._headers, self._expect = b"", [], False

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        value = value.rstrip(b" \t")
        if name == b"expect" and value.lower() == b"100-continue":
            self._expect = True
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        parser = self.parser
        method = parser.get_method().decode("ascii")
        keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
        url = self._url
        if not url.startswith(b"/"):  # absolute form, or `*`
            parsed = httptools.parse_url(url)
            url = (parsed.path or b"") + (b"?" + parsed.query if parsed.query else b"")
        cycle = self.parsing = Cycle(self, method, keep_alive, self._expect)
        if self.current is None:
            self._start(cycle, url.decode("latin-1"), self._headers)
        else:  # pipelined: answered after the ones before it
            self.pipeline.append((cycle, url.decode("latin-1"), self._headers))
            self._pause()

    def on_body(self, body: bytes) -> None:
        cycle = self.parsing
        if cycle is not None and not cycle.answered:
            cycle.add(body)
            if cycle.buffered > HIGH_WATER:
                self._pause()

    def on_message_complete(self) -> None:
        cycle = self.parsing
        if cycle is not None:
            cycle.complete = True
            cycle.wake()

    # the cycles
    def _start(self, cycle: Cycle, target: str, headers: list[tuple[str, str]]) -> None:
        self.current, self.idle_since = cycle, None
        host = next((v for k, v in headers if k == "host"), "")
        origin = f"http://{host}" if host else self.origin
        run(self.proxy.forward(cycle.method, target, headers, origin, cycle), cycle)

    def answered(self, cycle: Cycle) -> None:
        """`cycle`'s response is complete: close, or go on with the next request."""
        if cycle is not self.current:
            return
        self.current = None
        if self.lost:
            return
        if not cycle.keep_alive:
            self.close()
            return
        if self.pipeline:
            self._start(*self.pipeline.popleft())
        else:
            self.idle_since = asyncio.get_running_loop().time()
        self.reading_may_resume()

    def failed(self, cycle: Cycle) -> None:
        """The proxy raised while answering `cycle`: a 500 if nothing was sent yet, then close."""
        if not cycle.started or cycle.head:
            body = b"Internal Server Error"
            head = b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
            self.write(head + b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body))
        self.close()

    # flow control and writing
    def write(self, data: bytes) -> None:
        transport = self.transport
        if not self.lost and transport is not None and not transport.is_closing():
            transport.write(data)

    def _pause(self) -> None:
        if not self.paused and self.transport is not None and not self.lost:
            self.paused = True
            self.transport.pause_reading()

    def reading_may_resume(self) -> None:
        if not self.paused or self.pipeline:
            return
        parsing = self.parsing
        if parsing is not None and parsing.buffered > HIGH_WATER:
            return
        self.paused = False
        if self.transport is not None and not self.lost:
            self.transport.resume_reading()

    def idle(self, now: float) -> bool:
        """Kept alive after an answer for longer than KEEP_ALIVE without a new request."""
        since = self.idle_since
        return self.current is None and since is not None and now - since > KEEP_ALIVE

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def run(work: Coroutine[Any, Any, None], cycle: Cycle) -> None:
    task = asyncio.get_running_loop().create_task(work)
    task.add_done_callback(lambda done: _finished(done, cycle))


def _finished(task: asyncio.Task[None], cycle: Cycle) -> None:
    if task.cancelled():
        cycle.conn.close()
        return
    error = task.exception()
    if error is not None:
        if not isinstance(error, ClientGone | UpstreamError):
            log.error("forwarding failed", exc_info=error)
        cycle.conn.failed(cycle)
    elif not cycle.answered:
        cycle.conn.answered(cycle)  # the client hung up before its body was complete


class FrontServer:
    """`RecordingProxy` served on host:port; `close` stops it, letting answers in flight finish."""

    def __init__(self, proxy: RecordingProxy) -> None:
        self.proxy = proxy
        self.connections: set[FrontConnection] = set()
        self.server: asyncio.Server | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, host: str, port: int) -> str:
        """Listen; returns the URL clients reach the proxy at."""
        loop = asyncio.get_running_loop()
        try:
            self.server = await loop.create_server(
                lambda: FrontConnection(self.proxy, self.connections), host, port, backlog=2048
            )
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        self._sweeper = loop.create_task(self._sweep())
        bound = self.server.sockets[0].getsockname()[1]
        return f"http://[{host}]:{bound}" if ":" in host else f"http://{host}:{bound}"

    async def _sweep(self) -> None:
        """Close connections idle for longer than KEEP_ALIVE, once a second."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(1.0)
            now = loop.time()
            for conn in [c for c in self.connections if c.idle(now)]:
                conn.close()

    async def close(self, grace: float = 10.0) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self.server is not None:
            self.server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while True:
            for conn in [c for c in self.connections if c.current is None]:
                conn.close()
            if not self.connections or loop.time() > deadline:
                break
            await asyncio.sleep(0.05)
        for conn in list(self.connections):
            conn.close()
        await self.proxy.aclose()
