"""chat.postMessage, chat.meMessage, chat.postEphemeral, chat.update, chat.delete, chat.getPermalink;
`post` is the one place a message enters a channel (also for scheduled messages)."""

from __future__ import annotations

import re
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.slack import lookup, schemas
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.seed import slack_id

Events = list[tuple[str, dict[str, Any]]]

MAX_TEXT = 40_000
MAX_BLOCKS = 50
MAX_ATTACHMENTS = 100
TS = re.compile(r"^\d{1,12}\.\d{1,6}$")
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_TYPES = {"public": "channel", "private": "group", "im": "im", "mpim": "mpim"}
BLOCK_TYPES = frozenset(
    {"actions", "call", "context", "divider", "file", "header", "image", "input", "markdown"}
    | {"rich_text", "section", "table", "video"}
)
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


# --- reading a request ------------------------------------------------------------------------
def target(call: Call) -> Row:
    """The conversation to post to: an id, #name, name, or a user id (their IM, opened if needed)."""
    value = call.params.text("channel").strip()
    convs = call.state["conversations"]
    if value.startswith(("U", "W")) and convs.get(value) is None:
        other = call.state["users"].get(value)
        if other is not None and not other["deleted"]:
            pair = {call.user_id, value}
            found = next((c for c in convs.where("kind", "im") if set(c["members"]) == pair), None)
            if found is not None:
                return found
            return convs.insert(
                {
                    "id": slack_id(call.state, "D", "im"),
                    "kind": "im",
                    "user": value,
                    "created": int(call.now),
                    "members": sorted(pair),
                    "updated": int(call.now),
                }
            )
    if not value:
        raise SlackError(code="channel_not_found")
    return lookup.channel_by_ref(call, value)


def check_can_post(call: Call, chan: Row) -> None:
    """Archived channels refuse posts; bots need membership unless they have chat:write.public."""
    lookup.require_open(chan)
    if lookup.is_member(call, chan):
        return
    scopes = call.token["scopes"] if call.token else []
    if chan["kind"] == "public" and call.is_bot and "chat:write.public" in scopes:
        return
    raise SlackError(code="not_in_channel")


def _text_object_ok(obj: Any, *, plain_only: bool = False) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return False
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    return obj.get("type") in allowed


def _block_ok(block: Any) -> bool:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return False
    kind = block["type"]
    if "block_id" in block and (not isinstance(block["block_id"], str) or len(block["block_id"]) > 255):
        return False
    if kind == "section":
        fields = block.get("fields")
        if "text" in block and not _text_object_ok(block["text"]):
            return False
        return "text" in block or (isinstance(fields, list) and bool(fields))
    if kind == "header":
        return _text_object_ok(block.get("text"), plain_only=True)
    if kind in ("actions", "context", "rich_text"):
        return isinstance(block.get("elements"), list)
    if kind == "image":
        return isinstance(block.get("alt_text"), str) and ("image_url" in block or "slack_file" in block)
    return True


def read_blocks(call: Call) -> list[Any] | None:
    """`blocks` as given (None when absent), each with a block_id as Slack stores them."""
    blocks = call.params.parsed("blocks", "invalid_blocks")
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        raise SlackError(
            code="invalid_blocks", messages=["[ERROR] must provide an array [json-pointer:/blocks]"]
        )
    if len(blocks) > MAX_BLOCKS:
        raise SlackError(
            code="invalid_blocks", messages=["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]
        )
    seen: set[str] = set()
    out = []
    for i, block in enumerate(blocks):
        if not _block_ok(block):
            raise SlackError(
                code="invalid_blocks",
                messages=[f"[ERROR] failed to match all allowed schemas [json-pointer:/blocks/{i}]"],
            )
        block_id = block.get("block_id") or call.state.ids.chars("block_id", 5)
        if block_id in seen:
            raise SlackError(
                code="invalid_blocks", messages=[f"[ERROR] duplicate block_id [json-pointer:/blocks/{i}]"]
            )
        seen.add(block_id)
        out.append({**block, "block_id": block_id})
    return out


def read_attachments(call: Call) -> list[Any] | None:
    attachments = call.params.parsed("attachments", "invalid_attachments")
    if attachments is None:
        return None
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        raise SlackError(code="invalid_attachments")
    if len(attachments) > MAX_ATTACHMENTS:
        raise SlackError(code="too_many_attachments")
    return [{**a, "id": a.get("id", i + 1)} for i, a in enumerate(attachments)]


def read_metadata(call: Call) -> dict[str, Any]:
    metadata = call.params.parsed("metadata", "invalid_metadata_format")
    if metadata is None:
        return {}
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise SlackError(code="invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload", {})}


