"""Lookups shared by the method families, raising Slack's own errors."""

from __future__ import annotations

from twins._runtime.collection import Row
from twins.slack.call import Call
from twins.slack.errors import SlackError


def channel(call: Call, param: str = "channel", *, error: str = "channel_not_found") -> Row:
    """The conversation named by `param`: an id (C…, G…, D…) or a #name / name."""
    value = call.params.text(param).strip()
    if not value:
        raise SlackError(code=error)
    return channel_by_ref(call, value, error=error)


def channel_by_ref(call: Call, value: str, *, error: str = "channel_not_found") -> Row:
    convs = call.state["conversations"]
    row = convs.get(value)
    if row is None:
        row = convs.by("name", value.lstrip("#"))
    if row is None and value.startswith(("U", "W")):
        # Posting to a user id goes to the IM with that user (the bot's or the token user's).
        row = next(
            (c for c in convs.where("kind", "im") if set(c["members"]) == {call.user_id, value}),
            None,
        )
    if row is None or not can_see(call, row):
        raise SlackError(code=error)
    return row


def can_see(call: Call, chan: Row) -> bool:
    """Public channels are visible to all; private ones, IMs and MPIMs to their members."""
    return chan["kind"] == "public" or call.user_id in chan["members"]


def is_member(call: Call, chan: Row) -> bool:
    return call.user_id in chan["members"]


def require_member(call: Call, chan: Row) -> None:
    if not is_member(call, chan):
        raise SlackError(code="not_in_channel")


def require_open(chan: Row) -> None:
    if chan["is_archived"]:
        raise SlackError(code="is_archived")


def user(call: Call, param: str = "user", *, error: str = "user_not_found") -> Row:
    value = call.params.text(param).strip()
    row = call.state["users"].get(value) if value else None
    if row is None:
        raise SlackError(code=error)
    return row


def message(call: Call, chan: Row, ts: str, *, error: str = "message_not_found") -> Row:
    row = call.state["messages"].get(f"{chan['id']}/{ts}") if ts else None
    if row is None:
        raise SlackError(code=error)
    return row


def message_key(channel_id: str, ts: str) -> str:
    return f"{channel_id}/{ts}"
