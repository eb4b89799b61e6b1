"""The recording reverse proxy: an ASGI app that forwards every request to one upstream over a
pool of keep-alive connections (`recorder.upstream`), streams bodies both ways, and hands each
finished exchange to a sink.

Hop-by-hop headers are dropped in both directions; redirects are passed back (not followed)
with `Location`, `Content-Location` and `Link` rewritten to the proxy's own origin so clients
stay on it. Responses reach the client byte for byte (still compressed); the recorded copy is
decoded, with the original `Content-Encoding` noted in `X-Recorded-Content-Encoding`.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from recorder.codec import iso_timestamp
from recorder.trace import Body, Exchange, Request, Response
from recorder.upstream import UpstreamConnection, UpstreamError, UpstreamPool
from recorder.wire import ENCODING_NOTE, forwardable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Sink = Callable[[Exchange], None]
REWRITTEN = frozenset({"location", "content-location", "link"})
REPEATABLE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})  # safe to send twice


def decode_body(data: bytes, encoding: str) -> bytes:
    """`data` with its Content-Encoding undone (gzip, deflate, br); unchanged if that fails."""
    try:
        for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
            if coding in ("gzip", "x-gzip"):
                data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    data = zlib.decompress(data)
                except zlib.error:
                    data = zlib.decompress(data, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli

                data = brotli.decompress(data)
            elif coding != "identity":
                return data
    except Exception:  # a body that does not decode is kept as sent
        return data
    return data


class RecordingProxy:
    """ASGI reverse proxy to `upstream`; every completed exchange goes to `sink` before the last
    byte of its response reaches the client, so an answered request is a recorded one."""

    def __init__(self, upstream: str, sink: Sink, *, timeout: float = 60.0) -> None:
        parts = urlsplit(upstream.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"upstream {upstream!r} is not an http(s) URL")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.netloc = parts.netloc
        self.prefix = parts.path
        self.sink = sink
        self.failures = 0
        self.pool = UpstreamPool(self.origin, timeout)

    async def aclose(self) -> None:
        self.pool.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        await self._forward(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, clock = datetime.now(UTC), time.perf_counter()
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        target = self.prefix + raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        incoming = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        proxy_origin = _origin(scope, incoming)
        chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in incoming)
        headers = [("host", self.netloc)]
        headers += [(k, v) for k, v in forwardable(incoming) if k.lower() != "host"]
        has_body = chunked or any(k.lower() == "content-length" for k, _ in headers)
        if chunked:
            headers.append(("transfer-encoding", "chunked"))
        method = scope["method"]
        head = _request_head(method, target, headers)
        sent = bytearray()
        pool = self.pool
        try:
            conn = await self._send_request(method, head, receive, sent, has_body, chunked)
        except ClientGone:
            return  # nothing was answered, so nothing is recorded
        except UpstreamError as exc:
            self.failures += 1
            await _bad_gateway(send, f"upstream {self.origin} failed: {exc}")
            return
        received = bytearray()
        kept = forwardable(conn.headers)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": conn.status,
                    "headers": self._client_headers(kept, proxy_origin),
                }
            )
            held = b""  # the last chunk waits until the exchange is on disk
            async for chunk in conn.body(pool.timeout):
                if held:
                    await send({"type": "http.response.body", "body": held, "more_body": True})
                received += chunk
                held = chunk
            request = Request(
                method=method,
                url=self.origin + target,
                headers=[(k, v) for k, v in headers if k != "transfer-encoding"],
                body=Body.from_bytes(bytes(sent)),
            )
            self.sink(
                Exchange(
                    ts=iso_timestamp(started),
                    request=request,
                    response=_recorded_response(conn.status, conn.headers, kept, bytes(received)),
                    duration_ms=round((time.perf_counter() - clock) * 1000, 3),
                )
            )
            await send({"type": "http.response.body", "body": held, "more_body": False})
        except UpstreamError:
            self.failures += 1  # broke off mid-body: the client sees a cut response, nothing is recorded
            raise
        finally:
            pool.release(conn)

    async def _send_request(
        self, method: str, head: bytes, receive: Receive, sent: bytearray, has_body: bool, chunked: bool
    ) -> UpstreamConnection:
        """Write the request (its body streamed as it arrives) and wait for the response head.
        A request without side effects that met a kept-alive connection the upstream had closed
        meanwhile is sent once more on a new connection."""
        pending = has_body
        if pending:  # the first piece of the body goes out with the head, in one write
            pending = await _read_body(receive, sent)
        while True:
            conn, reused = await self.pool.acquire(method == "HEAD")
            try:
                await conn.write(head + _frame(bytes(sent), chunked) if sent else head)
                while pending:
                    before = len(sent)
                    pending = await _read_body(receive, sent)
                    if len(sent) > before:
                        await conn.write(_frame(bytes(sent[before:]), chunked))
                if chunked:
                    await conn.write(b"0\r\n\r\n")
                await conn.head(self.pool.timeout)
                return conn
            except ClientGone:
                conn.close()
                raise
            except UpstreamError:
                conn.close()
                if not reused or pending or conn.headers_done or method not in REPEATABLE:
                    raise

    def _client_headers(self, kept: list[tuple[str, str]], proxy_origin: str) -> list[tuple[bytes, bytes]]:
        """The response headers the client gets: `kept` (hop-by-hop ones already dropped), with
        links to the upstream pointed at the proxy."""
        out = []
        for name, value in kept:
            if name.lower() in REWRITTEN:
                value = value.replace(self.origin, proxy_origin)
            out.append((name.encode("latin-1"), value.encode("latin-1")))
        return out


class ClientGone(Exception):
    """The client hung up before its request body was complete."""


async def _read_body(receive: Receive, sent: bytearray) -> bool:
    """Append the next piece of the request body to `sent`; whether more follows."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientGone
    sent += message.get("body", b"")
    return bool(message.get("more_body", False))


def _request_head(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target or '/'} HTTP/1.1", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _frame(data: bytes, chunked: bool) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if chunked and data else data


def _recorded_response(
    status: int, received: list[tuple[str, str]], kept: list[tuple[str, str]], raw: bytes
) -> Response:
    """The response as recorded: `kept` (`forwardable(received)`), the body decoded."""
    headers = kept
    encoding = next((v for k, v in received if k.lower() == "content-encoding"), "")
    if encoding and encoding.lower() != "identity":
        decoded = decode_body(raw, encoding)
        if decoded is not raw:
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
            headers += [("content-length", str(len(decoded))), (ENCODING_NOTE, encoding)]
            raw = decoded
    return Response(status=status, headers=headers, body=Body.from_bytes(raw))


def _origin(scope: Scope, headers: list[tuple[str, str]]) -> str:
    host = next((v for k, v in headers if k.lower() == "host"), "")
    if not host and scope.get("server"):
        server_host, port = scope["server"]
        host = f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def _bad_gateway(send: Send, message: str) -> None:
    body = message.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 502, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
