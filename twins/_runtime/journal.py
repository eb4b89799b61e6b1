"""Request journal: every exchange a twin served, per tenant, in the trace format, paged."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recorder.trace import Body, Exchange, Request, Response

ADMIN_PREFIX = "/_twin"


@dataclass
class Entry:
    """A raw journal entry; turned into an `Exchange` only when read."""

    seq: int
    tenant: str | None
    started: float
    duration: float
    method: str
    url: str
    req_headers: list[tuple[bytes, bytes]]
    req_body: bytes
    status: int
    resp_headers: list[tuple[bytes, bytes]]
    resp_body: bytes


class Journal:
    """Bounded in-memory log of served exchanges (the newest `limit` per tenant)."""

    def __init__(self, service: str, limit: int) -> None:
        self.service = service
        self.limit = limit
        self.seq = 0
        self._by_tenant: dict[str | None, deque[Entry]] = {}

    def add(self, entry: Entry) -> None:
        ring = self._by_tenant.get(entry.tenant)
        if ring is None:
            ring = self._by_tenant[entry.tenant] = deque(maxlen=self.limit)
        ring.append(entry)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def clear(self, tenant: str | None) -> None:
        self._by_tenant.pop(tenant, None)

    def page(
        self,
        tenant: str | None,
        *,
        after: int = 0,
        limit: int = 100,
        match: Callable[[Entry], bool] | None = None,
    ) -> tuple[list[Exchange], int | None]:
        """Exchanges with seq > after, oldest first; and the cursor for the next page, if any."""
        ring = self._by_tenant.get(tenant, deque())
        found: list[Entry] = []
        more = False
        for entry in ring:
            if entry.seq <= after or (match is not None and not match(entry)):
                continue
            if len(found) == limit:
                more = True
                break
            found.append(entry)
        cursor = found[-1].seq if more and found else None
        return [self.to_exchange(e) for e in found], cursor

    def to_exchange(self, e: Entry) -> Exchange:
        return Exchange(
            service=self.service,
            seq=e.seq,
            ts=datetime.fromtimestamp(e.started, tz=UTC).isoformat().replace("+00:00", "Z"),
            request=Request(
                method=e.method, url=e.url, headers=_hdrs(e.req_headers), body=Body.from_bytes(e.req_body)
            ),
            response=Response(
                status=e.status, headers=_hdrs(e.resp_headers), body=Body.from_bytes(e.resp_body)
            ),
            duration_ms=round(e.duration * 1000, 3),
            session=e.tenant or "",
        )


def _hdrs(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


def request_url(scope: Scope) -> str:
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        server_host, port = scope["server"]
        host = f"{server_host}:{port}"
    url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"
    if scope.get("query_string"):
        url += "?" + scope["query_string"].decode("latin-1")
    return url


class JournalMiddleware:
    """Records every vendor exchange (not the admin API) into the journal.

    A request no tenant was picked for is served by the default tenant, so it is journaled there.
    """

    def __init__(self, app: ASGIApp, journal: Journal, default_tenant: str | None = None) -> None:
        self.app = app
        self.journal = journal
        self.default_tenant = default_tenant

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.time()
        t0 = time.perf_counter()
        req_body: list[bytes] = []
        resp_body: list[bytes] = []
        status = 0
        resp_headers: list[tuple[bytes, bytes]] = []

        async def recv() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                req_body.append(message.get("body", b""))
            return message

        async def snd(message: Message) -> None:
            nonlocal status, resp_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                resp_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                resp_body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, recv, snd)
        finally:
            state: Any = scope.get("state") or {}
            self.journal.add(
                Entry(
                    seq=self.journal.next_seq(),
                    tenant=state.get("twin_tenant") or self.default_tenant,
                    started=started,
                    duration=time.perf_counter() - t0,
                    method=scope["method"],
                    url=request_url(scope),
                    req_headers=list(scope.get("headers") or []),
                    req_body=b"".join(req_body),
                    status=status,
                    resp_headers=resp_headers,
                    resp_body=b"".join(resp_body),
                )
            )
