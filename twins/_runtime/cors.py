"""CORS for the origins the user allows (`--cors-origin`), and none for any other: a web page
open in the developer's browser must not drive a local twin with the credentials it holds."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSE = b"x-slack-req-id, retry-after, x-rate-limit-limit, x-rate-limit-remaining, x-rate-limit-reset, link"
MAX_AGE = b"600"


class Cors:
    """Answers a preflight from an allowed origin, and marks the responses to its requests; requests
    from other origins pass unmarked (the browser then keeps the answer from the page)."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.any = "*" in origins
        self.origins = frozenset(o.rstrip("/").encode("latin-1") for o in origins if o != "*")

    def allowed(self, origin: bytes) -> bool:
        return self.any or origin in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin") if scope["type"] == "http" else None
        if origin is None or not self.allowed(origin):
            await self.app(scope, receive, send)
            return
        marks = [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin"),
        ]
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            asked = _header(scope, b"access-control-request-headers") or b"authorization, content-type"
            headers = [
                *marks,
                (b"access-control-allow-methods", ALLOW_METHODS),
                (b"access-control-allow-headers", asked),
                (b"access-control-max-age", MAX_AGE),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *marks,
                    (b"access-control-expose-headers", EXPOSE),
                ]
            await send(message)

        await self.app(scope, receive, marked)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return None