def fallback_text(blocks: list[Any]) -> str:
    """The text Slack derives from blocks when a message has none."""
    parts = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and isinstance(text.get("text"), str):
            parts.append(text["text"])
    return "\n".join(parts) or "This content can't be displayed."


def check_text(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise SlackError(code="msg_too_long")


def read_content(call: Call) -> dict[str, Any]:
    """text, blocks, attachments, metadata of a new message; no_text when there is nothing."""
    text = call.params.text("text")
    blocks = read_blocks(call) or []
    attachments = read_attachments(call) or []
    if not text.strip() and not blocks and not attachments:
        raise SlackError(code="no_text")
    check_text(text)
    if not text.strip() and blocks:
        text = fallback_text(blocks)
    return {"text": text, "blocks": blocks, "attachments": attachments, "metadata_": read_metadata(call)}


def read_author(call: Call) -> dict[str, Any]:
    """Who the message is from; bots with chat:write.customize may set username and icon."""
    out: dict[str, Any] = {"user": call.user_id}
    if not call.is_bot or call.token is None:
        return out
    user = call.state["users"].get(call.user_id) or {}
    out["bot_id"] = user.get("bot_id")
    out["app_id"] = call.token["app_id"]
    if "chat:write.customize" in call.token["scopes"]:
        username = call.params.text("username").strip()
        emoji = call.params.text("icon_emoji").strip()
        icon_url = call.params.text("icon_url").strip()
        if username:
            out["username"] = username
        if emoji:
            out["icons"] = {"emoji": emoji if emoji.startswith(":") else f":{emoji}:"}
        elif icon_url:
            out["icons"] = {"image_48": icon_url}
    return out


def read_thread(call: Call) -> dict[str, Any]:
    ts = call.params.text("thread_ts").strip()
    if not ts:
        return {}
    if not TS.match(ts):
        raise SlackError(code="invalid_thread_ts", messages=[f"[ERROR] {ts} is not a valid thread_ts"])
    return {"thread_ts": ts, "reply_broadcast": call.params.flag("reply_broadcast")}


# --- writing ----------------------------------------------------------------------------------
def ts_at(state: TenantState, at: float | None) -> str:
    """A new message ts: now (or `at`), unique and increasing across the workspace."""
    if at is None:
        return schemas.make_ts(state)
    last = int(state.meta.get("last_ts_us", 0))
    us = max(int(at * 1_000_000), last + 1)
    state.meta["last_ts_us"] = us
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def emit(events: Events, event_type: str, event: dict[str, Any]) -> None:
    events.append((event_type, {"type": event_type, **event}))


def channel_type(chan: Row) -> str:
    return CHANNEL_TYPES.get(chan["kind"], "channel")


def render(row: Row, state: TenantState) -> dict[str, Any]:
    """A message as chat.* responses show it; a thread broadcast carries its root."""
    out = schemas.message(row, state)
    if row["reply_broadcast"] and row["thread_ts"]:
        parent = state["messages"].get(lookup.message_key(row["channel"], row["thread_ts"]))
        if parent is not None:
            out["root"] = schemas.message(parent, state)
    return out


def post(
    state: TenantState, chan: Row, fields: dict[str, Any], events: Events, *, at: float | None = None
) -> Row:
    """Store a new message in `chan` (a reply when fields has thread_ts) and queue its events."""
    messages = state["messages"]
    ts = ts_at(state, at)
    fields = dict(fields)
    thread_ts = fields.pop("thread_ts", None)
    broadcast = bool(fields.pop("reply_broadcast", False))
    parent = messages.get(lookup.message_key(chan["id"], thread_ts)) if thread_ts else None
    if parent is not None and parent["thread_ts"] and parent["thread_ts"] != parent["ts"]:
        thread_ts = parent["thread_ts"]  # the ts of a reply: answer in that reply's thread
        parent = messages.get(lookup.message_key(chan["id"], thread_ts))
    row = messages.insert(
        {
            "id": lookup.message_key(chan["id"], ts),
            "channel": chan["id"],
            "ts": ts,
            "thread_ts": thread_ts,
            "reply_broadcast": broadcast and bool(thread_ts),
            **fields,
        }
    )
    if parent is not None:
        users = list(parent["reply_users"])
        if row["user"] and row["user"] not in users:
            users.append(row["user"])
        messages.update(
            parent["id"],
            thread_ts=parent["ts"],
            reply_count=parent["reply_count"] + 1,
            reply_users=users,
            latest_reply=ts,
        )
    body = render(row, state)
    emit(
        events, "message", {**body, "channel": chan["id"], "event_ts": ts, "channel_type": channel_type(chan)}
    )
    bots = {a["bot_user_id"] for a in state["apps"] if a["bot_user_id"]}
    if bots.intersection(MENTION.findall(row["text"])) - {row["user"]}:
        mention = {k: v for k, v in body.items() if k not in ("type", "subtype", "root")}
        emit(events, "app_mention", {**mention, "channel": chan["id"], "event_ts": ts})
    return row


def permalink(state: TenantState, row: Row) -> str:
    domain = str(state.meta.get("team", {}).get("domain", "workspace"))
    url = f"https://{domain}.slack.com/archives/{row['channel']}/p{row['ts'].replace('.', '')}"
    if row["thread_ts"] and row["thread_ts"] != row["ts"]:
        url += f"?thread_ts={row['thread_ts']}&cid={row['channel']}"
    return url


# --- methods ----------------------------------------------------------------------------------
@method("chat.postMessage", write=True)
def post_message(call: Call) -> dict[str, Any]:
    chan = target(call)
    check_can_post(call, chan)
    fields = {**read_content(call), **read_author(call), **read_thread(call)}
    row = post(call.state, chan, fields, call.events)
    return {"channel": chan["id"], "ts": row["ts"], "message": render(row, call.state)}


@method("chat.meMessage", write=True)
def me_message(call: Call) -> dict[str, Any]:
    chan = target(call)
    text = call.params.text("text")
    if not text.strip():
        raise SlackError(code="no_text")
    check_text(text)
    check_can_post(call, chan)
    row = post(call.state, chan, {"text": text, "subtype": "me_message", **read_author(call)}, call.events)
    return {"channel": chan["id"], "ts": row["ts"]}


@method("chat.postEphemeral", write=True)
def post_ephemeral(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call)
    check_can_post(call, chan)
    read_content(call)
    read_thread(call)
    if call.params.text("user").strip() not in chan["members"]:
        raise SlackError(code="user_not_in_channel")
    # Ephemeral messages are shown to one user and never stored in the conversation.
    return {"message_ts": schemas.make_ts(call.state)}


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
            "message": render(new, call.state),
            "previous_message": render(row, call.state),
            "channel": chan["id"],
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": channel_type(chan),
        },
    )
    return {"channel": chan["id"], "ts": new["ts"], "text": new["text"], "message": render(new, call.state)}


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
    previous = render(row, call.state)
    if row["thread_ts"] == row["ts"] and row["reply_count"] > 0:
        # A thread parent leaves a tombstone so that its replies stay reachable.
        cleared = {**TOMBSTONE_FIELDS, **({"extra": {"hidden": True}} if "extra" in row else {})}
        tomb = messages.update(row["id"], **cleared)
        changed = {"subtype": "message_changed", **common, "message": render(tomb, call.state)}
        emit(
            call.events,
            "message",
            {**changed, "previous_message": previous, "channel_type": channel_type(chan)},
        )
    else:
        messages.delete(row["id"])
        if row["thread_ts"] and row["thread_ts"] != row["ts"]:
            _unlink_reply(call.state, row)
        deleted = {"subtype": "message_deleted", **common, "deleted_ts": row["ts"]}
        emit(
            call.events,
            "message",
            {**deleted, "previous_message": previous, "channel_type": channel_type(chan)},
        )
    pins = dict(call.state.meta.get("pins", {}))
    if pins.pop(row["id"], None) is not None:
        call.state.meta["pins"] = pins
    return {"channel": chan["id"], "ts": row["ts"]}


@method("chat.getPermalink")
def get_permalink(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call)
    row = lookup.message(call, chan, call.params.text("message_ts").strip())
    return {"channel": chan["id"], "permalink": permalink(call.state, row)}
