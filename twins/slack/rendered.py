"""Rendered messages: each message's wire dict and JSON text, kept by the runtime's render cache
(`MESSAGE`, twins/kit/renders.py), and each channel's history in timestamp order, remembered per
tenant state, so that reading a channel does not render it again.

Rows are never changed in place (`Collection.update` stores a new dict), so a row object stands
for one version of a message: a kept rendering is used only while the collection still holds
that very row object. What a message renders from besides its own row is checked too: the
workspace's team id and its apps (the `bot_profile` block; any change to them forgets every
rendering), and for a thread reply the parent row (`parent_user_id`). Messages with files are
rendered afresh every time (file rows and the request's base URL go into them). A new tenant
state (reset, restore, reload) starts with nothing remembered.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from weakref import WeakKeyDictionary

from twins._runtime.collection import Row, TenantState
from twins.kit.ready import Encoded, EncodedObject, encode
from twins.kit.renders import RowRender
from twins.slack import schemas
from twins.slack.errors import SlackError


def ts_micros(value: str, error: str) -> int:
    """A Slack timestamp ("1512085950.000216", "1512085950", "0") as integer microseconds."""
    text = value.strip()
    whole, dot, frac = text.partition(".")
    digits = whole.isascii() and whole.isdigit()
    if digits and (not dot or (frac.isascii() and frac.isdigit() and len(frac) <= 6)):
        return int(whole) * 1_000_000 + (int(frac.ljust(6, "0")) if dot else 0)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise SlackError(code=error) from None
    if not number.is_finite() or number < 0:
        raise SlackError(code=error)
    return int(number * 1_000_000)


@dataclass
class Rendering:
    """One message version as rendered: the row it came from, the thread parent row it read (if
    any), the wire dict and, once asked for, its JSON text."""

    row: Row
    parent: Row | None
    wire: dict[str, Any]
    raw: bytes | None = None

    def json(self) -> bytes:
        if self.raw is None:
            self.raw = encode(self.wire).encode()
        return self.raw


@dataclass
class HistoryView:
    """One channel's messages: `rows` as the collection's index gave them (to tell whether any
    was added, changed or removed since), the history (thread replies left out unless broadcast)
    newest first, their negated microsecond timestamps (ascending, for bisect), the number of
    pinned messages, and the renderings and last page made from this very set of rows.

    Everything a history message renders from is a row of this channel (itself, or the parent
    of a broadcast reply), the team id or the apps (`cache_of` drops every view when those
    change), or file rows (messages with files are rendered each time)."""

    rows: list[Row]
    history: list[Row]
    neg_us: list[int]
    pin_count: int
    renderings: list[Rendering | None]
    page: tuple[int, int, Encoded] | None = None


@dataclass
class TenantCache:
    team_id: str | None = None
    apps: list[Row] = field(default_factory=list)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, HistoryView] = field(default_factory=dict)
    micros: dict[str, int] = field(default_factory=dict)


_CACHES: WeakKeyDictionary[TenantState, TenantCache] = WeakKeyDictionary()


def cache_of(state: TenantState) -> TenantCache:
    """The state's cache, emptied of renderings when the team id or any app changed."""
    cache = _CACHES.get(state)
    if cache is None:
        cache = _CACHES[state] = TenantCache()
    team_id = schemas.team_id(state)
    apps = list(state["apps"].rows.values())
    if team_id != cache.team_id or apps != cache.apps:
        cache.team_id, cache.apps = team_id, apps
        cache.profiles.clear()
        cache.channels.clear()
    return cache


def bot_profile(state: TenantState, bot_id: str, cache: TenantCache | None = None) -> dict[str, Any]:
    """`schemas.bot_profile`, computed once per bot while the apps and team stay the same."""
    cache = cache or cache_of(state)
    profile = cache.profiles.get(bot_id)
    if profile is None:
        profile = cache.profiles[bot_id] = schemas.bot_profile(state, bot_id)
    return profile


def _render(state: TenantState, row: Row, extra: tuple[Row | None, str]) -> Rendering:
    parent, base = extra
    profile = bot_profile(state, row["bot_id"]) if row["bot_id"] else None
    return Rendering(row, parent, schemas.message(row, state, profile=profile, base=base))


