"""System Log API: GET /api/v1/logs — time-bounded and polling queries, filter, keywords, cursor."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from twins._runtime.collection import Row
from twins.kit import Call, Registry, Reply
from twins.okta.errors import OktaError, validation
from twins.okta.filter import OPERATORS, compile_expression
from twins.okta.kit import AUTH

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
WINDOW = 7 * 24 * 3600  # since defaults to 7 days before until
CURSOR = re.compile(r"^(\d{1,15})_(\d{1,15})$")
# Each page's position: (published, twin_seq), as an opaque "<published ms>_<seq>" cursor.
Key = tuple[str, int]
ops = Registry(auth=AUTH, tags=("logs",))


def invalid_date() -> OktaError:
    return OktaError(
        "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, "
        "e.g. 2013-01-01T12:00:00.000-07:00.",
        code="E0000030",
        status=400,
    )


def parse_date(value: str) -> float:
    """An ISO 8601 date or date-time (without an offset: UTC), as epoch seconds; else E0000030."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        raise invalid_date()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise invalid_date() from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise validation("limit", "limit: must be an integer") from None
    if limit <= 0:
        return DEFAULT_LIMIT
    return min(limit, MAX_LIMIT)


def iso_ms(millis: int) -> str:
    """Okta's timestamp format for epoch milliseconds, without float rounding."""
    seconds, ms = divmod(millis, 1000)
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms:03d}Z"


def millis(value: float) -> int:
    return round(value * 1000)


def parse_cursor(value: str) -> Key:
    match = CURSOR.match(value)
    if match is None:
        raise validation("after", "after: The cursor is not valid")
    return iso_ms(int(match.group(1))), int(match.group(2))


def cursor_of(key: Key) -> str:
    published, seq = key
    return f"{millis(parse_date(published))}_{seq}"


def texts(value: Any) -> Iterator[str]:
    """Every string value in an event, for keyword search."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def keyword_match(q: str) -> Callable[[Row], bool]:
    """`q`: every keyword must appear (case-insensitively) in one of the event's text values."""
    words = [w.casefold() for w in q.split()]

    def match(row: Row) -> bool:
        haystack = "\n".join(texts(row["data"])).casefold()
        return all(w in haystack for w in words)

    return match


@ops.operation("GET", "/api/v1/logs", scope="okta.logs.read")
def list_logs(call: Call) -> Reply:
    """System Log events between `since` and `until` (or polling, oldest first), by `filter`
    and keywords `q`, paged by an opaque `after` cursor (Okta's own: no kit pager fits)."""
    state, params = call.state, call.args
    order = (params.text("sortOrder") or "ASCENDING").upper()
    if order not in ("ASCENDING", "DESCENDING"):
        raise validation("sortOrder", "sortOrder: must be ASCENDING or DESCENDING")
    limit = parse_limit(params.get("limit"))
    since = params.text("since") or None
    until = params.text("until") or None
    until_ts = parse_date(until) if until else state.clock.now()
    since_ts = parse_date(since) if since else until_ts - WINDOW
    lower, upper = iso_ms(millis(since_ts)), iso_ms(millis(until_ts))
    # Polling: no `until` and oldest first; the next link is always there, to be followed later.
    polling = until is None and order == "ASCENDING"
    after = parse_cursor(params["after"]) if params.get("after") else None

    checks: list[Callable[[Row], bool]] = []
    expr = params.text("filter")
    if expr:
        predicate = compile_expression(expr, mode="filter", operators=OPERATORS, allow_not=True)
        checks.append(lambda row: predicate(row["data"]))
    if params.get("q"):
        checks.append(keyword_match(params["q"]))

    def wanted(row: Row) -> bool:
        published = row["published"]
        if published < lower or (not polling and published >= upper):
            return False
        key = (published, row["twin_seq"])
        if after is not None and (key <= after if order == "ASCENDING" else key >= after):
            return False
        return all(check(row) for check in checks)

    rows = sorted(
        state["log_events"].filter(wanted),
        key=lambda r: (r["published"], r["twin_seq"]),
        reverse=order == "DESCENDING",
    )
    chunk = rows[:limit]
    url = f"{call.base_url}{call.url_path}"
    query = {k: v for k, v in params.items() if k != "after"}
    links = [f'<{url}?{urlencode(query)}>; rel="self"' if query else f'<{url}>; rel="self"']
    if chunk and (polling or len(rows) > limit):
        nxt = cursor_of((chunk[-1]["published"], chunk[-1]["twin_seq"]))
    elif polling:
        # Nothing new: the same position again (the given cursor, or the start of the window).
        nxt = params.get("after") or f"{millis(since_ts)}_0"
    else:
        nxt = None
    if nxt is not None:
        links.append(f'<{url}?{urlencode({**query, "after": nxt, "limit": str(limit)})}>; rel="next"')
    return Reply([r["data"] for r in chunk], headers={"Link": ", ".join(links)})
