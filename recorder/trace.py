"""Versioned exchange model (one request/response pair) and its JSONL reader and writer."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

FORMAT_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})

log = logging.getLogger(__name__)


class TraceFormatError(ValueError):
    """A trace file that cannot be read: names the file, the line and the fix."""


class Body(BaseModel):
    """A message body: text as is, binary as base64 (`encoding == "base64"`)."""

    text: str = ""
    encoding: str = "utf-8"

    @classmethod
    def from_bytes(cls, data: bytes) -> Body:
        try:
            return cls(text=data.decode("utf-8"))
        except UnicodeDecodeError:
            return cls(text=base64.b64encode(data).decode("ascii"), encoding="base64")

    def to_bytes(self) -> bytes:
        if self.encoding == "base64":
            return base64.b64decode(self.text)
        return self.text.encode("utf-8")


class Request(BaseModel):
    method: str
    url: str
    headers: list[tuple[str, str]] = Field(default_factory=list)
    body: Body = Field(default_factory=Body)


class Response(BaseModel):
    status: int
    headers: list[tuple[str, str]] = Field(default_factory=list)
    body: Body = Field(default_factory=Body)


class Exchange(BaseModel):
    """One request and the response it got, as one JSON line of a trace."""

    v: int = FORMAT_VERSION
    service: str = "unknown"
    seq: int = 0
    ts: str = ""
    request: Request
    response: Response
    duration_ms: float = 0.0
    session: str = ""

    def header(self, side: str, name: str) -> str | None:
        """First value of header `name` (case-insensitive) on `side` ("request"/"response")."""
        headers = self.request.headers if side == "request" else self.response.headers
        lname = name.lower()
        for key, value in headers:
            if key.lower() == lname:
                return value
        return None

    def json_line(self) -> str:
        return self.json_bytes().decode("utf-8")

    def json_bytes(self) -> bytes:
        """The exchange as one compact line of UTF-8 JSON, without the newline. pydantic-core
        encodes it at about a fifth of the cost of `json.dumps`, to the same text (floats under
        1e-4 aside, which it writes `1e-5` where `json.dumps` writes `1e-05`)."""
        return self.__pydantic_serializer__.to_json(self)


def parse_line(line: str, *, where: str = "<trace>") -> Exchange:
    """Parse one JSONL line; a version this code does not know fails with a clear message."""
    try:
        raw: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TraceFormatError(f"{where}: not JSON ({exc.msg}); is this a .jsonl trace?") from exc
    if not isinstance(raw, dict):
        raise TraceFormatError(f"{where}: expected a JSON object per line")
    version = raw.get("v")
    if version not in SUPPORTED_VERSIONS:
        raise TraceFormatError(
            f"{where}: trace format version {version!r} is not supported "
            f"(this build reads {sorted(SUPPORTED_VERSIONS)}); upgrade dark-factory-twins "
            "or re-import the source recording"
        )
    try:
        return Exchange.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise TraceFormatError(f"{where}: field {loc}: {first['msg']}") from exc


def read_jsonl(path: Path) -> Iterator[Exchange]:
    """Yield the exchanges of a trace; a torn last line (crash mid-write) is skipped with a warning."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TraceFormatError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise TraceFormatError(f"{path}: not UTF-8 text; is this a .jsonl trace?") from exc
    lines = text.split("\n")
    torn_tail = not text.endswith("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            yield parse_line(line, where=where)
        except TraceFormatError:
            if torn_tail and number == len(lines):
                log.warning("%s: skipping torn last line (the writer stopped mid-line)", where)
                return
            raise


class TraceWriter:
    """Append-only JSONL writer: every exchange is one line, flushed as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def write(self, exchange: Exchange) -> None:
        self._file.write(exchange.json_line() + "\n")
        self._file.flush()

    def write_all(self, exchanges: Iterable[Exchange]) -> int:
        count = 0
        for exchange in exchanges:
            self.write(exchange)
            count += 1
        return count

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
