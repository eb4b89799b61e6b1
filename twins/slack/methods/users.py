"""users.list, info, lookupByEmail, conversations, getPresence, setPresence, profile.get/set."""

from __future__ import annotations

import re
from typing import Any

from twins._runtime.collection import Row
from twins.kit.pagers import BodyCursor
from twins.slack import lookup, schemas
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.conversations import kinds_of, render

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "real_name",
    "display_name",
    "title",
    "phone",
    "skype",
    "pronouns",
    "status_text",
    "status_emoji",
)
STATUS_TEXT_MAX = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def shape(call: Call, row: Row) -> dict[str, Any]:
    out = schemas.user(row, call.team_id)
    if call.params.flag("include_locale"):
        out["locale"] = "en-US"
    return out


@method("users.list", page=BodyCursor(kind="users", default=1000, most=1000))
def users_list(call: Call) -> dict[str, Any]:
    rows = list(call.state["users"])
    chunk = call.page(rows)
    presence = call.params.flag("presence")
    members = []
    for row in chunk:
        out = shape(call, row)
        if presence:
            out["presence"] = effective_presence(row)
        members.append(out)
    return {"members": members, "cache_ts": int(call.now)}


@method("users.info")
def users_info(call: Call) -> dict[str, Any]:
    return {"user": shape(call, lookup.user(call))}


@method("users.lookupByEmail")
def users_lookup_by_email(call: Call) -> dict[str, Any]:
    email = call.params.required("email").casefold()
    row = next(
        (
            u
            for u in call.state["users"]
            if u["email"] and u["email"].casefold() == email and not u["deleted"] and not u["is_bot"]
        ),
        None,
    )
    if row is None:
        raise SlackError(code="users_not_found")
    return {"user": shape(call, row)}


@method("users.conversations", page=BodyCursor(kind="channels", default=100, most=1000))
def users_conversations(call: Call) -> dict[str, Any]:
    target = lookup.user(call) if call.params.text("user").strip() else None
    uid = target["id"] if target else call.user_id
    kinds = kinds_of(call)
    exclude_archived = call.params.flag("exclude_archived")
    rows = [
        row
        for row in call.state["conversations"]
        if row["kind"] in kinds
        and uid in row["members"]
        and lookup.can_see(call, row)
        and not (exclude_archived and row["is_archived"])
    ]
    return {"channels": [render(call, row, member_view=False) for row in call.page(rows)]}


def effective_presence(row: Row) -> str:
    if row["deleted"]:
        return "away"
    if row["is_bot"]:
        return "active" if row["profile"].get("always_active") else "away"
    return "away" if row["presence"] == "away" else "active"


@method("users.getPresence")
def users_get_presence(call: Call) -> dict[str, Any]:
    row = lookup.user(call) if call.params.text("user").strip() else call.state["users"].get(call.user_id)
    if row is None:
        raise SlackError(code="user_not_found")
    presence = effective_presence(row)
    if row["id"] != call.user_id:
        return {"presence": presence}
    return {
        "presence": presence,
        "online": presence == "active",
        "auto_away": False,
        "manual_away": row["presence"] == "away",
        "connection_count": 1 if presence == "active" else 0,
        "last_activity": int(call.now),
    }


@method("users.setPresence", write=True)
def users_set_presence(call: Call) -> dict[str, Any]:
    wanted = call.params.text("presence").strip()
    if wanted not in ("auto", "away"):
        raise SlackError(code="invalid_presence")
    row = call.state["users"].get(call.user_id)
    if row is None:
        raise SlackError(code="user_not_found")
    before = effective_presence(row)
    row = call.state["users"].update(row["id"], presence="away" if wanted == "away" else "active")
    after = effective_presence(row)
    if after != before:
        call.emit("presence_change", {"user": row["id"], "presence": after})
    return {}


@method("users.profile.get")
def users_profile_get(call: Call) -> dict[str, Any]:
    row = lookup.user(call) if call.params.text("user").strip() else call.state["users"].get(call.user_id)
    if row is None:
        raise SlackError(code="user_not_found")
    return {"profile": schemas.user(row, call.team_id)["profile"]}


