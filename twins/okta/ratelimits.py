"""Okta rate limits: per-endpoint buckets on the tenant clock, X-Rate-Limit-* on every response."""

from __future__ import annotations

import re
import secrets
from email.utils import formatdate
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twins._runtime.context import TwinContext
from twins._runtime.journal import ADMIN_PREFIX
from twins._runtime.ratelimit import Limit, RateLimiter
from twins.kit import runtime_of

# (method or "*", path pattern, requests per minute): the first match names the bucket.
BUCKETS: list[tuple[str, re.Pattern[str], int]] = [
    ("POST", re.compile(r"^/api/v1/authn"), 600),
    ("*", re.compile(r"^/oauth2/(?:[^/]+/)?v1/token$"), 2000),
    ("*", re.compile(r"^/oauth2/(?:[^/]+/)?v1/(?:authorize|introspect|revoke|userinfo|logout)$"), 2000),
    ("*", re.compile(r"^/oauth2/(?:[^/]+/)?(?:v1/keys|\.well-known/.*)$"), 10000),
    ("GET", re.compile(r"^/api/v1/users/[^/]+$"), 2000),
    ("*", re.compile(r"^/api/v1/users/[^/]+"), 600),
    ("*", re.compile(r"^/api/v1/users$"), 600),
    ("GET", re.compile(r"^/api/v1/groups/[^/]+$"), 1000),
    ("*", re.compile(r"^/api/v1/groups"), 500),
    ("GET", re.compile(r"^/api/v1/apps/[^/]+$"), 500),
    ("*", re.compile(r"^/api/v1/apps"), 100),
    ("*", re.compile(r"^/api/v1/logs"), 120),
    ("*", re.compile(r"^/api/v1/sessions"), 750),
    ("*", re.compile(r"^/api/v1/"), 1200),
]
DEFAULT = 1200


def bucket(method: str, path: str) -> tuple[str, int]:
    for verb, pattern, per_minute in BUCKETS:
        if verb in ("*", method) and pattern.match(path):
            return f"{verb} {pattern.pattern}", per_minute
    return "default", DEFAULT


def reset_headers(request: Request, retry_after: int) -> dict[str, str]:
    """The headers of a 429 when only a delay is known (fault injection)."""
    ctx: TwinContext = request.app.state.twin
    tenant = ctx.tenant_id(request)
    state = ctx.store.get(tenant)
    now = state.clock.now() if state else 0.0
    _, limit = bucket(request.method, request.url.path)
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": str(int(now) + max(1, retry_after)),
        "Date": formatdate(now, usegmt=True),
        "Retry-After": str(max(1, retry_after)),
        "X-Okta-Request-Id": secrets.token_urlsafe(18),
    }


class OrgRateWindows(RateLimiter):
    """The org-wide windows of Okta's buckets: an extension of the Okta twin, so that a reset
    forgets a tenant's windows (`service.on_reset`)."""

    @classmethod
    def build(cls, ctx: TwinContext) -> OrgRateWindows:
        return cls(ctx.settings.rate_limits)


class OktaRateLimitMiddleware:
    """Counts each call in its bucket; answers 429 E0000047 past the limit; stamps the headers.

    Okta counts every call, answered or not (unknown paths, bad credentials too), and stamps the
    headers on every answer, so this runs before routing rather than per operation."""

    def __init__(self, app: ASGIApp, ctx: TwinContext) -> None:
        self.app = app
        self.ctx = ctx
        self._limiter: OrgRateWindows | None = None

    @property
    def limiter(self) -> OrgRateWindows:
        if self._limiter is None:  # the twin's extensions exist once its routes are built
            runtime = runtime_of(self.ctx)
            runtime.start()
            self._limiter = runtime.extensions.get(OrgRateWindows)
        return self._limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        tenant = scope.get("state", {}).get("twin_tenant") or self.ctx.settings.default_tenant
        state = self.ctx.store.get(tenant)
        now = state.clock.now() if state else 0.0
        name, per_minute = bucket(scope["method"], scope["path"])
        decision = self.limiter.check(f"{tenant}:{name}", Limit(per_minute, 60), now)
        headers: list[tuple[bytes, bytes]] = [
            (b"x-rate-limit-limit", str(decision.limit).encode()),
            (b"x-rate-limit-remaining", str(decision.remaining).encode()),
            (b"x-rate-limit-reset", str(int(decision.reset_at)).encode()),
            (b"x-okta-request-id", secrets.token_urlsafe(18).encode()),
        ]
        if not decision.allowed:
            from twins.okta.errors import OktaError, render

            error = OktaError(
                "API call exceeded rate limit due to too many requests.", code="E0000047", status=429
            )
            response = render(error)
            for key, value in headers:
                response.headers[key.decode()] = value.decode()
            response.headers["date"] = formatdate(now, usegmt=True)
            await response(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {k.lower() for k, _ in message.get("headers", [])}
                extra: list[Any] = [h for h in headers if h[0] not in existing]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, stamped)
