"""Wire shapes: how Slack renders users, conversations, messages and files in API responses."""

from __future__ import annotations

import hashlib
from typing import Any

from twins._runtime.collection import Row, TenantState

AVATAR_SIZES = (24, 32, 48, 72, 192, 512)
CHANNEL_TYPES = {"public": "channel", "private": "group", "im": "im", "mpim": "mpim"}


def make_ts(state: TenantState, at: float | None = None) -> str:
    """A message timestamp from the tenant clock (or `at`), unique and increasing across the workspace."""
    now_us = int((state.clock.now() if at is None else at) * 1_000_000)
    last = int(state.meta.get("last_ts_us", 0))
    us = max(now_us, last + 1)
    state.meta["last_ts_us"] = us
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def team(state: TenantState) -> dict[str, Any]:
    return dict(state.meta.get("team", {}))


def team_id(state: TenantState) -> str:
    return str(state.meta.get("team", {}).get("id", ""))


def channel_type(conv: Row) -> str:
    """A conversation's `channel_type` in message events: channel, group, im or mpim."""
    return CHANNEL_TYPES.get(conv["kind"], "channel")


def avatar(seed: str) -> dict[str, str]:
    digest = hashlib.md5(seed.encode()).hexdigest()[:12]
    base = f"https://secure.gravatar.com/avatar/{digest}.jpg?s="
    return {"avatar_hash": digest, **{f"image_{s}": f"{base}{s}&d=mp" for s in AVATAR_SIZES}}


def user(row: Row, team_id: str) -> dict[str, Any]:
    profile = dict(row["profile"])
    profile.pop("primary_owner", None)  # the twin's own marker; Slack has it as is_primary_owner
    profile.setdefault("real_name", row["real_name"])
    profile.setdefault("real_name_normalized", row["real_name"])
    profile.setdefault("display_name", "")
    profile.setdefault("display_name_normalized", profile.get("display_name", ""))
    profile.setdefault("status_emoji_display_info", [])
    profile.setdefault("status_text_canonical", "")
    if row["email"] and not row["is_bot"]:
        profile["email"] = row["email"]
    profile["team"] = team_id
    out: dict[str, Any] = {
        "id": row["id"],
        "team_id": team_id,
        "name": row["name"],
        "deleted": row["deleted"],
        "color": row["color"],
        "real_name": row["real_name"],
        "tz": row["tz"],
        "tz_label": row["tz_label"],
        "tz_offset": row["tz_offset"],
        "profile": profile,
        "is_admin": row["is_admin"],
        "is_owner": row["is_owner"],
        "is_primary_owner": bool(row["is_owner"] and row["profile"].get("primary_owner")),
        "is_restricted": row["is_restricted"],
        "is_ultra_restricted": row["is_ultra_restricted"],
        "is_bot": row["is_bot"],
        "is_app_user": row["is_app_user"],
        "updated": row["updated"],
        "is_email_confirmed": not row["is_bot"],
        "who_can_share_contact_card": "EVERYONE",
    }
    if row["deleted"]:
        for key in ("is_admin", "is_owner", "is_primary_owner", "tz", "tz_label", "tz_offset"):
            out.pop(key, None)
    return out


def conversation(row: Row, team_id: str, viewer: str | None = None) -> dict[str, Any]:
    kind = row["kind"]
    if kind == "im":
        return {
            "id": row["id"],
            "created": row["created"],
            "is_archived": row["is_archived"],
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": team_id,
            "updated": row["updated"],
            "user": row["user"],
            "is_user_deleted": False,
            "priority": 0,
        }
    out: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "is_channel": kind == "public",
        "is_group": kind == "private",
        "is_im": False,
        "is_mpim": kind == "mpim",
        "is_private": kind != "public",
        "created": row["created"],
        "is_archived": row["is_archived"],
        "is_general": row["is_general"],
        "unlinked": 0,
        "name_normalized": row["name"],
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": team_id,
        "updated": row["updated"],
        "parent_conversation": None,
        "creator": row["creator"],
        "is_ext_shared": False,
        "shared_team_ids": [team_id],
        "pending_connected_team_ids": [],
        "topic": dict(row["topic"]) or {"value": "", "creator": "", "last_set": 0},
        "purpose": dict(row["purpose"]) or {"value": "", "creator": "", "last_set": 0},
        "previous_names": list(row.get("previous_names") or []),
        "num_members": len(row["members"]),
    }
    if viewer is not None:
        out["is_member"] = viewer in row["members"]
    return out


