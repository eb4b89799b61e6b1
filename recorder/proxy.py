"""The recording reverse proxy: an ASGI app that forwards every request to one upstream over
httpx, streams bodies both ways, and hands each finished exchange to a sink.

Hop-by-hop headers are dropped in both directions; redirects are passed back (not followed)
with `Location`, `Content-Location` and `Link` rewritten to the proxy's own origin so clients
stay on it. Responses reach the client byte for byte (still compressed); the recorded copy is
decoded, with the original `Content-Encoding` noted in `X-Recorded-Content-Encoding`.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from recorder.codec import iso_timestamp
from recorder.trace import Body, Exchange, Request, Response
from recorder.upstream import upstream_client
from recorder.wire import ENCODING_NOTE, forwardable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Sink = Callable[[Exchange], None]
REWRITTEN = frozenset({"location", "content-location", "link"})


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

    def __init__(
        self,
        upstream: str,
        sink: Sink,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 60.0,
    ) -> None:
        parts = urlsplit(upstream.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"upstream {upstream!r} is not an http(s) URL")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path
        self.sink = sink
        self.failures = 0
        self._client = client
        self._timeout = timeout

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = upstream_client(self._timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

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
        url = (
            self.origin
            + self.prefix
            + raw_path.decode("latin-1")
            + (f"?{query.decode('latin-1')}" if query else "")
        )
        incoming = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        proxy_origin = _origin(scope, incoming)
        headers = [(k, v) for k, v in forwardable(incoming) if k.lower() != "host"]
        sent = bytearray()
        request = self.client.build_request(
            scope["method"], url, headers=headers, content=_tee_request(receive, sent)
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            self.failures += 1
            await _bad_gateway(send, f"upstream {self.origin} failed: {type(exc).__name__}: {exc}")
            return
        received = bytearray()
        try:
            out_headers = self._client_headers(response, proxy_origin)
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": out_headers}
            )
            held = b""  # the last chunk waits until the exchange is on disk
            async for chunk in response.aiter_raw():
                if held:
                    await send({"type": "http.response.body", "body": held, "more_body": True})
                received += chunk
                held = chunk
            self.sink(self._exchange(scope, request, response, bytes(sent), bytes(received), started, clock))
            await send({"type": "http.response.body", "body": held, "more_body": False})
        finally:
            await response.aclose()

    def _exchange(
        self,
        scope: Scope,
        request: httpx.Request,
        response: httpx.Response,
        sent: bytes,
        received: bytes,
        started: datetime,
        clock: float,
    ) -> Exchange:
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "content-length"]
        if "content-length" in request.headers:
            headers.append(("content-length", request.headers["content-length"]))
        return Exchange(
            ts=iso_timestamp(started),
            request=Request(
                method=scope["method"], url=str(request.url), headers=headers, body=Body.from_bytes(sent)
            ),
            response=_recorded_response(response, received),
            duration_ms=round((time.perf_counter() - clock) * 1000, 3),
        )

    def _client_headers(self, response: httpx.Response, proxy_origin: str) -> list[tuple[bytes, bytes]]:
        out = []
        for name, value in forwardable(response.headers.multi_items()):
            if name.lower() in REWRITTEN:
                value = value.replace(self.origin, proxy_origin)
            out.append((name.encode("latin-1"), value.encode("latin-1")))
        return out


def _recorded_response(response: httpx.Response, raw: bytes) -> Response:
    headers = forwardable(response.headers.multi_items())
    encoding = response.headers.get("content-encoding", "")
    if encoding and encoding.lower() != "identity":
        decoded = decode_body(raw, encoding)
        if decoded is not raw:
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
            headers += [("content-length", str(len(decoded))), (ENCODING_NOTE, encoding)]
            raw = decoded
    return Response(status=response.status_code, headers=headers, body=Body.from_bytes(raw))


async def _tee_request(receive: Receive, sent: bytearray) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            sent += chunk
            yield chunk
        if not message.get("more_body", False):
            return


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
