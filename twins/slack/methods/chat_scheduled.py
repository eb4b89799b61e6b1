"""chat.scheduleMessage, chat.scheduledMessages.list, chat.deleteScheduledMessage; delivery is in
`twins.slack.scheduler`."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.kit.pagers import BodyCursor
from twins.slack import lookup, schemas
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import chat, method
from twins.slack.methods.chat_content import read_content
from twins.slack.seed import slack_id

MAX_AHEAD = 120 * 86400  # Slack schedules at most 120 days ahead


def read_post_at(call: Call) -> int:
    raw = call.params.text("post_at").strip()
    if not raw:
        raise SlackError(code="invalid_arguments", messages=["[ERROR] missing required field: post_at"])
    try:
        post_at = int(float(raw))
    except (ValueError, OverflowError):
        raise SlackError(code="invalid_time") from None
    if post_at <= call.now:
        raise SlackError(code="time_in_past")
    if post_at > call.now + MAX_AHEAD:
        raise SlackError(code="time_too_far")
    return post_at


def preview(call: Call, chan: Row, fields: dict[str, Any]) -> dict[str, Any]:
    """The `message` of a scheduleMessage response: the future message, type delayed_message."""
    row = call.state["messages"].spec.complete({"id": "", "channel": chan["id"], "ts": "", **fields})
    out = schemas.message(row, call.state, base=call.base_url)
    out.pop("ts", None)
    out["type"] = "delayed_message"
    return out


@method("chat.scheduleMessage", write=True)
def schedule_message(call: Call) -> dict[str, Any]:
    chan = chat.target(call)
    chat.check_can_post(call, chan)
    fields = {**read_content(call), **chat.read_author(call), **chat.read_thread(call)}
    post_at = read_post_at(call)
    row = call.state["scheduled"].insert(
        {
            "id": slack_id(call.state, "Q", "scheduled"),
            "channel": chan["id"],
            "post_at": post_at,
            "date_created": int(call.now),
            "text": fields["text"],
            "payload": fields,
            "token": call.token["id"] if call.token else "",
            "state": "pending",
        }
    )
    return {
        "channel": chan["id"],
        "scheduled_message_id": row["id"],
        "post_at": post_at,
        "message": preview(call, chan, {k: v for k, v in fields.items() if k != "thread_ts"}),
    }


def _bound(call: Call, name: str) -> float | None:
    raw = call.params.text(name).strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise SlackError(code=f"invalid_ts_{name}") from None


@method("chat.scheduledMessages.list", page=BodyCursor(kind="scheduled"))
def list_scheduled(call: Call) -> dict[str, Any]:
    wanted = call.params.text("channel").strip()
    channel_id = ""
    if wanted:
        chan = lookup.find_conversation(call.state, wanted)
        if chan is None or not lookup.can_see(call, chan):
            raise SlackError(code="invalid_channel")
        channel_id = chan["id"]
    oldest, latest = _bound(call, "oldest"), _bound(call, "latest")
    rows = [
        r
        for r in call.state["scheduled"].where("state", "pending")
        if r["payload"].get("user") == call.user_id
        and (not channel_id or r["channel"] == channel_id)
        and (oldest is None or r["post_at"] >= oldest)
        and (latest is None or r["post_at"] <= latest)
    ]
    rows.sort(key=lambda r: (r["post_at"], r["twin_seq"]))
    chunk = call.page(rows)
    items = [
        {
            "id": r["id"],
            "channel_id": r["channel"],
            "post_at": r["post_at"],
            "date_created": r["date_created"],
            "text": r["text"],
        }
        for r in chunk
    ]
    return {"scheduled_messages": items}


@method("chat.deleteScheduledMessage", write=True)
def delete_scheduled(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call)
    sid = call.params.text("scheduled_message_id").strip()
    row = call.state["scheduled"].get(sid) if sid else None
    if (
        row is None
        or row["channel"] != chan["id"]
        or row["state"] != "pending"
        or row["payload"].get("user") != call.user_id
    ):
        raise SlackError(code="invalid_scheduled_message_id")
    call.state["scheduled"].update(row["id"], state="deleted")
    return {}
