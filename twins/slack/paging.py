"""Cursor pagination as Slack does it: opaque base64 cursors, `next_cursor` empty at the end."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar

from twins.slack.call import Params
from twins.slack.errors import SlackError

T = TypeVar("T")


def encode(position: str) -> str:
    return base64.b64encode(f"pos:{position}".encode()).decode()


def decode(cursor: str) -> str:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise SlackError(code="invalid_cursor") from None
    if not text.startswith("pos:"):
        raise SlackError(code="invalid_cursor")
    return text[4:]


def page(
    items: Sequence[T], params: Params, *, default_limit: int = 100, max_limit: int = 1000
) -> tuple[list[T], str]:
    """One page of `items` (a stable order) from params `cursor`/`limit`, and the next cursor."""
    limit = params.number("limit", default_limit, low=1, high=max_limit)
    if params.get("limit") in (0, "0"):
        limit = default_limit
    cursor = params.text("cursor")
    start = 0
    if cursor:
        raw = decode(cursor)
        try:
            start = int(raw)
        except ValueError:
            raise SlackError(code="invalid_cursor") from None
        if start < 0 or start > len(items):
            raise SlackError(code="invalid_cursor")
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return chunk, encode(str(start + limit)) if more else ""


def metadata(next_cursor: str) -> dict[str, Any]:
    return {"response_metadata": {"next_cursor": next_cursor}}
