"""`twins replay`: serve recorded responses from traces over HTTP/1.1.

The hot path is a lookup and a byte copy: every recorded response is rendered to its final
bytes (status line, headers, body) when the traces load, requests are parsed by httptools on a
plain asyncio protocol, and an exact request (method, target, body bytes) is one dict access.
Anything else goes through the named matchers; a request still unmatched gets the vendor's
error shape explaining which recordings came closest and which matchers failed.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import cast
from urllib.parse import urlsplit

import httptools

from recorder.match import Incoming, closest, matchers_for, miss_body, signature
from recorder.redact import Redactor
from recorder.trace import Exchange, Request
from recorder.wire import ENCODING_NOTE, HOP_BY_HOP

DROPPED = HOP_BY_HOP | {"content-length", "content-encoding", ENCODING_NOTE.lower()}
REWRITTEN = ("location", "content-location", "link")
MISS_HEADER = "X-Twins-Replay-Miss"


def render(status: int, headers: Sequence[tuple[str, str]], body: bytes) -> bytes:
    """A complete HTTP/1.1 response: status line, headers with a fresh Content-Length, body."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in DROPPED]
    lines.append(f"content-length: {len(body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1", "replace") + body


@dataclass
class Entry:
    """The recorded answers to one request signature, served in order, the last one repeated."""

    responses: list[bytes] = field(default_factory=list)
    served: int = 0

    def next(self) -> bytes:
        index = min(self.served, len(self.responses) - 1)
        self.served += 1
        return self.responses[index]


class ReplayTable:
    """Recorded exchanges indexed by exact bytes and by matcher signature."""

    def __init__(
        self,
        exchanges: Sequence[Exchange],
        *,
        service: str = "",
        matchers: Sequence[str] | None = None,
        base_url: str = "",
        redactor: Redactor | None = None,
    ) -> None:
        self.service = service or (exchanges[0].service if exchanges else "unknown")
        self.names = matchers_for(self.service, matchers)
        self.redactor = redactor
        self.exact: dict[tuple[bytes, bytes, bytes], Entry] = {}
        self.by_signature: dict[tuple[object, ...], Entry] = {}
        self.recorded: list[tuple[int, Incoming]] = []
        self.hits = self.misses = 0
        for exchange in exchanges:
            self._add(exchange, base_url)

    def _add(self, exchange: Exchange, base_url: str) -> None:
        incoming = Incoming.from_exchange(exchange)
        key = signature(incoming, self.names)
        entry = self.by_signature.setdefault(key, Entry())
        entry.responses.append(_rendered(exchange, base_url))
        target = incoming.path + (f"?{incoming.query}" if incoming.query else "")
        self.exact.setdefault((incoming.method.encode(), target.encode("latin-1"), incoming.body), entry)
        self.recorded.append((exchange.seq, incoming))

    def answer(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
        """The response bytes for one request: exact bytes first, then matchers, then a miss."""
        entry = self.exact.get((method, target, body))
        if entry is not None:
            self.hits += 1
            return entry.next()
        path, _, query = target.decode("latin-1").partition("?")
        decoded = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in headers)
        incoming = Incoming(method.decode(), path, query, decoded, body)
        entry = self.by_signature.get(signature(incoming, self.names))
        if entry is None and self.redactor is not None:
            incoming = self._redacted(incoming)
            entry = self.by_signature.get(signature(incoming, self.names))
        if entry is not None:
            self.hits += 1
            return entry.next()
        self.misses += 1
        return self._miss(incoming)

    def _redacted(self, incoming: Incoming) -> Incoming:
        """The request as the recorder would have written it, so pseudonymised traces still match."""
        assert self.redactor is not None
        url = f"http://replay{incoming.path}" + (f"?{incoming.query}" if incoming.query else "")
        exchange = Exchange.model_validate(
            {
                "request": Request(method=incoming.method, url=url, headers=list(incoming.headers)),
                "response": {"status": 0},
            }
        )
        exchange.request.body = exchange.request.body.from_bytes(incoming.body)
        self.redactor.exchange(exchange)
        return Incoming.from_exchange(exchange)

    def _miss(self, incoming: Incoming) -> bytes:
        candidates = closest(incoming, self.recorded, self.names)
        status, body = miss_body(self.service, incoming, candidates)
        note = f"no match for {incoming.describe()}"
        if candidates:
            note += f"; closest seq {candidates[0].seq} failed {', '.join(candidates[0].failed) or 'none'}"
        headers = [("content-type", "application/json; charset=utf-8"), (MISS_HEADER, note)]
        return render(status, headers, body)


def _rendered(exchange: Exchange, base_url: str) -> bytes:
    parts = urlsplit(exchange.request.url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    headers = []
    for name, value in exchange.response.headers:
        if base_url and origin and name.lower() in REWRITTEN:
            value = value.replace(origin, base_url)
        headers.append((name, value))
    return render(exchange.response.status, headers, exchange.response.body.to_bytes())


class ReplayProtocol(asyncio.Protocol):
    """One HTTP/1.1 connection: parse with httptools, answer from the table, keep alive."""

    def __init__(self, table: ReplayTable) -> None:
        self.table = table
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []  # decoded only when a lookup needs them
        self._body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._close()
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.write(render(400, [("content-type", "text/plain")], b"bad request\n"))
            self._close()

    def on_message_begin(self) -> None:
        self._url, self._headers, self._body = b"", [], []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        body = b"".join(self._body) if self._body else b""
        answer = self.table.answer(self.parser.get_method(), self._url, self._headers, body)
        if self.transport is not None:
            self.transport.write(answer)
            if not self.parser.should_keep_alive():
                self._close()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (0 = any free port), so the real port is known before the
    traces load and `Location`/`Link` can be rewritten to it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket, host: str) -> str:
    """The URL clients reach a bound socket at."""
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def start(
    table: ReplayTable, host: str = "127.0.0.1", port: int = 0, sock: socket.socket | None = None
) -> asyncio.Server:
    """Serve `table` on `sock` (bound with `bind`) or on host:port until the server is closed."""
    loop = asyncio.get_running_loop()
    factory = lambda: ReplayProtocol(table)  # noqa: E731
    if sock is not None:
        return await loop.create_server(factory, sock=sock, backlog=2048)
    return await loop.create_server(factory, host, port, backlog=2048)
