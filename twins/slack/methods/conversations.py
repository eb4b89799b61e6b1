"""conversations.list, info, members, history and replies, and the helpers the write methods share."""

from __future__ import annotations

import base64
from typing import Any

from twins._runtime.collection import Row
from twins.kit.pagers import BodyCursor
from twins.slack import lookup, rendered, schemas
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.rendered import ts_micros

TYPE_KINDS = {"public_channel": "public", "private_channel": "private", "mpim": "mpim", "im": "im"}
NEVER_READ = "0000000000.000000"


def kinds_of(call: Call, default: str = "public_channel") -> set[str]:
    """The conversation kinds named by the `types` argument (Slack's default: public channels)."""
    names = call.params.csv("types") or [default]
    if any(name not in TYPE_KINDS for name in names):
        raise SlackError(code="invalid_types")
    return {TYPE_KINDS[name] for name in names}


def render(call: Call, row: Row, *, num_members: bool = False, member_view: bool = True) -> dict[str, Any]:
    """A conversation as the caller sees it (`is_member`, `last_read`, the other party of an IM)."""
    viewer = call.user_id if member_view else None
    out = schemas.conversation(row, call.team_id, viewer)
    member = call.user_id in row["members"]
    if row["kind"] == "im":
        if row["user"] == call.user_id:
            out["user"] = next((m for m in row["members"] if m != call.user_id), call.user_id)
        if member_view and member:
            out["is_open"] = True
            out["last_read"] = row["last_read"].get(call.user_id, NEVER_READ)
        return out
    if not num_members:
        out.pop("num_members", None)
    if member_view and member:
        out["last_read"] = row["last_read"].get(call.user_id, NEVER_READ)
    return out


def event_channel_type(row: Row) -> str:
    """`channel_type` of membership events: C for public channels, G for the rest."""
    return "C" if row["kind"] == "public" else "G"


def row_us(row: Row) -> int:
    return ts_micros(row["ts"], "invalid_arguments")


def encode_cursor(ts: str) -> str:
    """Slack's history cursor: base64 of `next_ts:` and the digits of the next message's ts."""
    return base64.b64encode(f"next_ts:{ts_micros(ts, 'invalid_cursor')}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise SlackError(code="invalid_cursor") from None
    prefix, _, digits = text.partition(":")
    if prefix != "next_ts" or not digits.isdigit():
        raise SlackError(code="invalid_cursor")
    return int(digits)


def bounds(call: Call) -> tuple[int | None, int | None, bool]:
    """`oldest`, `latest` (microseconds, None when absent) and `inclusive`."""
    oldest_raw, latest_raw = call.params.text("oldest").strip(), call.params.text("latest").strip()
    oldest = ts_micros(oldest_raw, "invalid_ts_oldest") if oldest_raw else None
    latest = ts_micros(latest_raw, "invalid_ts_latest") if latest_raw else None
    return oldest, latest, call.params.flag("inclusive")


def in_bounds(us: int, oldest: int | None, latest: int | None, inclusive: bool) -> bool:
    if oldest is not None and (us < oldest or (us == oldest and not inclusive)):
        return False
    return latest is None or us < latest or (us == latest and inclusive)


def conversation(call: Call) -> Row:
    """The conversation whose id is `channel`; the conversations API takes ids, never names."""
    row = call.state["conversations"].get(call.params.text("channel").strip())
    if row is None or not lookup.can_see(call, row):
        raise SlackError(code="channel_not_found")
    return row


def readable(call: Call) -> Row:
    """The conversation of `channel`, if the caller may read its messages."""
    chan = conversation(call)
    if chan["kind"] == "public" and call.is_bot:
        lookup.require_member(call, chan)
    return chan


def limit_of(call: Call, default: int, high: int) -> int:
    limit = call.params.number("limit", default, low=1, high=high)
    return default if call.params.get("limit") in (0, "0") else limit


@method("conversations.list", page=BodyCursor(kind="channels", default=100, most=1000))
def conversations_list(call: Call) -> dict[str, Any]:
    kinds = kinds_of(call)
    exclude_archived = call.params.flag("exclude_archived")
    rows = [
        row
        for row in call.state["conversations"]
        if row["kind"] in kinds
        and lookup.can_see(call, row)
        and not (exclude_archived and row["is_archived"])
    ]
    return {"channels": [render(call, row, num_members=True) for row in call.page(rows)]}


@method("conversations.info")
def conversations_info(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    out = render(call, chan, num_members=call.params.flag("include_num_members"))
    if call.params.flag("include_locale"):
        out["locale"] = "en-US"
    return {"channel": out}


@method("conversations.members", page=BodyCursor(kind="members", default=100, most=1000))
def conversations_members(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    return {"members": call.page(list(chan["members"]))}


@method("conversations.history")
def conversations_history(call: Call) -> dict[str, Any]:
    chan = readable(call)
    oldest, latest, inclusive = bounds(call)
    limit = limit_of(call, 100, 999)
    cursor = call.params.text("cursor").strip()
    start = decode_cursor(cursor) if cursor else None
    view = rendered.history_view(call.state, chan["id"])
    first, end = rendered.history_range(view, oldest, latest, inclusive, start)
    has_more = end - first > limit
    out: dict[str, Any] = {
        "messages": rendered.history_page(call.state, view, first, min(end, first + limit), call.base_url),
        "has_more": has_more,
        "pin_count": view.pin_count,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if call.params.text("latest").strip():
        out["latest"] = call.params.text("latest").strip()
    if call.params.text("oldest").strip():
        out["oldest"] = call.params.text("oldest").strip()
    out["response_metadata"] = {
        "next_cursor": encode_cursor(view.history[first + limit]["ts"]) if has_more else ""
    }
    return out


@method("conversations.replies")
def conversations_replies(call: Call) -> dict[str, Any]:
    chan = readable(call)
    ts = call.params.required("ts")
    row = call.state["messages"].get(lookup.message_key(chan["id"], ts))
    if row is None:
        raise SlackError(code="thread_not_found")
    if row["thread_ts"] and row["thread_ts"] != row["ts"]:
        parent = call.state["messages"].get(lookup.message_key(chan["id"], row["thread_ts"]))
        row = parent if parent is not None else row
    oldest, latest, inclusive = bounds(call)
    limit = limit_of(call, 1000, 1000)
    cursor = call.params.text("cursor").strip()
    start = decode_cursor(cursor) if cursor else None
    replies = sorted(
        (
            (us, reply)
            for reply in call.state["messages"].where("thread_ts", row["ts"])
            if reply["channel"] == chan["id"]
            and reply["ts"] != row["ts"]
            and in_bounds(us := row_us(reply), oldest, latest, inclusive)
            and (start is None or us >= start)
        ),
        key=lambda pair: pair[0],
    )
    # The parent opens the first page and counts toward its limit; later pages hold replies only.
    room = limit if start is not None else limit - 1
    chunk = [reply for _, reply in replies[:room]]
    if start is None:
        chunk.insert(0, row)
    has_more = len(replies) > room
    out: dict[str, Any] = {
        "messages": rendered.messages(call.state, chunk, call.base_url),
        "has_more": has_more,
    }
    out["response_metadata"] = {"next_cursor": encode_cursor(replies[room][1]["ts"]) if has_more else ""}
    return out
