"""chat.update and chat.delete: a message edited in place, or removed (a thread parent leaves a
tombstone)."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.slack import lookup, schemas
from twins.slack.call import Call, emit
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.chat import render
from twins.slack.methods.chat_content import check_text, read_attachments, read_blocks, read_metadata

TOMBSTONE_FIELDS: dict[str, Any] = {
    "subtype": "tombstone",
    "text": "This message was deleted.",
    "user": "USLACKBOT",
    "bot_id": None,
    "app_id": None,
    "blocks": [],
    "attachments": [],
    "files": [],
    "username": None,
    "icons": {},
    "edited": {},
    "reactions": [],
    "pinned_to": [],
    "metadata_": {},
}


@method("chat.update", write=True)
def update(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call)
    row = lookup.message(call, chan, call.params.text("ts").strip())
    if row["user"] != call.user_id or row["subtype"] == "tombstone":
        raise SlackError(code="cant_update_message")
    lookup.require_open(chan)
    text = call.params.text("text")
    blocks = read_blocks(call)
    attachments = read_attachments(call)
    if not text.strip() and not blocks and not attachments:
        raise SlackError(code="no_text")
    check_text(text)
    changes: dict[str, Any] = {"edited": {"user": call.user_id, "ts": schemas.make_ts(call.state)}}
    if text.strip():
        changes["text"] = text
        changes["blocks"] = blocks or []  # text without blocks drops the old blocks
    elif blocks:
        changes["blocks"] = blocks
    if attachments is not None:
        changes["attachments"] = attachments
    if call.params.get("metadata") not in (None, ""):
        changes["metadata_"] = read_metadata(call)
    new = call.state["messages"].update(row["id"], **changes)
    event_ts = schemas.make_ts(call.state)
    emit(
        call.events,
        "message",
        {
            "subtype": "message_changed",
            "hidden": True,
            "message": render(new, call.state, call.base_url),
            "previous_message": render(row, call.state, call.base_url),
            "channel": chan["id"],
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": schemas.channel_type(chan),
        },
    )
    return {
        "channel": chan["id"],
        "ts": new["ts"],
        "text": new["text"],
        "message": render(new, call.state, call.base_url),
    }


def _can_delete(call: Call, row: Row) -> bool:
    if row["user"] == call.user_id:
        return True
    actor = call.state["users"].get(call.user_id) or {}
    return not call.is_bot and bool(actor.get("is_admin") or actor.get("is_owner"))


def _unlink_reply(state: TenantState, row: Row) -> None:
    """After deleting a reply: recount its thread; a tombstone with no replies left goes too."""
    messages = state["messages"]
    parent = messages.get(lookup.message_key(row["channel"], row["thread_ts"]))
    if parent is None:
        return
    replies = [m for m in messages.where("thread_ts", parent["ts"]) if m["ts"] != parent["ts"]]
    replies = [m for m in replies if m["channel"] == parent["channel"]]
    if replies:
        users = list(dict.fromkeys(m["user"] for m in replies if m["user"]))
        messages.update(
            parent["id"], reply_count=len(replies), reply_users=users, latest_reply=replies[-1]["ts"]
        )
    elif parent["subtype"] == "tombstone":
        messages.delete(parent["id"])
    else:
        messages.update(parent["id"], thread_ts=None, reply_count=0, reply_users=[], latest_reply=None)


@method("chat.delete", write=True)
def delete(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call)
    row = lookup.message(call, chan, call.params.text("ts").strip())
    if row["subtype"] == "tombstone":
        raise SlackError(code="message_not_found")
    if not _can_delete(call, row):
        raise SlackError(code="cant_delete_message")
    messages = call.state["messages"]
    event_ts = schemas.make_ts(call.state)
    common = {"hidden": True, "channel": chan["id"], "ts": event_ts, "event_ts": event_ts}
    previous = render(row, call.state, call.base_url)
    if row["thread_ts"] == row["ts"] and row["reply_count"] > 0:
        # A thread parent leaves a tombstone so that its replies stay reachable.
        cleared = {**TOMBSTONE_FIELDS, **({"extra": {"hidden": True}} if "extra" in row else {})}
        tomb = messages.update(row["id"], **cleared)
        changed = {"subtype": "message_changed", **common, "message": render(tomb, call.state, call.base_url)}
        emit(
            call.events,
            "message",
            {**changed, "previous_message": previous, "channel_type": schemas.channel_type(chan)},
        )
    else:
        messages.delete(row["id"])
        if row["thread_ts"] and row["thread_ts"] != row["ts"]:
            _unlink_reply(call.state, row)
        deleted = {"subtype": "message_deleted", **common, "deleted_ts": row["ts"]}
        emit(
            call.events,
            "message",
            {**deleted, "previous_message": previous, "channel_type": schemas.channel_type(chan)},
        )
    call.state["pins"].delete(row["id"])
    return {"channel": chan["id"], "ts": row["ts"]}
