"""The twin's one ASGI middleware: tenant selection, the `Date` header, the request journal and
fault injection with the vendor's own error bodies.

They are one layer, not four, because every vendor request passes through all of them: one pass
over the request headers, one wrapper around `send`, and no work for what is switched off.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twins._runtime.context import TwinContext
from twins._runtime.faults import DroppedConnection, delay
from twins._runtime.journal import ADMIN_PREFIX, Entry

TENANT_HEADER = b"x-twin-tenant"
LOOPBACK_LABELS = frozenset({"localhost", "127", "0", "[", "host", "testserver"})


class LazyQuery(Mapping[str, str]):
    """The query string as a mapping, parsed only if someone looks (last value of a key wins)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._parsed: dict[str, str] | None = None

    @property
    def parsed(self) -> dict[str, str]:
        if self._parsed is None:
            self._parsed = dict(parse_qsl(self.raw.decode("latin-1"), keep_blank_values=True))
        return self._parsed

    def __getitem__(self, key: str) -> str:
        return self.parsed[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.parsed)

    def __len__(self) -> int:
        return len(self.parsed)


class LazyHeaders(Mapping[str, str]):
    """The request headers as a text mapping (lower-case names; the last of a repeated one),
    decoded only where looked at."""

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def get(self, key: str, default: Any = None) -> Any:
        name = key.lower().encode("latin-1")
        for k, v in reversed(self.raw):
            if k == name:
                return v.decode("latin-1")
        return default

    def __getitem__(self, key: str) -> str:
        value: str | None = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k.decode("latin-1") for k, _ in self.raw))

    def __len__(self) -> int:
        return len({k for k, _ in self.raw})


class RequestFacts:
    """What one pass over the request headers tells the middleware."""

    __slots__ = ("has_body", "headers", "host", "named")

    def __init__(self, headers: list[tuple[bytes, bytes]]) -> None:
        self.headers = headers
        self.host = b""
        self.named: bytes | None = None
        self.has_body = False
        for key, value in headers:
            if key == b"host":
                self.host = value
            elif key == TENANT_HEADER:
                self.named = value
            elif key == b"content-length":
                self.has_body = value.strip() not in (b"", b"0")
            elif key == b"transfer-encoding":
                self.has_body = True


