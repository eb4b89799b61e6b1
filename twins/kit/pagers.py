"""Pagers: how a vendor pages a list. A handler calls `call.page(rows)` and gets its page; the
pager then adds what the vendor sends with it (a cursor in the body, a `Link` header, totals).

- `BodyCursor` (Slack): `cursor`/`limit`, `response_metadata.next_cursor` ("" at the end).
- `LinkAfter` (Okta): `after`/`limit`, `Link: <…>; rel="self"` and `rel="next"` headers.
- `OffsetTotal` (Jira): `startAt`/`maxResults`, the list wrapped with `startAt`, `maxResults`,
  `total` and `isLast`.
- `TokenPages` (Jira's newer search): `nextPageToken`/`maxResults`, `isLast`.
- `LinkPages` (GitHub): `page`/`per_page`, `Link` headers naming the previous, next, last and
  first pages.

Cursors the twin makes are opaque and validated: base64url of the position and a checksum of it,
so a cursor that was not handed out (edited, truncated, from another list) is refused.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from twins._runtime.collection import Row
from twins._runtime.errors import TwinError

if TYPE_CHECKING:
    from twins.kit.args import Args
    from twins.kit.call import Call


def encode_cursor(kind: str, position: int) -> str:
    """An opaque cursor for `position` in a list of `kind`."""
    text = f"{kind}:{position}"
    check = zlib.crc32(text.encode()) & 0xFFFF
    return base64.urlsafe_b64encode(f"{text}:{check:04x}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int | None:
    """The position of a cursor `encode_cursor(kind, …)` made; None for any other string."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    head, _, check = text.rpartition(":")
    got_kind, _, position = head.partition(":")
    if got_kind != kind or not position.isdigit() or check != f"{zlib.crc32(head.encode()) & 0xFFFF:04x}":
        return None
    return int(position)


@dataclass
class PageState:
    """What a pager found while paging, for `finish` to add to the reply."""

    values: dict[str, Any] = field(default_factory=dict)
    default: int | None = None  # the page size the handler asked for, when not the pager's


class Pager(Protocol):
    @property
    def params(self) -> tuple[str, ...]:
        """The query arguments it reads (for the OpenAPI document)."""

    def page(self, call: Call, rows: Iterable[Any], state: PageState) -> list[Any]: ...

    def finish(self, call: Call, body: Any, headers: dict[str, str], state: PageState) -> Any:
        """The reply body (changed or wrapped); may add headers."""


def _limit(call: Call, name: str, default: int, high: int, clamp: bool) -> int:
    if clamp:  # Okta and Slack: 0 or less means the default, more than the most means the most
        n = call.args.integer(name, default)
        return default if n <= 0 else min(n, high)
    return min(_options(call).integer(name, default, low=0), high)  # Jira: past the most is the most


def _options(call: Call) -> Args:
    """Where Jira's paging options are: the JSON body of a POST search, else the query string."""
    return call.body if call.has_body else call.args


@dataclass(frozen=True)
class BodyCursor:
    kind: str = "list"
    default: int = 100
    most: int = 1000
    invalid: Callable[[], TwinError] = field(default=lambda: TwinError(code="invalid_cursor", status=200))
    params: tuple[str, ...] = ("cursor", "limit")

    def page(self, call: Call, rows: Iterable[Any], state: PageState) -> list[Any]:
        items = rows if isinstance(rows, Sequence) else list(rows)
        limit = _limit(call, "limit", self.default, self.most, True)
        cursor = call.args.text("cursor")
        start = decode_cursor(self.kind, cursor) if cursor else 0
        if start is None or start > len(items):
            raise self.invalid()
        state.values["next"] = encode_cursor(self.kind, start + limit) if start + limit < len(items) else ""
        return list(items[start : start + limit])

    def finish(self, call: Call, body: Any, headers: dict[str, str], state: PageState) -> Any:
        meta = dict(body.get("response_metadata") or {})
        meta["next_cursor"] = state.values["next"]
        return {**body, "response_metadata": meta}


