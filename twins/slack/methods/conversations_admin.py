"""conversations.create, archive, unarchive, rename, setTopic, setPurpose and mark, with the
membership changes, channel notices and events every conversation write shares."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.slack import lookup, schemas, seed
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.conversations import conversation, event_channel_type, render
from twins.slack.rendered import ts_micros

NAME_MAX = 80
TOPIC_MAX = 250


def check_name(call: Call, name: str, *, own_id: str | None = None) -> None:
    """Slack's channel name rules: required, at most 80 characters, lower case letters, digits,
    hyphens and underscores, not only punctuation, and not in use."""
    if not name:
        raise SlackError(code="invalid_name_required")
    if len(name) > NAME_MAX:
        raise SlackError(code="invalid_name_maxlength")
    if any(not (c in "-_" or (c.isalnum() and c == c.lower())) for c in name):
        raise SlackError(code="invalid_name_specials")
    if all(c in "-_" for c in name):
        raise SlackError(code="invalid_name_punctuation")
    taken = call.state["conversations"].by("name", name)
    if taken is not None and taken["id"] != own_id:
        raise SlackError(code="name_taken")


def not_for_dms(chan: Row, *kinds: str) -> None:
    if chan["kind"] in (kinds or ("im", "mpim")):
        raise SlackError(code="method_not_supported_for_channel_type")


def not_a_guest(call: Call, code: str = "user_is_restricted") -> None:
    user = call.state["users"].get(call.user_id)
    if user is not None and user["is_restricted"]:
        raise SlackError(code=code)


def event_ts(call: Call) -> str:
    return schemas.make_ts(call.state)


def notice(call: Call, chan: Row, subtype: str, user: str, text: str, **extra: Any) -> Row:
    """Post the message Slack itself writes into a conversation (joins, topic changes, ...)."""
    ts = schemas.make_ts(call.state)
    row = call.state["messages"].insert(
        {
            "id": lookup.message_key(chan["id"], ts),
            "channel": chan["id"],
            "ts": ts,
            "subtype": subtype,
            "user": user,
            "text": text,
            "extra": extra,
        }
    )
    call.emit(
        "message",
        {
            **schemas.message(row, call.state, base=call.base_url),
            "channel": chan["id"],
            "event_ts": ts,
            "channel_type": schemas.channel_type(chan),
        },
    )
    return row


def add_member(call: Call, chan: Row, user: str, *, inviter: str | None = None) -> Row:
    """`user` joins `chan`: membership, the channel_join notice and member_joined_channel."""
    chan = call.state["conversations"].update(
        chan["id"], members=[*chan["members"], user], updated=int(call.now)
    )
    extra = {"inviter": inviter} if inviter else {}
    msg = notice(call, chan, "channel_join", user, f"<@{user}> has joined the channel", **extra)
    event: dict[str, Any] = {
        "user": user,
        "channel": chan["id"],
        "channel_type": event_channel_type(chan),
        "team": call.team_id,
        "event_ts": msg["ts"],
    }
    if inviter:
        event["inviter"] = inviter
    call.emit("member_joined_channel", event)
    return chan


def remove_member(call: Call, chan: Row, user: str, *, actor: str) -> Row:
    """`user` leaves `chan` (or is removed by `actor`): notice, member_left_channel, *_left."""
    chan = call.state["conversations"].update(
        chan["id"], members=[m for m in chan["members"] if m != user], updated=int(call.now)
    )
    msg = notice(call, chan, "channel_leave", user, f"<@{user}> has left the channel")
    call.emit(
        "member_left_channel",
        {
            "user": user,
            "channel": chan["id"],
            "channel_type": event_channel_type(chan),
            "team": call.team_id,
            "event_ts": msg["ts"],
        },
    )
    departed = call.state["users"].get(user)
    if departed is not None and departed["is_bot"]:
        # The app whose bot user left hears it as channel_left / group_left.
        kind = "channel_left" if chan["kind"] == "public" else "group_left"
        call.emit(kind, {"channel": chan["id"], "actor_id": actor, "event_ts": msg["ts"]})
    return chan


@method("conversations.create", write=True)
def conversations_create(call: Call) -> dict[str, Any]:
    name = call.params.text("name").strip()
    check_name(call, name)
    not_a_guest(call)
    private = call.params.flag("is_private")
    now = int(call.now)
    chan = call.state["conversations"].insert(
        {
            "id": seed.slack_id(call.state, "C", "channel"),
            "name": name,
            "kind": "private" if private else "public",
            "creator": call.user_id,
            "created": now,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "members": [],
            "updated": now,
        }
    )
    if not private:
        shape = schemas.conversation(chan, call.team_id)
        shape.pop("num_members", None)
        call.emit("channel_created", {"channel": shape, "event_ts": event_ts(call)})
    chan = add_member(call, chan, call.user_id)
    return {"channel": render(call, chan)}


@method("conversations.archive", write=True)
def conversations_archive(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    not_for_dms(chan)
    if chan["is_general"]:
        raise SlackError(code="cant_archive_general")
    if chan["is_archived"]:
        raise SlackError(code="already_archived")
    lookup.require_member(call, chan)
    not_a_guest(call)
    msg = notice(call, chan, "channel_archive", call.user_id, "archived the channel")
    call.state["conversations"].update(chan["id"], is_archived=True, updated=int(call.now))
    if chan["kind"] == "public":
        event = {"channel": chan["id"], "user": call.user_id, "is_moved": 0, "event_ts": msg["ts"]}
        call.emit("channel_archive", event)
    else:
        event = {"channel": chan["id"], "actor_id": call.user_id, "is_moved": 0, "event_ts": msg["ts"]}
        call.emit("group_archive", event)
    return {}


@method("conversations.unarchive", write=True)
def conversations_unarchive(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    not_for_dms(chan)
    if not chan["is_archived"]:
        raise SlackError(code="not_archived")
    not_a_guest(call)
    chan = call.state["conversations"].update(chan["id"], is_archived=False, updated=int(call.now))
    msg = notice(call, chan, "channel_unarchive", call.user_id, "un-archived the channel")
    if chan["kind"] == "public":
        event = {"channel": chan["id"], "user": call.user_id, "event_ts": msg["ts"]}
        call.emit("channel_unarchive", event)
    else:
        event = {"channel": chan["id"], "actor_id": call.user_id, "event_ts": msg["ts"]}
        call.emit("group_unarchive", event)
    return {}


@method("conversations.rename", write=True)
def conversations_rename(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    not_for_dms(chan)
    lookup.require_member(call, chan)
    not_a_guest(call)
    name = call.params.text("name").strip()
    check_name(call, name, own_id=chan["id"])
    if name == chan["name"]:
        return {"channel": render(call, chan)}
    old = chan["name"]
    chan = call.state["conversations"].update(
        chan["id"],
        name=name,
        previous_names=[old, *[n for n in chan["previous_names"] if n != old]],
        updated=int(call.now),
    )
    text = f'has renamed the channel from "{old}" to "{name}"'
    msg = notice(call, chan, "channel_name", call.user_id, text, old_name=old, name=name)
    shape = {
        "id": chan["id"],
        "name": name,
        "name_normalized": name,
        "created": chan["created"],
        "is_channel": chan["kind"] == "public",
        "is_mpim": False,
    }
    kind = "channel_rename" if chan["kind"] == "public" else "group_rename"
    call.emit(kind, {"channel": shape, "event_ts": msg["ts"]})
    return {"channel": render(call, chan)}


def set_text(call: Call, field: str) -> dict[str, Any]:
    """setTopic / setPurpose: the value, its notice message, the channel as it now is."""
    chan = conversation(call)
    not_for_dms(chan, "im")
    lookup.require_open(chan)
    lookup.require_member(call, chan)
    value = call.params.text(field)
    if len(value) > TOPIC_MAX:
        raise SlackError(code="too_long")
    stamp = {"value": value, "creator": call.user_id, "last_set": int(call.now)}
    chan = call.state["conversations"].update(chan["id"], **{field: stamp}, updated=int(call.now))
    text = f"set the channel {field}: {value}" if value else f"cleared the channel {field}"
    notice(call, chan, f"channel_{field}", call.user_id, text, **{field: value})
    return {"channel": render(call, chan)}


@method("conversations.setTopic", write=True)
def conversations_set_topic(call: Call) -> dict[str, Any]:
    return set_text(call, "topic")


@method("conversations.setPurpose", write=True)
def conversations_set_purpose(call: Call) -> dict[str, Any]:
    return set_text(call, "purpose")


@method("conversations.mark", write=True)
def conversations_mark(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    ts = call.params.text("ts").strip()
    if not ts:
        raise SlackError(code="invalid_timestamp")
    ts_micros(ts, "invalid_timestamp")
    lookup.require_member(call, chan)
    call.state["conversations"].update(chan["id"], last_read={**chan["last_read"], call.user_id: ts})
    return {}
