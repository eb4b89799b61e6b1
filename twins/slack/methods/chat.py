"""chat.postMessage, chat.meMessage, chat.postEphemeral, chat.getPermalink; `post` is the one place
a message enters a channel (also for scheduled messages and files). chat.update and chat.delete
are in chat_edit, what a message carries (text, blocks...) in chat_content."""

from __future__ import annotations

import re
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.slack import lookup, rendered, schemas
from twins.slack.call import Call, EventList, emit
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.chat_content import check_text, read_content
from twins.slack.seed import slack_id
from twins.slack.subscriptions import mentions

TS = re.compile(r"^\d{1,12}\.\d{1,6}$")


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
def render(row: Row, state: TenantState, base: str = "") -> dict[str, Any]:
    """A message as chat.* responses show it; a thread broadcast carries its root. Read-only:
    it may carry its JSON text (`twins.kit.ready.EncodedObject`)."""
    if row["reply_broadcast"] and row["thread_ts"]:
        parent = state["messages"].get(lookup.message_key(row["channel"], row["thread_ts"]))
        if parent is not None:
            return {**rendered.message(row, state, base), "root": rendered.message(parent, state, base)}
    return rendered.encoded_message(row, state, base)


def post(
    state: TenantState,
    chan: Row,
    fields: dict[str, Any],
    events: EventList,
    *,
    at: float | None = None,
    base: str = "",
) -> Row:
    """Store a new message in `chan` (a reply when fields has thread_ts) and queue its events."""
    messages = state["messages"]
    ts = schemas.make_ts(state, at)
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

    def message() -> dict[str, Any]:
        body = render(row, state, base)
        return {**body, "channel": chan["id"], "event_ts": ts, "channel_type": schemas.channel_type(chan)}

    def app_mention() -> dict[str, Any]:
        body = render(row, state, base)
        mention = {k: v for k, v in body.items() if k not in ("type", "subtype", "root")}
        return {**mention, "channel": chan["id"], "event_ts": ts}

    emit(events, "message", message)  # built only when an app (or a watcher) would receive it
    mentioned = mentions(row["text"]) - {row["user"]}
    if mentioned and mentioned.intersection(a["bot_user_id"] for a in state["apps"] if a["bot_user_id"]):
        emit(events, "app_mention", app_mention)
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
    row = post(call.state, chan, fields, call.events, base=call.base_url)
    return {"channel": chan["id"], "ts": row["ts"], "message": render(row, call.state, call.base_url)}


@method("chat.meMessage", write=True)
def me_message(call: Call) -> dict[str, Any]:
    chan = target(call)
    text = call.params.text("text")
    if not text.strip():
        raise SlackError(code="no_text")
    check_text(text)
    check_can_post(call, chan)
    row = post(
        call.state,
        chan,
        {"text": text, "subtype": "me_message", **read_author(call)},
        call.events,
        base=call.base_url,
    )
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


@method("chat.getPermalink")
def get_permalink(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call)
    row = lookup.message(call, chan, call.params.text("message_ts").strip())
    return {"channel": chan["id"], "permalink": permalink(call.state, row)}