def message(
    row: Row,
    state: TenantState,
    *,
    thread_view: bool = False,
    profile: dict[str, Any] | None = None,
    base: str = "",
) -> dict[str, Any]:
    """A message as history/replies/postMessage render it; keys appear only where Slack has them.
    `profile` is the message's `bot_profile` when the caller has it already; `base` the twin's
    base URL that file URLs point at."""
    out: dict[str, Any] = {"type": "message"}
    if row["subtype"]:
        out["subtype"] = row["subtype"]
    if row["user"]:
        out["user"] = row["user"]
    out["text"] = row["text"]
    out["ts"] = row["ts"]
    team_id = str(state.meta.get("team", {}).get("id", ""))
    out["team"] = team_id
    if row["bot_id"]:
        out["bot_id"] = row["bot_id"]
        if row["app_id"]:
            out["app_id"] = row["app_id"]
        out["bot_profile"] = profile if profile is not None else bot_profile(state, row["bot_id"])
    if row["username"]:
        out["username"] = row["username"]
    if row["icons"]:
        out["icons"] = dict(row["icons"])
    if row["blocks"]:
        out["blocks"] = row["blocks"]
    if row["attachments"]:
        out["attachments"] = row["attachments"]
    if row["files"]:
        files = [state["files"].get(f) for f in row["files"]]
        out["files"] = [file(f, state, base) for f in files if f is not None]
        out["upload"] = False
        out["display_as_bot"] = False
    if row["edited"]:
        out["edited"] = dict(row["edited"])
    if row["thread_ts"]:
        out["thread_ts"] = row["thread_ts"]
        if row["thread_ts"] == row["ts"]:
            out["reply_count"] = row["reply_count"]
            out["reply_users_count"] = len(row["reply_users"])
            out["latest_reply"] = row["latest_reply"]
            out["reply_users"] = list(row["reply_users"])
            out["is_locked"] = False
            out["subscribed"] = False
        else:
            parent = state["messages"].get(f"{row['channel']}/{row['thread_ts']}")
            if parent is not None:
                out["parent_user_id"] = parent["user"] or ""
            if row["reply_broadcast"]:
                out["subtype"] = "thread_broadcast"
    if row["reactions"]:
        out["reactions"] = [dict(r, count=len(r["users"])) for r in row["reactions"]]
    if row["pinned_to"]:
        out["pinned_to"] = list(row["pinned_to"])
    if row["metadata_"]:
        out["metadata"] = dict(row["metadata_"])
    for key, value in (row.get("extra") or {}).items():
        out.setdefault(key, value)
    return out


def bot_profile(state: TenantState, bot_id: str) -> dict[str, Any]:
    app = next((a for a in state["apps"] if a["bot_id"] == bot_id), None)
    team_id = str(state.meta.get("team", {}).get("id", ""))
    digest = avatar(bot_id)["avatar_hash"]
    base = f"https://secure.gravatar.com/avatar/{digest}.jpg?s="
    icons = {f"image_{s}": f"{base}{s}&d=mp" for s in (36, 48, 72)}  # bot icons come in these sizes
    return {
        "id": bot_id,
        "deleted": False,
        "name": app["name"] if app else "bot",
        "updated": app["created"] if app else 0,
        "app_id": app["id"] if app else "",
        "icons": icons,
        "team_id": team_id,
        "user_id": app["bot_user_id"] if app else "",
    }


def file(row: Row, state: TenantState, base: str = "") -> dict[str, Any]:
    """A file; its URLs (url_private…) point at `base`, the twin's own base URL when a request
    renders it (else the workspace's `files_base`)."""
    if row["state"] == "deleted":
        return {"id": row["id"], "mode": "tombstone"}
    team_id = str(state.meta.get("team", {}).get("id", ""))
    domain = str(state.meta.get("team", {}).get("domain", "workspace"))
    base = base or str(state.meta.get("files_base", "https://files.slack.com"))
    name = row["name"] or row["id"]
    kinds = {c: _kind(state, c) for c in row["channels"]}
    return {
        "id": row["id"],
        "created": row["created"],
        "timestamp": row["created"],
        "name": name,
        "title": row["title"] or name,
        "mimetype": row["mimetype"],
        "filetype": row["filetype"],
        "pretty_type": row["filetype"].upper() if row["filetype"] else "",
        "user": row["user"],
        "user_team": team_id,
        "editable": False,
        "size": row["size"],
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": "public" in kinds.values(),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"{base}/files-pri/{team_id}-{row['id']}/{name}",
        "url_private_download": f"{base}/files-pri/{team_id}-{row['id']}/download/{name}",
        "media_display_type": "unknown",
        "permalink": f"https://{domain}.slack.com/files/{row['user']}/{row['id']}/{name}",
        "permalink_public": f"https://slack-files.com/{team_id}-{row['id']}",
        "comments_count": 0,
        "is_starred": False,
        "shares": dict(row["shares"]),
        "channels": [c for c, k in kinds.items() if k == "public"],
        "groups": [c for c, k in kinds.items() if k in ("private", "mpim")],
        "ims": [c for c, k in kinds.items() if k == "im"],
        "has_more_shares": False,
        "has_rich_preview": False,
        "file_access": "visible",
        **({"alt_txt": row["alt_txt"]} if row["alt_txt"] else {}),
    }


def _kind(state: TenantState, conv_id: str) -> str:
    conv = state["conversations"].get(conv_id)
    if conv is not None:
        return str(conv["kind"])
    return {"D": "im", "G": "private"}.get(conv_id[:1], "public")
