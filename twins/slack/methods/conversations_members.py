"""conversations.open, invite, kick, join and leave: who is in which conversation."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.slack import lookup, seed
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.conversations import conversation, render
from twins.slack.methods.conversations_admin import (
    add_member,
    event_ts,
    not_a_guest,
    not_for_dms,
    remove_member,
)

MAX_DM_USERS = 8
MAX_INVITES = 1000


def _opened(call: Call, chan: Row, *, existed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if existed:
        out.update(no_op=True, already_open=True)
    full = call.params.flag("return_im") or chan["kind"] == "mpim"
    out["channel"] = render(call, chan) if full else {"id": chan["id"]}
    return out


def _dm_users(call: Call) -> list[str]:
    """The `users` of conversations.open, checked, without the caller, in the given order."""
    ids = call.params.csv("users")
    if not ids:
        raise SlackError(code="users_list_not_supplied")
    for uid in ids:
        user = call.state["users"].get(uid)
        if user is None:
            raise SlackError(code="user_not_found")
        if user["deleted"]:
            raise SlackError(code="user_disabled")
    others = [uid for uid in dict.fromkeys(ids) if uid != call.user_id]
    if len(others) > MAX_DM_USERS:
        raise SlackError(code="too_many_users")
    return others


def _new_im(call: Call, other: str) -> Row:
    now = int(call.now)
    chan = call.state["conversations"].insert(
        {
            "id": seed.slack_id(call.state, "D", "im"),
            "kind": "im",
            "user": other,
            "creator": call.user_id,
            "created": now,
            "members": list(dict.fromkeys([call.user_id, other])),
            "updated": now,
        }
    )
    call.emit("im_created", {"user": call.user_id, "channel": render(call, chan), "event_ts": event_ts(call)})
    return chan


def _new_mpim(call: Call, members: list[str]) -> Row:
    names = []
    for uid in members:
        user = call.state["users"].get(uid)
        names.append(user["name"] if user else uid.lower())
    base = "mpdm-" + "--".join(names)
    n = 1
    while call.state["conversations"].by("name", f"{base}-{n}") is not None:
        n += 1
    now = int(call.now)
    chan = call.state["conversations"].insert(
        {
            "id": seed.slack_id(call.state, "G", "mpim"),
            "name": f"{base}-{n}",
            "kind": "mpim",
            "creator": call.user_id,
            "created": now,
            "topic": {"value": "Group messaging", "creator": call.user_id, "last_set": now},
            "purpose": {
                "value": "Group messaging with: " + " ".join(f"@{x}" for x in names),
                "creator": call.user_id,
                "last_set": now,
            },
            "members": members,
            "updated": now,
        }
    )
    call.emit("mpim_open", {"user": call.user_id, "channel": chan["id"], "event_ts": event_ts(call)})
    return chan


@method("conversations.open", write=True)
def conversations_open(call: Call) -> dict[str, Any]:
    convs = call.state["conversations"]
    if not call.params.csv("users") and call.params.text("channel").strip():
        chan = convs.get(call.params.text("channel").strip())
        if chan is None or not lookup.can_see(call, chan):
            raise SlackError(code="channel_not_found")
        not_for_dms(chan, "public", "private")
        return _opened(call, chan, existed=True)
    others = _dm_users(call)
    wanted = {call.user_id, *others}
    kind = "mpim" if len(others) > 1 else "im"
    found = next((c for c in convs.where("kind", kind) if set(c["members"]) == wanted), None)
    if found is not None:
        return _opened(call, found, existed=True)
    if call.params.flag("prevent_creation"):
        return {"channel": {}}
    if kind == "im":
        chan = _new_im(call, others[0] if others else call.user_id)
    else:
        chan = _new_mpim(call, [call.user_id, *others])
    return _opened(call, chan, existed=False)


@method("conversations.invite", write=True)
def conversations_invite(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    not_for_dms(chan)
    lookup.require_open(chan)
    lookup.require_member(call, chan)
    ids = list(dict.fromkeys(call.params.csv("users")))
    if not ids:
        raise SlackError(code="no_user")
    if len(ids) > MAX_INVITES:
        raise SlackError(code="too_many_users")
    errors: list[dict[str, Any]] = []
    valid: list[str] = []
    for uid in ids:
        code = _cant_invite(call, chan, uid)
        if code:
            errors.append({"user": uid, "ok": False, "error": code})
        else:
            valid.append(uid)
    if errors and not (call.params.flag("force") and valid):
        raise SlackError(code=str(errors[0]["error"]), errors=errors)
    for uid in valid:
        chan = add_member(call, chan, uid, inviter=call.user_id)
    out: dict[str, Any] = {"channel": render(call, chan)}
    if errors:
        out["errors"] = errors
    return out


def _cant_invite(call: Call, chan: Row, uid: str) -> str | None:
    user = call.state["users"].get(uid)
    if user is None:
        return "user_not_found"
    if uid == call.user_id:
        return "cant_invite_self"
    if user["deleted"]:
        return "cant_invite"
    if uid in chan["members"]:
        return "already_in_channel"
    if user["is_ultra_restricted"] and any(
        uid in c["members"] for c in call.state["conversations"] if c["kind"] in ("public", "private")
    ):
        return "ura_max_channels"
    return None


@method("conversations.kick", write=True)
def conversations_kick(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    not_for_dms(chan)
    uid = call.params.text("user").strip()
    if call.state["users"].get(uid) is None:
        raise SlackError(code="user_not_found")
    if uid == call.user_id:
        raise SlackError(code="cant_kick_self")
    if chan["is_general"]:
        raise SlackError(code="cant_kick_from_general")
    not_a_guest(call, "restricted_action")
    if uid not in chan["members"]:
        raise SlackError(code="not_in_channel")
    remove_member(call, chan, uid, actor=call.user_id)
    return {}


@method("conversations.join", write=True)
def conversations_join(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    not_for_dms(chan)
    lookup.require_open(chan)
    if lookup.is_member(call, chan):
        call.warnings.append("already_in_channel")
        return {"channel": render(call, chan)}
    not_a_guest(call)
    chan = add_member(call, chan, call.user_id)
    return {"channel": render(call, chan)}


@method("conversations.leave", write=True)
def conversations_leave(call: Call) -> dict[str, Any]:
    chan = conversation(call)
    not_for_dms(chan, "im")
    if chan["is_general"]:
        raise SlackError(code="cant_leave_general")
    lookup.require_open(chan)
    if not lookup.is_member(call, chan):
        return {"not_in_channel": True}
    if chan["kind"] == "private" and chan["members"] == [call.user_id]:
        raise SlackError(code="last_member")
    remove_member(call, chan, call.user_id, actor=call.user_id)
    return {}
