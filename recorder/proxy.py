"""The recording reverse proxy: an ASGI app that forwards every request to one upstream over a
pool of keep-alive connections (`recorder.upstream`), streams bodies both ways, and hands each
finished exchange to a sink.

Hop-by-hop headers are dropped in both directions; redirects are passed back (not followed)
with `Location`, `Content-Location` and `Link` rewritten to the proxy's own origin so clients
stay on it. Responses reach the client byte for byte (still compressed); the recorded copy is
decoded, with the original `Content-Encoding` noted in `X-Recorded-Content-Encoding`.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from recorder.codec import iso_timestamp
from recorder.trace import Body, Exchange, Request, Response
from recorder.upstream import UpstreamConnection, UpstreamError, UpstreamPool
from recorder.wire import ENCODING_NOTE, forwardable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Sink = Callable[[Exchange], object]
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
    """Reverse proxy to `upstream`; every completed exchange goes to `sink` before the last byte
    of its response reaches the client, so an answered request is a recorded one. It is an ASGI
    app, and `forward` serves `recorder.front`'s connections without ASGI in between."""

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
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        target = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        incoming = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        host = next((v for k, v in incoming if k.lower() == "host"), "")
        if not host and scope.get("server"):
            server_host, port = scope["server"]
            host = f"{server_host}:{port}"
        origin = f"{scope.get('scheme', 'http')}://{host}"
        await self.forward(scope["method"], target, incoming, origin, AsgiClient(receive, send))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def forward(
        self, method: str, target: str, incoming: list[tuple[str, str]], proxy_origin: str, client: Client
    ) -> None:
        """Forward one request (`target`: path and query as sent) and answer `client`; record the
        exchange once its response is complete. `proxy_origin` is where clients reach the proxy."""
        started, clock = time.time(), time.perf_counter()
        target = self.prefix + target
        chunked = any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in incoming)
        headers = [("host", self.netloc)]
        headers += [(k, v) for k, v in forwardable(incoming) if k.lower() != "host"]
        has_body = chunked or any(k.lower() == "content-length" for k, _ in headers)
        if chunked:
            headers.append(("transfer-encoding", "chunked"))
        head = _request_head(method, target, headers)
        sent = bytearray()
        pool = self.pool
        try:
            conn = await self._send_request(method, head, client, sent, has_body, chunked)
        except ClientGone:
            return  # nothing was answered, so nothing is recorded
        except UpstreamError as exc:
            self.failures += 1
            await _bad_gateway(client, f"upstream {self.origin} failed: {exc}")
            return
        received = bytearray()
        kept = forwardable(conn.headers)
        try:
            await client.start(conn.status, self._client_headers(kept, proxy_origin))
            held = b""  # the last chunk waits until the exchange is on disk
            while True:
                if conn.chunks:
                    chunk = conn.take()
                    if held:
                        await client.send(held, True)
                    received += chunk
                    held = chunk
                elif conn.complete:
                    break
                else:
                    client.flush()  # the head goes out before a wait for the body
                    await conn.wait(pool.timeout)
            request = Request(
                method=method,
                url=self.origin + target,
                headers=[(k, v) for k, v in headers if k != "transfer-encoding"],
                body=Body.from_bytes(bytes(sent)),
            )
            self.sink(
                Exchange(
                    ts=_timestamp(started),
                    request=request,
                    response=_recorded_response(conn.status, conn.headers, kept, bytes(received)),
                    duration_ms=round((time.perf_counter() - clock) * 1000, 3),
                )
            )
            await client.send(held, False)
        except UpstreamError:
            self.failures += 1  # broke off mid-body: the client sees a cut response, nothing is recorded
            raise
        finally:
            pool.release(conn)

    async def _send_request(
        self, method: str, head: bytes, client: Client, sent: bytearray, has_body: bool, chunked: bool
    ) -> UpstreamConnection:
        """Write the request (its body streamed as it arrives) and wait for the response head.
        A request without side effects that met a kept-alive connection the upstream had closed
        meanwhile is sent once more on a new connection."""
        pending = has_body
        if pending:  # the first piece of the body goes out with the head, in one write
            pending = await _read_body(client, sent)
        while True:
            conn, reused = await self.pool.acquire(method == "HEAD")
            try:
                await conn.write(head + _frame(bytes(sent), chunked) if sent else head)
                while pending:
                    before = len(sent)
                    pending = await _read_body(client, sent)
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

    def _client_headers(self, kept: list[tuple[str, str]], proxy_origin: str) -> list[tuple[str, str]]:
        """The response headers the client gets: `kept` (hop-by-hop ones already dropped), with
        links to the upstream pointed at the proxy."""
        if not any(name.lower() in REWRITTEN for name, _ in kept):
            return kept
        out = []
        for name, value in kept:
            if name.lower() in REWRITTEN:
                value = value.replace(self.origin, proxy_origin)
            out.append((name, value))
        return out


class ClientGone(Exception):
    """The client hung up before its request body was complete."""


class Client(Protocol):
    """The client side of one exchange: its request body, and where its response goes."""

    async def read(self) -> tuple[bytes, bool]:
        """The next piece of the request body and whether more follows; `ClientGone` if it hung up."""

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        """The response's status and headers (they may wait for the first piece of the body)."""

    async def send(self, data: bytes, more: bool) -> None:
        """A piece of the response body; `more=False` ends the response."""

    def flush(self) -> None:
        """Send the response head now if it is still waiting."""


class AsgiClient:
    """`Client` over ASGI's receive and send."""

    __slots__ = ("_receive", "_send")

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive, self._send = receive, send

    async def read(self) -> tuple[bytes, bool]:
        message = await self._receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        return message.get("body", b""), bool(message.get("more_body", False))

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await self._send({"type": "http.response.start", "status": status, "headers": encoded})

    async def send(self, data: bytes, more: bool) -> None:
        await self._send({"type": "http.response.body", "body": data, "more_body": more})

    def flush(self) -> None:
        pass


async def _read_body(client: Client, sent: bytearray) -> bool:
    """Append the next piece of the request body to `sent`; whether more follows."""
    data, more = await client.read()
    sent += data
    return more


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


_second: list[Any] = [None, ""]  # the last second formatted, and its text


def _timestamp(moment: float) -> str:
    """`iso_timestamp` of a `time.time()` value; the text of a second is made once per second."""
    fraction, whole = math.modf(moment)
    second, micros = int(whole), round(fraction * 1e6)  # rounded as datetime.fromtimestamp does
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    if second != _second[0]:
        text = iso_timestamp(datetime.fromtimestamp(second, UTC))
        _second[:] = [second, text[: -len(".000Z")]]
    return f"{_second[1]}.{micros // 1000:03d}Z"


async def _bad_gateway(client: Client, message: str) -> None:
    body = message.encode()
    headers = [("content-type", "text/plain; charset=utf-8"), ("content-length", str(len(body)))]
    await client.start(502, headers)
    await client.send(body, False)
