"""Shared conversions from recording fields (YAML or JSON values) to trace types."""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn

from recorder.trace import Body, TraceFormatError

GZIP_MAGIC = b"\x1f\x8b"
_GO_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNIT_MS = {
    "ns": 1e-6,
    "us": 1e-3,
    "µs": 1e-3,
    "μs": 1e-3,
    "ms": 1.0,
    "s": 1e3,
    "m": 60e3,
    "h": 3600e3,
}


def fail(where: str, problem: str, fix: str) -> NoReturn:
    """Raise the one-line `TraceFormatError` `<where>: <problem>; <fix>`."""
    problem = " ".join(problem.split())
    raise TraceFormatError(f"{where}: {problem}; {fix}")


def as_text(value: Any) -> str:
    """A header value or scalar as text: bytes (YAML `!!binary`) decoded, None as ""."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def gunzip_if_gzipped(data: bytes) -> bytes:
    """The decompressed bytes when `data` is a whole gzip stream; `data` unchanged otherwise."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return data


def body_from_bytes(data: bytes) -> Body:
    """A Body from raw bytes: gzip undone, UTF-8 kept as text, anything else as base64."""
    return Body.from_bytes(gunzip_if_gzipped(data))


def body_from_base64(text: str, where: str) -> Body:
    """A Body from base64 text (HAR `encoding: base64`, Ruby VCR `base64_string`)."""
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        fail(where, "body says base64 but is not valid base64", "fix or re-record the body")
    return body_from_bytes(data)


def body_from_value(value: Any, where: str) -> Body:
    """A Body from a cassette body: None, str, bytes, or {string|base64_string, encoding}."""
    if value is None:
        return Body()
    if isinstance(value, bytes):
        return body_from_bytes(value)
    if isinstance(value, str):
        return Body(text=value)
    if isinstance(value, Mapping):
        if "base64_string" in value:
            return body_from_base64(as_text(value["base64_string"]), where)
        return body_from_value(value.get("string"), where)
    fail(where, f"body is a {type(value).__name__}", "expected text, bytes or {string: ...}")


def headers_from_mapping(value: Any, where: str) -> list[tuple[str, str]]:
    """Header pairs from a VCR mapping of name -> value or list of values (bytes decoded)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        fail(where, "headers are not a mapping", "expected `Name: [value, ...]`")
    pairs: list[tuple[str, str]] = []
    for name, values in value.items():
        items = values if isinstance(values, list) else [values]
        pairs.extend((as_text(name), as_text(item)) for item in items)
    return pairs


def iso_timestamp(moment: datetime) -> str:
    """`2024-01-31T09:08:07.123Z` (UTC, milliseconds), the form HAR uses."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ts_from_http_date(value: Any) -> str:
    """ISO timestamp from an RFC 2822 or ISO 8601 date; "" when it cannot be parsed."""
    if isinstance(value, datetime):
        return iso_timestamp(value)
    text = as_text(value).strip()
    if not text:
        return ""
    try:
        return iso_timestamp(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return iso_timestamp(datetime.fromisoformat(text))
    except ValueError:
        return ""


def ts_from_headers(headers: list[tuple[str, str]]) -> str:
    """ISO timestamp of the first `Date` header; "" when there is none."""
    for name, value in headers:
        if name.lower() == "date":
            return ts_from_http_date(value)
    return ""


def go_duration_ms(value: Any) -> float:
    """Milliseconds from a Go duration (`2.360291417s`, `1m2.5s`, `850µs`; bare number = ns)."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / 1e6
    text = as_text(value).strip()
    total = 0.0
    position = 0
    for match in _GO_DURATION.finditer(text):
        if match.start() != position:
            return 0.0
        total += float(match.group(1)) * _GO_UNIT_MS[match.group(2)]
        position = match.end()
    return total if position == len(text) else 0.0


def status_code(value: Any, where: str) -> int:
    """An HTTP status from `200`, `"200 OK"` or `{code: 200, message: OK}`."""
    if isinstance(value, Mapping):
        value = value.get("code")
    text = as_text(value).strip().split(" ", 1)[0]
    if not text.isdigit():
        fail(where, f"response status {value!r} is not a number", "expected e.g. `code: 200`")
    return int(text)
