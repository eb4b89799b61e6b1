"""Lookups shared by the method families (raising Slack's own errors) and the admin side."""

from __future__ import annotations

from twins._runtime.collection import Row, TenantState
from twins.slack.call import Call
from twins.slack.errors import SlackError


def channel(call: Call, param: str = "channel", *, error: str = "channel_not_found") -> Row:
    """The conversation named by `param`: an id (C…, G…, D…) or a #name / name."""
    value = call.params.text(param).strip()
    if not value:
        raise SlackError(code=error)
    return channel_by_ref(call, value, error=error)


def find_conversation(state: TenantState, ref: str) -> Row | None:
    """A conversation by id, or by name with or without its leading #."""
    convs = state["conversations"]
    row = convs.get(ref)
    return row if row is not None else convs.by("name", ref.lstrip("#"))


def channel_by_ref(call: Call, value: str, *, error: str = "channel_not_found") -> Row:
    convs = call.state["conversations"]
    row = find_conversation(call.state, value)
    if row is None and value.startswith(("U", "W")):
        # Posting to a user id goes to the IM with that user (the bot's or the token user's).
        row = next(
            (c for c in convs.where("kind", "im") if set(c["members"]) == {call.user_id, value}),
            None,
        )
    if row is None or not can_see(call, row):
        raise SlackError(code=error)
    return row


# Member lists of large conversations as sets, by the list object: rows are replaced, never
# changed in place, so a list object always holds the same members (and it is kept alive here,
# so its id is not reused while remembered).
_MEMBER_SETS: dict[int, tuple[list[str], frozenset[str]]] = {}
SCAN_UP_TO = 32  # below this a list scan is as quick as a set


def has_member(chan: Row, user_id: str | None) -> bool:
    """Whether `user_id` is in the conversation, without scanning a large member list."""
    members: list[str] = chan["members"]
    if len(members) <= SCAN_UP_TO:
        return user_id in members
    found = _MEMBER_SETS.get(id(members))
    if found is None or found[0] is not members:
        if len(_MEMBER_SETS) > 4096:
            _MEMBER_SETS.clear()
        found = _MEMBER_SETS[id(members)] = (members, frozenset(members))
    return user_id in found[1]


def can_see(call: Call, chan: Row) -> bool:
    """Public channels are visible to all; private ones, IMs and MPIMs to their members."""
    return chan["kind"] == "public" or has_member(chan, call.user_id)


def is_member(call: Call, chan: Row) -> bool:
    return has_member(chan, call.user_id)


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


def live_bot_token(state: TenantState, app: Row) -> Row | None:
    """The app's bot token in the workspace, unless revoked (None: the app is not installed)."""
    for token in state["tokens"].where("user_id", app["bot_user_id"]):
        if token["kind"] == "bot" and token["app_id"] == app["id"] and not token["revoked"]:
            return token
    return None
