"""Redaction of what the journal shows: credentials in headers, query strings and bodies become
`REDACTED` whenever an exchange is read out of it, since the journal is exported as traces."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

MASK = "REDACTED"
# Headers whose whole value is a credential (the scheme of an Authorization value is kept).
SECRET_HEADERS = frozenset(
    {b"authorization", b"proxy-authorization", b"cookie", b"set-cookie", b"x-twin-admin-token", b"x-api-key"}
)
# Names of fields whose value is a credential: passwords, secrets, tokens, answers, assertions.
_SECRET_NAME = re.compile(r"pass(word|code)|secret|token|answer|assertion|api_?key|private_?key|^code$", re.I)
_NOT_SECRET = frozenset({"token_type", "token_endpoint_auth_method", "token_type_hint"})
# A cheap first look (no regular expression: those cost milliseconds on a large page): bodies with
# no key or parameter ending in one of these words are kept as they came.
_WORDS = (b"password", b"passcode", b"secret", b"token", b"answer", b"assertion", b"key", b"code")
_NEEDLES = {after: tuple(word + after for word in _WORDS) for after in (b'"', b"=")}


def _hint(data: bytes, after: bytes) -> bool:
    """Whether a name ending in a credential word, followed by `after` (`"` or `=`), is in data."""
    low = data.lower()
    # find, not `in`: bytes' `in` first tries its operand as an integer and builds a TypeError
    return any(low.find(needle) != -1 for needle in _NEEDLES[after])


def secret_name(name: str) -> bool:
    """Whether a field called `name` holds a credential."""
    return bool(_SECRET_NAME.search(name)) and name.lower() not in _NOT_SECRET


def headers(raw: tuple[tuple[bytes, bytes], ...]) -> tuple[tuple[bytes, bytes], ...]:
    """The header list with credential values masked (`Bearer xoxb-1` -> `Bearer REDACTED`)."""
    for key, _ in raw:
        if key.lower() in SECRET_HEADERS:
            return tuple((key, _mask_header(key, value)) for key, value in raw)
    return raw


def _mask_header(key: bytes, value: bytes) -> bytes:
    if key.lower() not in SECRET_HEADERS:
        return value
    scheme, sep, rest = value.partition(b" ")
    if key.lower() in (b"authorization", b"proxy-authorization") and sep and rest:
        return scheme + b" " + MASK.encode()
    return MASK.encode()


def query(text: str) -> str:
    """A query string (without `?`) with the values of credential parameters masked."""
    if not text or not _hint(text.encode("utf-8", "replace"), b"="):
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(secret_name(k) for k, _ in pairs):
        return text
    return urlencode([(k, MASK if secret_name(k) else v) for k, v in pairs])


def body(data: bytes, content_type: bytes) -> bytes:
    """A JSON or form body with credential fields masked; other bodies are kept as they are."""
    if not data:
        return data
    kind = content_type.split(b";")[0].strip().lower()
    if kind == b"application/x-www-form-urlencoded":
        if not _hint(data, b"="):
            return data
        try:
            return query(data.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return data
    if kind == b"multipart/form-data":
        return _multipart(data, content_type) if _hint(data, b'"') else data
    if (kind.endswith(b"json") or data[:1] in (b"{", b"[")) and _hint(data, b'"'):
        try:
            masked, changed = _mask_json(json.loads(data))
        except (ValueError, RecursionError):
            return data
        return json.dumps(masked, separators=(",", ":")).encode() if changed else data
    return data


_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?', re.I)
_PART_NAME = re.compile(rb'\bname="([^"]*)"', re.I)


def _multipart(data: bytes, content_type: bytes) -> bytes:
    """A multipart body whose credential fields (not files) read `REDACTED`."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        return data
    delimiter = b"--" + found.group(1)
    parts = data.split(delimiter)
    for index, part in enumerate(parts[1:], 1):
        head, sep, value = part.partition(b"\r\n\r\n")
        name = _PART_NAME.search(head)
        if not sep or name is None or b"filename=" in head.lower():
            continue
        if secret_name(name.group(1).decode("utf-8", "replace")):
            parts[index] = head + sep + MASK.encode() + (b"\r\n" if value.endswith(b"\r\n") else b"")
    return delimiter.join(parts)


def _mask_json(value: Any, inside_secret: bool = False) -> tuple[Any, bool]:
    """(value with credential fields masked, whether anything was masked)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        changed = False
        for key, item in value.items():
            out[key], did = _mask_json(item, inside_secret or secret_name(str(key)))
            changed = changed or did
        return out, changed
    if isinstance(value, list):
        items = [_mask_json(item, inside_secret) for item in value]
        return [v for v, _ in items], any(did for _, did in items)
    if inside_secret and isinstance(value, str) and value:
        return MASK, True
    return value, False


def content_type(raw: tuple[tuple[bytes, bytes], ...]) -> bytes:
    """The Content-Type of a header list, or b""."""
    for key, value in raw:
        if key.lower() == b"content-type":
            return value
    return b""
