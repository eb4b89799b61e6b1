"""The proxy's upstream client: a pool of keep-alive HTTP/1.1 connections on plain asyncio
protocols, responses parsed by httptools.

A general-purpose client (httpx, httpcore's pool) cost a millisecond or more of CPU per
forwarded request here, more than everything else the proxy does together. Forwarding needs
much less: write the request as it comes, hand back status, headers and body chunks as they
arrive, and put the connection back when the response is complete. Bodies stream both ways
with flow control (the upstream socket stops being read while the client is slow).
"""

from __future__ import annotations

import asyncio
import select
import ssl
import time
from typing import cast
from urllib.parse import urlsplit

import httptools

from recorder.paced import Paced

HIGH_WATER = 256 * 1024


class UpstreamError(Exception):
    """The upstream could not be reached, or broke off before the response was complete."""


class UpstreamConnection(Paced):
    """One connection; carries one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.head_only = False
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.headers_done = self.complete = self.closed = self.keep_alive = False
        self.error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._length_known = self._paused = False

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"bad response from upstream: {exc}"))
        if self.buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done and not self.complete and not self._length_known:
            self.complete = True  # a body delimited by the end of the connection
        elif not self.complete:
            self._fail(UpstreamError(f"upstream closed the connection ({exc or 'EOF'})"))
        self._wake()
        self.release_writers()

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self._length_known = True

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self.headers, self._length_known = [], False  # 100 Continue and friends: wait on
            return
        self.status, self.headers_done = status, True
        if self.head_only:  # no body follows, whatever Content-Length says; not reusable
            self.complete = True
            self.parser = httptools.HttpResponseParser(self)
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        self._wake()

    def on_message_complete(self) -> None:
        if self.headers_done:
            self.complete = True
            self.keep_alive = self.parser.should_keep_alive()  # reset once the message is done
            self._wake()

    # used by the proxy
    def usable(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    def still_open(self) -> bool:
        """Usable, and nothing waiting to be read: an idle connection the upstream has meanwhile
        closed has its end of file waiting, though the event loop may not have seen it yet."""
        if self.transport is None or not self.usable():
            return False
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return True
        try:
            readable, _, _ = select.select([sock.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def reset(self, head_only: bool) -> None:
        self.head_only, self.status, self.headers = head_only, 0, []
        self.chunks, self.buffered, self._length_known = [], 0, False
        self.headers_done = self.complete = self.keep_alive = False

    async def write(self, data: bytes) -> None:
        if self.error is not None or self.transport is None or self.closed:
            raise self.error or UpstreamError("upstream connection closed")
        self.transport.write(data)
        await self.drained()

    async def head(self, timeout: float) -> None:
        while not self.headers_done:
            await self.wait(timeout)

    def take(self) -> bytes:
        """The body bytes that arrived so far (transfer coding undone, content coding kept);
        call only when `chunks` is not empty."""
        chunks, self.chunks, self.buffered = self.chunks, [], 0
        if self._paused:
            self._paused = False
            if self.transport is not None and not self.closed:
                self.transport.resume_reading()
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.head_only and self.usable()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.closed = True

    async def wait(self, timeout: float) -> None:
        """Until the parser has news (head, body, end) or failed; `UpstreamError` after `timeout` s."""
        if self.error is not None:
            raise self.error
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter)  # cheaper than asyncio.wait_for
        try:
            await waiter
        except TimeoutError:
            self.close()
            raise UpstreamError(f"upstream sent nothing for {timeout:g} s") from None
        finally:
            timer.cancel()
            self._waiter = None
        if self.error is not None:
            raise self.error

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        self.error = self.error or error
        self._wake()
        if self.transport is not None:
            self.transport.close()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


IDLE_TIMEOUT = 4.0
"""Seconds a connection may sit idle before it is no longer reused: under the 5 s after which
uvicorn, Node.js and Apache close an idle connection, so that a request is not sent on a
connection the upstream is closing at that very moment (a request with side effects that meets
such a close cannot be sent again, and its client would get a 502)."""


class UpstreamPool:
    """Keep-alive connections to one origin (http or https), reused most-recent first."""

    def __init__(
        self, origin: str, timeout: float = 60.0, max_idle: int = 256, idle_timeout: float = IDLE_TIMEOUT
    ) -> None:
        parts = urlsplit(origin)
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self.timeout = timeout
        self.max_idle = max_idle
        self.idle_timeout = idle_timeout
        self._idle: list[tuple[UpstreamConnection, float]] = []

    async def acquire(self, head_only: bool = False) -> tuple[UpstreamConnection, bool]:
        """A connection ready for a request, and whether it was used before."""
        if self._idle:
            fresh_after = time.monotonic() - self.idle_timeout
            while self._idle:
                conn, released = self._idle.pop()
                if released < fresh_after:  # and so are all older ones
                    conn.close()
                    self.close()
                    break
                if conn.still_open():
                    conn.reset(head_only)
                    return conn, True
                conn.close()
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(
                    UpstreamConnection,
                    self.host,
                    self.port,
                    ssl=self.ssl,
                    server_hostname=self.host if self.ssl else None,
                ),
                self.timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise UpstreamError(f"cannot connect to {self.host}:{self.port}: {exc!r}") from exc
        conn.head_only = head_only
        return conn, False

    def release(self, conn: UpstreamConnection) -> None:
        """Back to the pool when its response was read to the end and it may stay open."""
        if conn.reusable() and len(self._idle) < self.max_idle:
            self._idle.append((conn, time.monotonic()))
        else:
            conn.close()

    def close(self) -> None:
        for conn, _ in self._idle:
            conn.close()
        self._idle.clear()
