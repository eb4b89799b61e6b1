"""One HTTP request handed straight to an ASGI app, as uvicorn would hand it over: no sockets, so
in-process benchmarks measure the app alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Call = Callable[[], Awaitable[tuple[int, bytes]]]


def asgi_call(
    app: Any,
    method: str,
    target: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    *,
    server: tuple[str, int] = ("127.0.0.1", 8000),
    content_type: bytes = b"application/json",
) -> Call:
    """A callable that sends `method target` (path and query) with `headers` (and `body`, with its
    content type and length) as a fresh ASGI call each time, and returns (status, body)."""
    path, _, query = target.partition("?")
    headers = list(headers)
    if body:
        headers += [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]

    async def call() -> tuple[int, bytes]:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 40000), "server": server,
            "state": {},
        }  # fmt: skip
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call