def _team_and_apps(state: TenantState) -> tuple[str, int]:
    return schemas.team_id(state), state["apps"].changes


# Kept by the runtime per message version and thread parent; messages with files are not kept
# (file rows and the request's base URL go into them); a change of team id or apps forgets all.
MESSAGE = RowRender(
    "messages", _render, depends=_team_and_apps, keep=lambda row: not row["files"], name="slack.message"
)


def rendering(state: TenantState, row: Row, base: str = "") -> Rendering:
    """The rendering of this version of the message (made now if none is kept)."""
    parent = None
    if row["thread_ts"] and row["thread_ts"] != row["ts"]:
        parent = state["messages"].get(f"{row['channel']}/{row['thread_ts']}")
    return MESSAGE(state, row, (parent, base if row["files"] else ""))


def message(row: Row, state: TenantState, base: str = "") -> dict[str, Any]:
    """`schemas.message(row, state)`, from the remembered rendering (a copy the caller may change)."""
    return dict(rendering(state, row, base=base).wire)


def encoded_message(row: Row, state: TenantState, base: str = "") -> EncodedObject:
    """`message`, with its JSON text (read-only, as `EncodedObject` says)."""
    made = rendering(state, row, base=base)
    return EncodedObject(made.wire, made.json())


def messages(state: TenantState, rows: list[Row], base: str = "") -> Encoded:
    """The rendered messages of `rows`, in order, with their JSON text."""
    made = [rendering(state, row, base) for row in rows]
    return Encoded([m.wire for m in made], b"[" + b",".join([m.json() for m in made]) + b"]")


def in_history(row: Row) -> bool:
    """Thread replies stay out of the channel's history unless they were broadcast."""
    return not row["thread_ts"] or row["thread_ts"] == row["ts"] or bool(row["reply_broadcast"])


def micros(cache: TenantCache, ts: str) -> int:
    """`ts_micros` of a stored message's ts, remembered (a channel is sorted again on changes)."""
    us = cache.micros.get(ts)
    if us is None:
        if len(cache.micros) > 100_000:
            cache.micros.clear()
        us = cache.micros[ts] = ts_micros(ts, "invalid_arguments")
    return us


def history_view(state: TenantState, channel_id: str) -> HistoryView:
    """The channel's history view, rebuilt when any of its messages was added, changed or removed."""
    cache = cache_of(state)
    rows = state["messages"].where("channel", channel_id)
    view = cache.channels.get(channel_id)
    if view is not None and view.rows == rows:
        return view
    picked = sorted(
        ((micros(cache, row["ts"]), row) for row in rows if in_history(row)),
        key=lambda pair: pair[0],
        reverse=True,
    )
    pins = sum(1 for row in rows if channel_id in row["pinned_to"])
    history = [row for _, row in picked]
    view = HistoryView(rows, history, [-us for us, _ in picked], pins, [None] * len(history))
    cache.channels[channel_id] = view
    return view


def history_range(
    view: HistoryView, oldest: int | None, latest: int | None, inclusive: bool, start: int | None
) -> tuple[int, int]:
    """Where in `view.history` (newest first) the messages between `oldest` and `latest` (bounds
    included when `inclusive`) and at or before `start` are: a slice's first and end index."""
    high = None if latest is None else (latest if inclusive else latest - 1)
    if start is not None:
        high = start if high is None else min(high, start)
    low = None if oldest is None else (oldest if inclusive else oldest + 1)
    first = 0 if high is None else bisect_left(view.neg_us, -high)
    end = len(view.neg_us) if low is None else bisect_right(view.neg_us, -low)
    return first, max(first, end)


def history_page(state: TenantState, view: HistoryView, first: int, end: int, base: str = "") -> Encoded:
    """The rendered history messages `first` to `end` of the view (the view's last page again
    when it is the same one)."""
    if view.page is not None and view.page[:2] == (first, end):
        return view.page[2]
    made = []
    keep = True
    for i in range(first, end):
        one = view.renderings[i]
        if one is None:
            one = rendering(state, view.history[i], base)
            if view.history[i]["files"]:
                keep = False
            else:
                view.renderings[i] = one
        made.append(one)
    page = Encoded([m.wire for m in made], b"[" + b",".join([m.json() for m in made]) + b"]")
    if keep:
        view.page = (first, end, page)
    return page