class TwinMiddleware:
    """Picks the tenant from `X-Twin-Tenant`, the Host's first label, or the credential; stamps the
    one `Date` header of every response from the tenant's clock (servers run without their own, so
    it agrees with the times in headers and bodies); journals every vendor exchange; applies the
    first matching fault rule (latency, vendor error, vendor 429, or a dropped connection).
    """

    def __init__(self, app: ASGIApp, ctx: TwinContext) -> None:
        self.app = app
        self.ctx = ctx
        self.store = ctx.store
        self.journal = ctx.journal if ctx.settings.journal else None
        self._second = -1
        self._date = b""

    @property
    def default_tenant(self) -> str:
        """Read on each request: the settings may name another default while the app serves."""
        return self.ctx.settings.default_tenant

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        if scope["path"].startswith(ADMIN_PREFIX):
            if self.store.shared:  # admin reads and writes see every write committed before them
                await self.store.fresh(self._admin_tenant(scope))
            await self.app(scope, receive, self._dated(send, scope, admin=True))
            return
        facts = RequestFacts(scope.get("headers") or [])
        tenant, problem = self.pick(scope, facts)
        if self.store.reloading:  # shared mode: the tenant is being read whole (Store.refresh)
            await self.store.settled(tenant or self.default_tenant)
        if problem:
            request = Request(scope, receive)
            error = self.ctx.service.http_error(400, request, problem)
            response = self.ctx.service.render_error(error, request)
            await response(scope, receive, self._dated(send, scope, admin=False))
            return
        state["twin_tenant"] = tenant
        journal = self.journal
        if journal is None:
            await self._serve(scope, receive, self._dated(send, scope, admin=False))
            return
        started, t0 = time.time(), time.perf_counter()
        req_body: list[bytes] = []
        resp_body: list[bytes] = []
        head: list[Any] = [0, []]  # status, headers
        recv = receive
        if facts.has_body:

            async def recv() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    req_body.append(message.get("body", b""))
                return message

        async def snd(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                self._stamp(message, scope)
                head[0], head[1] = message["status"], message["headers"]
            elif kind == "http.response.body":
                chunk = message.get("body", b"")
                if chunk:
                    resp_body.append(chunk)
            await send(message)

        try:
            await self._serve(scope, recv, snd)
        finally:
            query = scope.get("query_string", b"")
            url = f"{scope.get('scheme', 'http')}://{self._host(scope, facts)}{scope.get('root_path', '')}"
            url += scope["path"] + ("?" + query.decode("latin-1") if query else "")
            journal.add(
                Entry(
                    journal.next_seq(),
                    state.get("twin_tenant") or self.default_tenant,
                    started,
                    time.perf_counter() - t0,
                    scope["method"],
                    url,
                    tuple(facts.headers),
                    b"".join(req_body),
                    head[0],
                    tuple(head[1]),
                    b"".join(resp_body),
                )
            )

    @staticmethod
    def _host(scope: Scope, facts: RequestFacts) -> str:
        if facts.host:
            return facts.host.decode("latin-1")
        server = scope.get("server")
        return f"{server[0]}:{server[1]}" if server else ""

    def _admin_tenant(self, scope: Scope) -> str:
        """The tenant an admin request names (`?tenant=`, `X-Twin-Tenant`), else the default."""
        named = LazyQuery(scope.get("query_string", b"")).get("tenant")
        if not named:
            named = LazyHeaders(scope.get("headers") or []).get("x-twin-tenant")
        return named or self.default_tenant

    # --- Date ---------------------------------------------------------------------------------
    def _dated(self, send: Send, scope: Scope, *, admin: bool) -> Send:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._stamp(message, scope, admin=admin)
            await send(message)

        return stamped

    def _stamp(self, message: Message, scope: Scope, *, admin: bool = False) -> None:
        headers = message.get("headers") or []
        for key, _ in headers:
            if key == b"date":  # ASGI: response header names are lower-case
                return
        second = int(time.time() if admin else self._now(scope))
        if second != self._second:
            self._second, self._date = second, formatdate(second, usegmt=True).encode()
        message["headers"] = [*headers, (b"date", self._date)]

    def _now(self, scope: Scope) -> float:
        """Vendor traffic: the tenant's clock."""
        tenant = scope["state"].get("twin_tenant") or self.default_tenant
        state = self.store.tenants.get(tenant)
        return state.clock.now() if state is not None else time.time()

    # --- tenancy ------------------------------------------------------------------------------
    def pick(self, scope: Scope, facts: RequestFacts) -> tuple[str | None, str]:
        store = self.store
        if facts.named is not None:
            tenant = facts.named.decode("latin-1")
            if store.get(tenant) is None:
                return None, f"unknown tenant {tenant!r} in X-Twin-Tenant"
            return tenant, ""
        host = facts.host.decode("latin-1").split(":")[0]
        label = host.split(".")[0] if "." in host else ""
        if label and label not in LOOPBACK_LABELS and store.get(label) is not None:
            return label, ""
        query = LazyQuery(scope.get("query_string", b""))
        token = self.ctx.service.credential_from_headers(LazyHeaders(facts.headers), query)
        if token:
            owner = store.tenant_for_credential(token)
            if owner is not None:
                return owner, ""
        return None, ""

    # --- faults -------------------------------------------------------------------------------
    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.ctx.faults
        if not faults.active:
            await self.app(scope, receive, send)
            return
        tenant = scope["state"].get("twin_tenant") or self.default_tenant
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