def _changes(call: Call) -> dict[str, Any]:
    """The profile fields to set: a `profile` JSON object, or one `name`/`value` pair."""
    if call.params.get("profile") not in (None, ""):
        changes = call.params.parsed("profile", "invalid_profile")
        if not isinstance(changes, dict):
            raise SlackError(code="invalid_profile")
        return changes
    name = call.params.text("name").strip()
    if not name:
        raise SlackError(code="invalid_profile")
    value = call.params.text("value")
    if name.startswith("Xf"):
        return {"fields": {name: {"value": value, "alt": ""}}}
    return {name: value}


def _target(call: Call) -> Row:
    """The user whose profile changes; only admins change others, only the primary owner admins."""
    me = call.state["users"].get(call.user_id)
    uid = call.params.text("user").strip() or call.user_id
    row = call.state["users"].get(uid)
    if row is None or me is None:
        raise SlackError(code="user_not_found")
    if uid == call.user_id:
        return row
    if not me["is_admin"]:
        raise SlackError(code="not_admin")
    primary = bool(me["is_owner"] and me["profile"].get("primary_owner"))
    if row["is_bot"] and not me["is_owner"]:
        raise SlackError(code="not_app_admin")
    if (row["is_admin"] or row["is_owner"]) and not primary:
        raise SlackError(code="cannot_update_admin_user")
    return row


def _validated(call: Call, row: Row, changes: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Checked profile values and the new email (None when unchanged)."""
    clean: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in changes:
            value = changes[key]
            if value is None:
                value = ""
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise SlackError(code="invalid_profile")
            clean[key] = str(value)
    for key in ("first_name", "last_name"):
        if clean.get(key, "").strip().lower() == "slackbot":
            raise SlackError(code="reserved_name")
    if len(clean.get("status_text", "")) > STATUS_TEXT_MAX:
        raise SlackError(code="too_long")
    if "status_expiration" in changes:
        try:
            clean["status_expiration"] = int(changes["status_expiration"] or 0)
        except (TypeError, ValueError):
            raise SlackError(code="invalid_profile") from None
    if "fields" in changes:
        fields = changes["fields"]
        if fields is not None and (
            not isinstance(fields, dict) or not all(isinstance(v, dict) for v in fields.values())
        ):
            raise SlackError(code="invalid_profile")
        merged = {**(row["profile"].get("fields") or {}), **(fields or {})}
        clean["fields"] = {
            k: {"value": str(v.get("value", "")), "alt": str(v.get("alt", ""))} for k, v in merged.items()
        } or None
    clean["skype"] = ""  # Slack no longer stores it
    email = None
    if "email" in changes and str(changes["email"] or "") != (row["email"] or ""):
        email = str(changes["email"] or "").strip()
        me = call.state["users"].get(call.user_id)
        if me is None or not me["is_admin"]:
            raise SlackError(code="not_admin")
        if not EMAIL.match(email):
            raise SlackError(code="invalid_profile")
        taken = next(
            (u for u in call.state["users"] if (u["email"] or "").casefold() == email.casefold()), None
        )
        if taken is not None and taken["id"] != row["id"]:
            raise SlackError(code="email_taken")
    return clean, email


@method("users.profile.set", write=True)
def users_profile_set(call: Call) -> dict[str, Any]:
    changes = _changes(call)
    row = _target(call)
    clean, email = _validated(call, row, changes)
    profile = {**row["profile"], **clean}
    if ("first_name" in clean or "last_name" in clean) and "real_name" not in clean:
        first, last = profile.get("first_name", ""), profile.get("last_name", "")
        profile["real_name"] = f"{first} {last}".strip()
    profile["real_name_normalized"] = profile.get("real_name", row["real_name"])
    profile["display_name_normalized"] = profile.get("display_name", "")
    profile.pop("email", None)
    updates: dict[str, Any] = {
        "profile": profile,
        "real_name": profile.get("real_name", row["real_name"]),
        "updated": int(call.now),
    }
    if email is not None:
        updates["email"] = email
    row = call.state["users"].update(row["id"], **updates)
    user = schemas.user(row, call.team_id)
    call.emit("user_change", {"user": user, "cache_ts": int(call.now), "event_ts": f"{call.now:.6f}"})
    return {"username": row["name"], "profile": user["profile"]}
