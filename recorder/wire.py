"""Field-level views of HTTP messages: query strings, form, JSON and multipart bodies.

Each `edit_*` function calls `edit(name, value)` for every named text value and rebuilds the
message only where a value changed, so untouched bytes stay as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

Edit = Callable[[str, str], str]
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)
_PART_NAME = re.compile(r'\bname="([^"]*)"', re.I)


HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
ENCODING_NOTE = "X-Recorded-Content-Encoding"


def forwardable(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers without hop-by-hop ones, including those the `Connection` header names."""
    out = [(name, value) for name, value in headers if name.lower() not in HOP_BY_HOP]
    if len(out) == len(headers):  # no hop-by-hop header, so no Connection header either
        return out
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == "connection"
        for token in value.split(",")
    }
    if named:
        out = [(k, v) for k, v in out if k.lower() not in named]
    return out


def content_type(headers: list[tuple[str, str]]) -> str:
    """The Content-Type of a header list as sent ("" when absent); the boundary is case-sensitive."""
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return ""


def edit_pairs(text: str, edit: Edit) -> str:
    """An `a=1&b=2` string with each value passed through `edit` (encoding kept where unchanged)."""
    if not text:
        return text
    out = []
    for pair in text.split("&"):
        raw_name, eq, raw_value = pair.partition("=")
        name, value = unquote_plus(raw_name), unquote_plus(raw_value)
        new = edit(name, value)
        out.append(pair if new == value else f"{raw_name}{eq or '='}{quote_plus(new)}")
    return "&".join(out)


def edit_query(url: str, edit: Edit) -> str:
    """`url` with its query values passed through `edit`."""
    if "?" not in url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = edit_pairs(parts.query, edit)
    return url if query == parts.query else urlunsplit(parts._replace(query=query))


def edit_form(text: str, edit: Edit) -> str:
    """An `application/x-www-form-urlencoded` body with its values passed through `edit`."""
    return edit_pairs(text.strip("\r\n"), edit) if "=" in text else text


def edit_json(text: str, edit: Edit) -> str:
    """A JSON body with every string leaf passed through `edit` under its key and its ancestors'."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text
    changed = [False]
    new = _walk(doc, (), edit, changed)
    return json.dumps(new, ensure_ascii=False, separators=(",", ":")) if changed[0] else text


def _walk(value: Any, names: tuple[str, ...], edit: Edit, changed: list[bool]) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, (str(k), *names), edit, changed) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(item, names, edit, changed) for item in value]
    if isinstance(value, str):
        for name in names:
            new = edit(name, value)
            if new != value:
                changed[0] = True
                return new
    return value


def edit_multipart(text: str, kind: str, edit: Edit) -> str:
    """A `multipart/form-data` body (as text) with each named part's content passed through `edit`."""
    match = _BOUNDARY.search(kind)
    if match is None:
        return text
    delimiter = f"--{match.group(1)}"
    pieces = text.split(delimiter)
    for index, piece in enumerate(pieces[1:], start=1):
        head, sep, content = piece.partition("\r\n\r\n")
        if not sep:
            head, sep, content = piece.partition("\n\n")
        name = _PART_NAME.search(head)
        if not sep or name is None:
            continue
        tail = "\r\n" if content.endswith("\r\n") else ("\n" if content.endswith("\n") else "")
        value = content[: len(content) - len(tail)]
        new = edit(name.group(1), value)
        if new != value:
            pieces[index] = f"{head}{sep}{new}{tail}"
    return delimiter.join(pieces)
