"""Named request matchers for replay, and the explanation of a miss.

A matcher maps a request to a canonical value; two requests match on it when the values are
equal. That makes a lookup one dict access on the tuple of values, and a miss explainable:
the matchers whose values differ are the ones that failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from recorder.classify import path_template

if TYPE_CHECKING:
    from recorder.trace import Exchange

MATCH_HEADERS = ("content-type",)


@dataclass(frozen=True)
class Incoming:
    """A request as the replay server sees it: raw target split into path and query."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def from_exchange(cls, exchange: Exchange) -> Incoming:
        parts = urlsplit(exchange.request.url)
        return cls(
            method=exchange.request.method.upper(),
            path=parts.path or "/",
            query=parts.query,
            headers=tuple((k.lower(), v) for k, v in exchange.request.headers),
            body=exchange.request.body.to_bytes(),
        )

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k == name), "")

    def describe(self) -> str:
        return f"{self.method} {self.path}" + (f"?{self.query}" if self.query else "")


Matcher = Callable[[Incoming], Hashable]


def _method(request: Incoming) -> Hashable:
    return request.method.upper()


def _path(request: Incoming) -> Hashable:
    return unquote(request.path).rstrip("/") or "/"


def _template(request: Incoming) -> Hashable:
    return path_template(request.path).rstrip("/") or "/"


def _query(request: Incoming) -> Hashable:
    return tuple(sorted(parse_qsl(request.query, keep_blank_values=True)))


def _headers(request: Incoming) -> Hashable:
    return tuple(request.header(name).split(";")[0].strip().lower() for name in MATCH_HEADERS)


def _body(request: Incoming) -> Hashable:
    """The body by content type: JSON parsed, form fields sorted, multipart by part, else bytes."""
    kind = request.header("content-type").lower()
    data = request.body
    if not data.strip():
        return ("empty",)
    if "json" in kind or data.lstrip()[:1] in (b"{", b"["):
        try:
            return ("json", json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")))
        except (ValueError, RecursionError):
            pass
    if "x-www-form-urlencoded" in kind:
        return ("form", tuple(sorted(parse_qsl(data.decode("latin-1"), keep_blank_values=True))))
    if "multipart/form-data" in kind and "boundary=" in kind:
        boundary = request.header("content-type").split("boundary=", 1)[1].strip('"').encode("latin-1")
        return ("multipart", tuple(sorted(data.split(b"--" + boundary))))
    return ("bytes", data)


MATCHERS: dict[str, Matcher] = {
    "method": _method,
    "path": _path,
    "path_template": _template,
    "query": _query,
    "headers": _headers,
    "body": _body,
}
SERVICE_MATCHERS: dict[str, tuple[str, ...]] = {
    "slack": ("method", "path", "query", "body"),
    "okta": ("method", "path", "query", "body"),
    "jira": ("method", "path", "query", "body"),
}
DEFAULT_MATCHERS = ("method", "path", "query", "body")


def matchers_for(service: str, names: Sequence[str] | None = None) -> tuple[str, ...]:
    """The matcher names to use: `names` if given (checked), else the service's default set."""
    chosen = tuple(names) if names else SERVICE_MATCHERS.get(service, DEFAULT_MATCHERS)
    unknown = [name for name in chosen if name not in MATCHERS]
    if unknown:
        raise ValueError(f"unknown matcher(s) {unknown}; known: {sorted(MATCHERS)}")
    return chosen


def signature(request: Incoming, names: Sequence[str]) -> tuple[Hashable, ...]:
    """The tuple of matcher values a lookup uses."""
    return tuple(MATCHERS[name](request) for name in names)


@dataclass
class Candidate:
    """A recorded request and how an incoming one compares with it."""

    seq: int
    request: str
    failed: list[str] = field(default_factory=list)


def closest(
    incoming: Incoming, recorded: Sequence[tuple[int, Incoming]], names: Sequence[str], limit: int = 3
) -> list[Candidate]:
    """The recorded requests that pass the most matchers, with the matchers each one fails."""
    want = signature(incoming, names)
    scored = []
    for seq, request in recorded:
        have = signature(request, names)
        failed = [name for name, a, b in zip(names, want, have, strict=True) if a != b]
        scored.append((len(failed), seq, Candidate(seq, request.describe(), failed)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [candidate for _, _, candidate in scored[:limit]]


def explain(incoming: Incoming, candidates: Sequence[Candidate]) -> str:
    """One line: what was asked and why the nearest recordings do not answer it."""
    if not candidates:
        return f"no recorded exchange for {incoming.describe()} (the traces are empty)"
    parts = [f"{c.request} (seq {c.seq}; failed: {', '.join(c.failed) or 'none'})" for c in candidates]
    return f"no recorded exchange matches {incoming.describe()}; closest: " + "; ".join(parts)


def miss_body(service: str, incoming: Incoming, candidates: Sequence[Candidate]) -> tuple[int, bytes]:
    """The vendor's error shape for a replay miss, with the explanation inside."""
    message = explain(incoming, candidates)
    detail = {
        "request": incoming.describe(),
        "closest": [{"seq": c.seq, "request": c.request, "failed": c.failed} for c in candidates],
    }
    body: dict[str, object]
    if service == "slack":
        body = {"ok": False, "error": "replay_no_match", "replay": detail}
        status = 200
    elif service == "okta":
        body = {
            "errorCode": "E0000007",
            "errorSummary": f"Not found: Resource not found: {incoming.path} (Replay)",
            "errorLink": "E0000007",
            "errorId": "oaeReplayNoMatch0000000",
            "errorCauses": [{"errorSummary": message}],
            "replay": detail,
        }
        status = 404
    else:
        body = {"errorMessages": [message], "errors": {}, "replay": detail}
        status = 404
    return status, json.dumps(body).encode()
