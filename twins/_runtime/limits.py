"""Request-body limits: a body past the limit gets a 413 in the twin's own error shape before it is
buffered, whether it declares its length or streams in chunks."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twins._runtime.admin import admin_error_response
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins._runtime.journal import ADMIN_PREFIX


class BodyTooLarge(HTTPException):
    """The body went past its limit while it was read: the app's HTTP-error handler renders a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


class BodyLimit:
    """Outermost middleware: a `Content-Length` past the limit is answered at once; a streamed body
    is counted chunk by chunk and the read that crosses the limit raises `BodyTooLarge`."""

    def __init__(self, app: ASGIApp, ctx: TwinContext) -> None:
        self.app = app
        self.ctx = ctx
        self.max_body = ctx.settings.max_body
        self.max_upload = max(ctx.settings.max_upload, ctx.settings.max_body)
        self.upload_paths = tuple(ctx.service.upload_paths)

    def limit_for(self, path: str) -> int:
        return self.max_upload if self.upload_paths and path.startswith(self.upload_paths) else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_body <= 0:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = declared_length(scope)
        if not declared:  # no body to read
            await self.app(scope, receive, send)
            return
        if declared > limit:
            await self.refuse(scope, receive, send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:  # raised where no handler rendered it
            if started:
                raise
            await self.refuse(scope, receive, send, limit)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """The 413 in the twin's shape; the connection is closed (the rest of the body is unread)."""
        response = too_large(self.ctx, Request(scope, receive), limit)
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def too_large(ctx: TwinContext, request: Request, limit: int) -> Response:
    """The 413 answer: the admin API's shape under /_twin, else the vendor's."""
    message = f"the request body is larger than {limit} bytes"
    if request.url.path.startswith(ADMIN_PREFIX):
        return admin_error_response(AdminError(413, "request_too_large", message))
    return ctx.service.render_error(ctx.service.http_error(413, request, message), request)


def declared_length(scope: Scope) -> int | None:
    """The declared body length: an int, -1 for a chunked body of unknown length, None for none."""
    for key, value in scope.get("headers") or ():
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1  # the server would have refused it; count what arrives
        if key == b"transfer-encoding":
            return -1
    return None