@dataclass(frozen=True)
class LinkAfter:
    """Okta pages by the key of the last row seen. An `after` that `cursor` (the shape of the
    keys) refuses is answered with the style's invalid-argument error; an unknown one of the
    right shape (a row deleted since) is an empty last page."""

    default: int = 200
    most: int = 200
    key: str = "id"
    params: tuple[str, ...] = ("after", "limit")
    cursor: Callable[[str], object] | None = None

    def page(self, call: Call, rows: Iterable[Row], state: PageState) -> list[Row]:
        default = state.default or self.default
        try:
            limit = int(call.args.get("limit", default))
        except (TypeError, ValueError):
            raise call.style.invalid("limit", "must be a number") from None
        limit = max(1, min(limit, self.most)) if limit > 0 else default
        after = call.args.text("after")
        if after and self.cursor is not None and not self.cursor(after):
            raise call.style.invalid("after", "The cursor is not valid")
        remaining = iter(rows)
        if after:
            for row in remaining:
                if row[self.key] == after:
                    break
            else:
                remaining = iter(())
        chunk = list(islice(remaining, limit))
        if chunk and next(remaining, None) is not None:
            state.values["next"] = {"after": chunk[-1][self.key], "limit": str(limit)}
        return chunk

    def finish(self, call: Call, body: Any, headers: dict[str, str], state: PageState) -> Any:
        url = f"{call.base_url}{call.url_path}"
        query = {k: v for k, v in call.args.items() if k != "after" and isinstance(v, str)}
        links = [f'<{url}?{urlencode(query)}>; rel="self"' if query else f'<{url}>; rel="self"']
        if "next" in state.values:
            links.append(f'<{url}?{urlencode({**query, **state.values["next"]})}>; rel="next"')
        headers["Link"] = ", ".join(links)
        return body


@dataclass(frozen=True)
class OffsetTotal:
    items: str = "values"
    default: int = 50
    most: int = 100
    params: tuple[str, ...] = ("startAt", "maxResults")
    last: bool = True  # whether the answer says `isLast` (Jira's legacy search does not)
    expand: str | None = None  # the page's own `expand` key (Jira's agile issue lists say one)

    def page(self, call: Call, rows: Iterable[Any], state: PageState) -> list[Any]:
        items = rows if isinstance(rows, Sequence) else list(rows)
        if self.expand is not None:
            state.values["expand"] = self.expand
        start = _options(call).integer("startAt", 0, low=0)
        limit = _limit(call, "maxResults", self.default, self.most, False)
        chunk = list(items[start : start + limit])
        state.values.update(startAt=start, maxResults=limit, total=len(items))
        if self.last:
            state.values["isLast"] = start + limit >= len(items)
        return chunk

    def finish(self, call: Call, body: Any, headers: dict[str, str], state: PageState) -> Any:
        return {**state.values, self.items: body}


@dataclass(frozen=True)
class TokenPages:
    kind: str = "search"
    items: str = "issues"
    default: int = 50
    most: int = 5000
    params: tuple[str, ...] = ("nextPageToken", "maxResults")

    def page(self, call: Call, rows: Iterable[Any], state: PageState) -> list[Any]:
        items = rows if isinstance(rows, Sequence) else list(rows)
        limit = _limit(call, "maxResults", self.default, self.most, False)
        token = _options(call).text("nextPageToken")
        start = decode_cursor(self.kind, token) if token else 0
        if start is None or start > len(items):
            raise call.style.invalid("nextPageToken", "is not valid")
        more = start + limit < len(items)
        state.values["isLast"] = not more
        if more:
            state.values["nextPageToken"] = encode_cursor(self.kind, start + limit)
        return list(items[start : start + limit])

    def finish(self, call: Call, body: Any, headers: dict[str, str], state: PageState) -> Any:
        return {self.items: body, **state.values}


@dataclass(frozen=True)
class LinkPages:
    """GitHub pages by number: `page` (from 1) of `per_page` items (a size out of range, or not a
    number, is the default, as GitHub takes it); a list of more than one page answers a `Link`
    header with `rel="prev"`, `"next"`, `"last"` and `"first"` where they apply."""

    default: int = 30
    most: int = 100
    params: tuple[str, ...] = ("page", "per_page")

    def page(self, call: Call, rows: Iterable[Any], state: PageState) -> list[Any]:
        items = rows if isinstance(rows, Sequence) else list(rows)
        size = _number(call.args.get("per_page"), state.default or self.default)
        size = min(size, self.most)
        number = _number(call.args.get("page"), 1)
        state.values.update(number=number, pages=max(1, -(-len(items) // size)))
        start = (number - 1) * size
        return list(items[start : start + size])

    def finish(self, call: Call, body: Any, headers: dict[str, str], state: PageState) -> Any:
        number, pages = state.values["number"], state.values["pages"]
        if pages == 1 and number == 1:
            return body
        url = f"{call.base_url}{call.url_path}"
        query = {k: v for k, v in call.args.items() if k != "page" and isinstance(v, str)}

        def link(page: int, rel: str) -> str:
            return f'<{url}?{urlencode({**query, "page": page})}>; rel="{rel}"'

        links = []
        if number > 1:
            links.append(link(min(number - 1, pages), "prev"))
        if number < pages:
            links += [link(number + 1, "next"), link(pages, "last")]
        if number > 1:
            links.append(link(1, "first"))
        headers["Link"] = ", ".join(links)
        return body


def _number(value: Any, default: int) -> int:
    """A positive whole number from the query, else `default`."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if number > 0 else default
