"""usergroups.create, list, update, disable, enable, users.list and users.update."""

from __future__ import annotations

import re
from typing import Any

from twins._runtime.collection import Row
from twins.slack import seed
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.conversations_admin import not_a_guest

NAME_MAX = 255
DESCRIPTION_MAX = 140
HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
FORBIDDEN_HANDLES = {"channel", "here", "everyone", "group", "slackbot", "admin", "admins", "owner", "owners"}


def shape(call: Call, row: Row, *, users: bool, count: bool) -> dict[str, Any]:
    """A usergroup object; `users` and the counts only when asked for, as Slack does."""
    convs = call.state["conversations"]
    public = [c for c in row["channels"] if (convs.get(c) or {}).get("kind") == "public"]
    out: dict[str, Any] = {
        "id": row["id"],
        "team_id": call.team_id,
        "is_usergroup": True,
        "is_subteam": True,
        "name": row["name"],
        "description": row["description"],
        "handle": row["handle"],
        "is_external": False,
        "date_create": row["date_create"],
        "date_update": row["date_update"],
        "date_delete": row["date_delete"],
        "auto_type": None,
        "auto_provision": False,
        "enterprise_subteam_id": "",
        "created_by": row["created_by"],
        "updated_by": row["updated_by"],
        "deleted_by": row["updated_by"] if row["date_delete"] else None,
        "prefs": {"channels": public, "groups": [c for c in row["channels"] if c not in public]},
    }
    if users:
        out["users"] = list(row["users"])
    if count:
        out["user_count"] = len(row["users"])
        out["channel_count"] = len(row["channels"])
    return out


def group(call: Call) -> Row:
    row = call.state["usergroups"].get(call.params.text("usergroup").strip())
    if row is None:
        raise SlackError(code="no_such_subteam")
    return row


def _name(call: Call, own_id: str | None) -> str:
    name = call.params.text("name").strip()
    if not name:
        raise SlackError(code="missing_subteam_name")
    if len(name) > NAME_MAX:
        raise SlackError(code="name_too_long")
    for other in call.state["usergroups"]:
        if other["id"] != own_id and other["name"].casefold() == name.casefold():
            raise SlackError(code="name_already_exists")
    return name


def _handle(call: Call, handle: str, own_id: str | None) -> str:
    """A mention handle: valid, not reserved, unique among usergroups, users and channels."""
    if not HANDLE.match(handle):
        raise SlackError(code="bad_handle")
    if handle in FORBIDDEN_HANDLES:
        raise SlackError(code="forbidden_handle")
    other = call.state["usergroups"].by("handle", handle)
    if (other is not None and other["id"] != own_id) or (
        call.state["users"].by("name", handle) is not None
        or call.state["conversations"].by("name", handle) is not None
    ):
        raise SlackError(code="handle_already_exists")
    return handle


