"""Rate limits counted before routing: vendors like Okta count every call in a bucket chosen by
method and path (unknown paths, bad credentials and 405s included) and stamp the bucket's headers
on every answer. A twin declares the buckets (`Mount(pre_route_limit=PreRouteLimit(buckets))`);
the kit counts each call before routing, answers the style's 429 past the limit and adds the
style's rate headers (and request id) to every answer that lacks them.

Windows are on the tenant clock, in the kit runtime's limiter, so a reset forgets a tenant's; the
mode (`--rate-limits real|strict|off`) applies as for per-operation limits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twins._runtime.context import TwinContext, context_of
from twins._runtime.errors import TwinError
from twins._runtime.journal import ADMIN_PREFIX
from twins._runtime.ratelimit import Decision, Limit, RateLimiter
from twins.kit.errors import ErrorStyle

# (method, path) -> (the bucket's name, its limit): the bucket a call counts in.
Buckets = Callable[[str, str], tuple[str, Limit]]


@dataclass(frozen=True)
class PreRouteLimit:
    """The buckets of a twin's pre-routing limit. Windows are per tenant and bucket (org-wide, as
    Okta's), not per caller."""

    buckets: Buckets

    def headers(self, style: ErrorStyle, decision: Decision, now: float) -> dict[str, str]:
        """The headers of an answer counted in `decision`'s window (a 429's add Date, from the
        tenant clock, which the vendor's clients read the reset against)."""
        headers = style.rate_limit_headers(decision)
        if not decision.allowed:
            headers["Date"] = formatdate(now, usegmt=True)
        if style.request_id_header:
            headers[style.request_id_header] = style.request_id()
        return headers

    def injected(self, style: ErrorStyle, retry_after: int, request: Request) -> TwinError:
        """A 429 from fault injection, where only the delay is known: the request's bucket and the
        tenant clock give the rest (`Retry-After` too)."""
        ctx = context_of(request)
        state = ctx.store.get(ctx.tenant_id(request))
        now = state.clock.now() if state is not None else 0.0
        _, limit = self.buckets(request.method, request.url.path)
        wait = max(1, retry_after)
        decision = Decision(False, limit.count, 0, int(now) + wait, wait)
        error = style.rate_limited(decision)
        error.headers = {**self.headers(style, decision, now), "Retry-After": str(wait)}
        return error


class PreRouting:
    """The ASGI middleware the kit puts in front of a twin's routes for its `PreRouteLimit`."""

    def __init__(
        self,
        app: ASGIApp,
        ctx: TwinContext,
        *,
        limit: PreRouteLimit,
        style: ErrorStyle,
        limiter: Callable[[TwinContext], RateLimiter],
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.limit = limit
        self.style = style
        self._limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        tenant = scope.get("state", {}).get("twin_tenant") or self.ctx.settings.default_tenant
        state = self.ctx.store.get(tenant)
        now = state.clock.now() if state is not None else 0.0
        name, limit = self.limit.buckets(scope["method"], scope["path"])
        decision = self._limiter(self.ctx).check(f"{tenant}:pre-route:{name}", limit, now)
        headers = self.limit.headers(self.style, decision, now)
        if not decision.allowed:
            error = self.style.rate_limited(decision)
            error.headers = headers
            response = self.ctx.service.render_error(error, Request(scope))
            await response(scope, receive, send)
            return
        stamp = [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers.items()]

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {key.lower() for key, _ in message.get("headers", [])}
                extra: list[Any] = [h for h in stamp if h[0] not in existing]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, stamped)
