"""Request journal: every exchange a twin served, per tenant, in the trace format, paged."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from recorder.trace import Body, Exchange, Request, Response
from twins._runtime import redact

ADMIN_PREFIX = "/_twin"


class Entry(NamedTuple):
    """A raw journal entry, kept as the server saw it (credentials included: the journal lives in
    the server's memory only); masked and turned into an `Exchange` only when read.

    A tuple of strings, numbers and bytes: the garbage collector stops tracking it after one look,
    so ten thousand of them cost the collector nothing (a dataclass stays tracked for ever).
    """

    seq: int
    tenant: str | None
    started: float
    duration: float
    method: str
    url: str
    req_headers: tuple[tuple[bytes, bytes], ...]
    req_body: bytes
    status: int
    resp_headers: tuple[tuple[bytes, bytes], ...]
    resp_body: bytes


class Journal:
    """Bounded in-memory log of served exchanges: per tenant the newest `limit` ones, within a budget
    of `max_bytes` of request and response bodies (large answers, such as pages of 200 users,
    would otherwise hold gigabytes)."""

    def __init__(self, service: str, limit: int, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.service = service
        self.limit = limit
        self.max_bytes = max_bytes
        self.seq = 0
        self._by_tenant: dict[str | None, deque[Entry]] = {}
        self._bytes: dict[str | None, int] = {}

    def add(self, entry: Entry) -> None:
        """Keep an exchange as served. Every way out (`page`, `to_exchange`) masks its credentials:
        the journal is never written anywhere, so only its readers ever see an entry."""
        tenant = entry.tenant
        ring = self._by_tenant.get(tenant)
        if ring is None:
            ring = self._by_tenant[tenant] = deque()
        ring.append(entry)
        held = self._bytes.get(tenant, 0) + len(entry.req_body) + len(entry.resp_body)
        while len(ring) > 1 and (len(ring) > self.limit or held > self.max_bytes):
            old = ring.popleft()
            held -= len(old.req_body) + len(old.resp_body)
        self._bytes[tenant] = held

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def clear(self, tenant: str | None) -> None:
        self._by_tenant.pop(tenant, None)
        self._bytes.pop(tenant, None)

    def page(
        self,
        tenant: str | None,
        *,
        after: int = 0,
        limit: int = 100,
        match: Callable[[Entry], bool] | None = None,
    ) -> tuple[list[Exchange], int | None]:
        """Exchanges with seq > after, oldest first; and the cursor for the next page, if any.
        `match` sees entries masked, as they are read out."""
        ring = self._by_tenant.get(tenant, deque())
        found: list[Entry] = []
        more = False
        for raw in ring:
            if raw.seq <= after:
                continue
            entry = masked(raw)
            if match is not None and not match(entry):
                continue
            if len(found) == limit:
                more = True
                break
            found.append(entry)
        cursor = found[-1].seq if more and found else None
        return [self._exchange(e) for e in found], cursor

    def to_exchange(self, e: Entry) -> Exchange:
        """The exchange as the journal shows it: no credential in clear."""
        return self._exchange(masked(e))

    def _exchange(self, e: Entry) -> Exchange:
        """A masked entry as an `Exchange` (response bodies are masked here)."""
        return Exchange(
            service=self.service,
            seq=e.seq,
            ts=datetime.fromtimestamp(e.started, tz=UTC).isoformat().replace("+00:00", "Z"),
            request=Request(
                method=e.method, url=e.url, headers=_hdrs(e.req_headers), body=Body.from_bytes(e.req_body)
            ),
            response=Response(
                status=e.status,
                headers=_hdrs(e.resp_headers),
                body=Body.from_bytes(redact.body(e.resp_body, redact.content_type(e.resp_headers))),
            ),
            duration_ms=round(e.duration * 1000, 3),
            session=e.tenant or "",
        )


def masked(e: Entry) -> Entry:
    """The entry as the journal shows it: no credential of the request in clear, no secret
    response header. (Response bodies, which may be large pages, are masked as they are turned
    into exchanges.)"""
    url = e.url
    if "?" in url:
        path, sep, query = url.partition("?")
        url = path + sep + redact.query(query)
    req_body = e.req_body
    if req_body:
        req_body = redact.body(req_body, redact.content_type(e.req_headers))
    return Entry(
        e.seq,
        e.tenant,
        e.started,
        e.duration,
        e.method,
        url,
        redact.headers(e.req_headers),
        req_body,
        e.status,
        redact.headers(e.resp_headers),
        e.resp_body,
    )


def _hdrs(raw: tuple[tuple[bytes, bytes], ...]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]