def _derived_handle(name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")


def _description(call: Call) -> str:
    description = call.params.text("description")
    if len(description) > DESCRIPTION_MAX:
        raise SlackError(code="description_too_long")
    return description


def _channels(call: Call) -> list[str]:
    ids = list(dict.fromkeys(call.params.csv("channels") + call.params.csv("additional_channels")))
    for cid in ids:
        chan = call.state["conversations"].get(cid)
        if chan is None or chan["kind"] in ("im", "mpim"):
            raise SlackError(code="invalid_channel_provided")
    return ids


def _changed(call: Call, row: Row) -> dict[str, Any]:
    full = shape(call, row, users=True, count=True)
    call.emit("subteam_updated", {"subteam": full, "event_ts": f"{call.now:.6f}"})
    return {"usergroup": shape(call, row, users=True, count=call.params.flag("include_count"))}


@method("usergroups.create", write=True)
def usergroups_create(call: Call) -> dict[str, Any]:
    not_a_guest(call)
    name = _name(call, None)
    handle = _handle(call, call.params.text("handle").strip() or _derived_handle(name), None)
    description = _description(call)
    channels = _channels(call)
    now = int(call.now)
    row = call.state["usergroups"].insert(
        {
            "id": seed.slack_id(call.state, "S", "usergroup"),
            "name": name,
            "handle": handle,
            "description": description,
            "channels": channels,
            "date_create": now,
            "date_update": now,
            "created_by": call.user_id,
            "updated_by": call.user_id,
        }
    )
    full = shape(call, row, users=True, count=True)
    call.emit("subteam_created", {"subteam": full, "event_ts": f"{call.now:.6f}"})
    return {"usergroup": shape(call, row, users=True, count=call.params.flag("include_count"))}


@method("usergroups.list")
def usergroups_list(call: Call) -> dict[str, Any]:
    disabled = call.params.flag("include_disabled")
    users = call.params.flag("include_users")
    count = call.params.flag("include_count")
    rows = [row for row in call.state["usergroups"] if disabled or not row["date_delete"]]
    return {"usergroups": [shape(call, row, users=users, count=count) for row in rows]}


@method("usergroups.update", write=True)
def usergroups_update(call: Call) -> dict[str, Any]:
    row = group(call)
    not_a_guest(call)
    changes: dict[str, Any] = {}
    if call.params.get("name") is not None:
        changes["name"] = _name(call, row["id"])
    if call.params.text("handle").strip():
        changes["handle"] = _handle(call, call.params.text("handle").strip(), row["id"])
    if call.params.get("description") is not None:
        changes["description"] = _description(call)
    if call.params.get("channels") is not None or call.params.get("additional_channels") is not None:
        changes["channels"] = _channels(call)
    row = call.state["usergroups"].update(
        row["id"], **changes, date_update=int(call.now), updated_by=call.user_id
    )
    return _changed(call, row)


@method("usergroups.disable", write=True)
def usergroups_disable(call: Call) -> dict[str, Any]:
    row = group(call)
    not_a_guest(call)
    if row["date_delete"]:
        raise SlackError(code="already_disabled")
    now = int(call.now)
    row = call.state["usergroups"].update(
        row["id"], date_delete=now, date_update=now, updated_by=call.user_id
    )
    return _changed(call, row)


@method("usergroups.enable", write=True)
def usergroups_enable(call: Call) -> dict[str, Any]:
    row = group(call)
    not_a_guest(call)
    if not row["date_delete"]:
        raise SlackError(code="already_enabled")
    now = int(call.now)
    row = call.state["usergroups"].update(row["id"], date_delete=0, date_update=now, updated_by=call.user_id)
    return _changed(call, row)


@method("usergroups.users.list")
def usergroups_users_list(call: Call) -> dict[str, Any]:
    row = group(call)
    if row["date_delete"] and not call.params.flag("include_disabled"):
        raise SlackError(code="no_such_subteam")
    return {"users": list(row["users"])}


@method("usergroups.users.update", write=True)
def usergroups_users_update(call: Call) -> dict[str, Any]:
    row = group(call)
    not_a_guest(call)
    ids = list(dict.fromkeys(call.params.csv("users")))
    if not ids:
        raise SlackError(code="no_users_provided")
    for uid in ids:
        user = call.state["users"].get(uid)
        # Guests, bots and deactivated accounts cannot be members of a User Group.
        if user is None or user["deleted"] or user["is_bot"] or user["is_restricted"]:
            raise SlackError(code="invalid_users")
    before = list(row["users"])
    previous_update = row["date_update"]
    row = call.state["usergroups"].update(
        row["id"], users=ids, date_update=int(call.now), updated_by=call.user_id
    )
    added = [u for u in ids if u not in before]
    removed = [u for u in before if u not in ids]
    if added or removed:
        call.emit(
            "subteam_members_changed",
            {
                "subteam_id": row["id"],
                "team_id": call.team_id,
                "date_previous_update": previous_update,
                "date_update": row["date_update"],
                "added_users": added,
                "added_users_count": str(len(added)),
                "removed_users": removed,
                "removed_users_count": str(len(removed)),
                "event_ts": f"{call.now:.6f}",
            },
        )
    return _changed(call, row)
