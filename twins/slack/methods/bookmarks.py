"""bookmarks.add, bookmarks.edit, bookmarks.list, bookmarks.remove: link bookmarks per channel."""

from __future__ import annotations

import re
import string
from typing import Any
from urllib.parse import urlsplit

from twins._runtime.collection import Row
from twins._runtime.ids import UPPER_ALNUM
from twins.slack import lookup
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method

EMOJI = re.compile(r"^:[a-z0-9_+'\-]+:(:skin-tone-[2-6]:)?$")
RANKS = string.ascii_lowercase


def rank(position: int) -> str:
    """Slack orders bookmarks by a lexicographic rank string: a, b, …, z, za, zb, …"""
    return "z" * (position // len(RANKS)) + RANKS[position % len(RANKS)]


def render(call: Call, row: Row, position: int) -> dict[str, Any]:
    author = call.state["users"].get(row["created_by"]) or {}
    app_id = author.get("profile", {}).get("api_app_id") if author.get("is_bot") else None
    parts = urlsplit(row["link"])
    icon = f"{parts.scheme}://{parts.netloc}/favicon.ico" if parts.netloc else None
    return {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "title": row["title"],
        "link": row["link"],
        "emoji": row["emoji"],
        "icon_url": icon,
        "type": row["type"],
        "entity_id": None,
        "date_created": row["date_created"],
        "date_updated": row["date_updated"],
        "rank": rank(position),
        "last_updated_by_user_id": row["created_by"],
        "last_updated_by_team_id": call.team_id,
        "shortcut_id": None,
        "app_id": app_id,
    }


def channel_rows(call: Call, chan: Row) -> list[Row]:
    return call.state["bookmarks"].where("channel_id", chan["id"])


def rendered(call: Call, chan: Row, bookmark_id: str) -> dict[str, Any]:
    rows = channel_rows(call, chan)
    position = next(i for i, r in enumerate(rows) if r["id"] == bookmark_id)
    return render(call, rows[position], position)


def check_link(link: str) -> None:
    if not link.startswith(("http://", "https://")) or not urlsplit(link).netloc:
        raise SlackError(code="invalid_link")


def check_emoji(emoji: str) -> None:
    if emoji and not EMOJI.match(emoji):
        raise SlackError(code="invalid_emoji")


def bookmark(call: Call, chan: Row) -> Row:
    bookmark_id = call.params.required("bookmark_id")
    row = call.state["bookmarks"].get(bookmark_id)
    if row is None or row["channel_id"] != chan["id"]:
        raise SlackError(code="not_found")
    return row


@method("bookmarks.add", write=True)
def add(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call, "channel_id")
    title = call.params.required("title")
    kind = call.params.required("type")
    if kind != "link":
        raise SlackError(code="invalid_bookmark_type")
    link = call.params.text("link").strip()
    check_link(link)
    emoji = call.params.text("emoji").strip()
    check_emoji(emoji)
    row = call.state["bookmarks"].insert(
        {
            "id": call.state.ids.next("bookmark", prefix="Bk", length=10, alphabet=UPPER_ALNUM),
            "channel_id": chan["id"],
            "title": title,
            "link": link,
            "emoji": emoji or None,
            "type": kind,
            "date_created": int(call.now),
            "date_updated": 0,
            "created_by": call.user_id,
        }
    )
    return {"bookmark": rendered(call, chan, row["id"])}


@method("bookmarks.edit", write=True)
def edit(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call, "channel_id")
    row = bookmark(call, chan)
    changes: dict[str, Any] = {}
    if "title" in call.params:
        title = call.params.text("title").strip()
        if not title:
            raise SlackError(code="invalid_arguments", messages=["[ERROR] title must not be empty"])
        changes["title"] = title
    if "link" in call.params:
        link = call.params.text("link").strip()
        check_link(link)
        changes["link"] = link
    if "emoji" in call.params:
        emoji = call.params.text("emoji").strip()
        check_emoji(emoji)
        changes["emoji"] = emoji or None
    call.state["bookmarks"].update(row["id"], **changes, date_updated=int(call.now))
    return {"bookmark": rendered(call, chan, row["id"])}


@method("bookmarks.list")
def list_bookmarks(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call, "channel_id")
    return {"bookmarks": [render(call, r, i) for i, r in enumerate(channel_rows(call, chan))]}


@method("bookmarks.remove", write=True)
def remove(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call, "channel_id")
    row = bookmark(call, chan)
    call.state["bookmarks"].delete(row["id"])
    return {}
