"""ASGI middleware: tenant selection, and fault injection with the vendor's own error bodies."""

from __future__ import annotations

import time
from email.utils import formatdate

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twins._runtime.context import TwinContext
from twins._runtime.faults import DroppedConnection, delay
from twins._runtime.journal import ADMIN_PREFIX

TENANT_HEADER = b"x-twin-tenant"
LOOPBACK_LABELS = frozenset({"localhost", "127", "0", "[", "host", "testserver"})


class TenancyMiddleware:
    """Picks the tenant from `X-Twin-Tenant`, the Host's first label, or the credential.

    It also stamps the one `Date` header of every response (servers run without their own), from
    the tenant's clock, so that it agrees with the times the twin puts in headers and bodies.
    """

    def __init__(self, app: ASGIApp, ctx: TwinContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        if not scope["path"].startswith(ADMIN_PREFIX):
            tenant, problem = self.pick(scope)
            if problem:
                request = Request(scope, receive)
                error = self.ctx.service.http_error(400, request, problem)
                await self.ctx.service.render_error(error, request)(scope, receive, send)
                return
            state["twin_tenant"] = tenant
        await self.app(scope, receive, self.dated(scope, send))

    def dated(self, scope: Scope, send: Send) -> Send:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"date" for k, _ in headers):
                    headers.append((b"date", formatdate(self.now(scope), usegmt=True).encode()))
                    message["headers"] = headers
            await send(message)

        return stamped

    def now(self, scope: Scope) -> float:
        """Vendor traffic: the tenant's clock; the admin API: wall time."""
        if scope["path"].startswith(ADMIN_PREFIX):
            return time.time()
        tenant = scope.get("state", {}).get("twin_tenant") or self.ctx.settings.default_tenant
        state = self.ctx.store.tenants.get(tenant)
        return state.clock.now() if state is not None else time.time()

    def pick(self, scope: Scope) -> tuple[str | None, str]:
        store = self.ctx.store
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        named = headers.get(TENANT_HEADER)
        if named is not None:
            tenant = named.decode("latin-1")
            if store.get(tenant) is None:
                return None, f"unknown tenant {tenant!r} in X-Twin-Tenant"
            return tenant, ""
        host = headers.get(b"host", b"").decode("latin-1").split(":")[0]
        label = host.split(".")[0] if "." in host else ""
        if label and label not in LOOPBACK_LABELS and store.get(label) is not None:
            return label, ""
        text_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers.items()}
        query = Request(scope).query_params
        token = self.ctx.service.credential_from_headers(text_headers, query)
        if token:
            owner = store.tenant_for_credential(token)
            if owner is not None:
                return owner, ""
        return None, ""


class FaultMiddleware:
    """Applies the first matching fault rule: latency, vendor error, vendor 429, or a dropped connection."""

    def __init__(self, app: ASGIApp, ctx: TwinContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.ctx.faults
        if not faults.active or scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        tenant = scope.get("state", {}).get("twin_tenant") or self.ctx.settings.default_tenant
        fault = faults.pick(tenant, scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        await delay(fault)
        rule = fault.rule
        if rule.action == "latency":
            await self.app(scope, receive, send)
            return
        if rule.action == "drop":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1048576")]}
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            raise DroppedConnection(fault.id)
        request = Request(scope, receive)
        service = self.ctx.service
        if rule.action == "rate_limit":
            error = service.rate_limited(rule.retry_after, request)
        else:
            error = service.http_error(rule.status, request, "injected fault")
        response = service.render_error(error, request)
        if rule.body is not None:
            from starlette.responses import JSONResponse

            response = JSONResponse(
                rule.body,
                status_code=response.status_code,
                headers={
                    k: v
                    for k, v in response.headers.items()
                    if k.lower() not in ("content-length", "content-type")
                },
            )
        await response(scope, receive, send)
