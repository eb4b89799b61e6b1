"""reactions.add, reactions.remove, reactions.get, reactions.list (on messages)."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.kit.pagers import BodyCursor
from twins.slack import emoji, lookup, schemas
from twins.slack.call import Call, emit
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.chat import TS, permalink


def reacted_item(call: Call) -> tuple[Row, Row]:
    """The (conversation, message) named by channel + timestamp, with Slack's errors."""
    channel = call.params.text("channel").strip()
    ts = call.params.text("timestamp").strip()
    if call.params.text("file").strip() or call.params.text("file_comment").strip():
        raise SlackError(code="file_not_found")
    if not channel or not ts:
        raise SlackError(code="no_item_specified")
    chan = lookup.channel_by_ref(call, channel)
    if not TS.match(ts):
        raise SlackError(code="bad_timestamp")
    row = lookup.message(call, chan, ts)
    if row["subtype"] == "tombstone":
        raise SlackError(code="message_not_found")
    return chan, row


def reaction_name(call: Call) -> str:
    """The emoji name without colons; Slack keeps skin tones (`thumbsup::skin-tone-2`)."""
    name = call.params.text("name").strip().strip(":")
    if not name or not emoji.valid_reaction(call.state, name):
        raise SlackError(code="invalid_name")
    return name


def item_event(call: Call, chan: Row, row: Row, name: str) -> dict[str, Any]:
    return {
        "user": call.user_id,
        "reaction": name,
        "item_user": row["user"] or "",
        "item": {"type": "message", "channel": chan["id"], "ts": row["ts"]},
        "event_ts": f"{call.now:.6f}",
    }


@method("reactions.add", write=True)
def add(call: Call) -> dict[str, Any]:
    chan, row = reacted_item(call)
    name = reaction_name(call)
    reactions = [dict(r) for r in row["reactions"]]
    entry = next((r for r in reactions if r["name"] == name), None)
    if entry is None:
        reactions.append({"name": name, "users": [call.user_id]})
    elif call.user_id in entry["users"]:
        raise SlackError(code="already_reacted")
    else:
        entry["users"] = [*entry["users"], call.user_id]
    call.state["messages"].update(row["id"], reactions=reactions)
    emit(call.events, "reaction_added", item_event(call, chan, row, name))
    return {}


@method("reactions.remove", write=True)
def remove(call: Call) -> dict[str, Any]:
    chan, row = reacted_item(call)
    name = reaction_name(call)
    reactions = []
    found = False
    for r in row["reactions"]:
        if r["name"] == name and call.user_id in r["users"]:
            found = True
            users = [u for u in r["users"] if u != call.user_id]
            if users:
                reactions.append({**r, "users": users})
        else:
            reactions.append(dict(r))
    if not found:
        raise SlackError(code="no_reaction")
    call.state["messages"].update(row["id"], reactions=reactions)
    emit(call.events, "reaction_removed", item_event(call, chan, row, name))
    return {}


def message_item(call: Call, row: Row) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": row["channel"],
        "message": {
            **schemas.message(row, call.state, base=call.base_url),
            "permalink": permalink(call.state, row),
        },
    }


@method("reactions.get")
def get(call: Call) -> dict[str, Any]:
    _, row = reacted_item(call)
    return message_item(call, row)


@method("reactions.list", page=BodyCursor(kind="items"))
def list_reactions(call: Call) -> dict[str, Any]:
    user_id = call.params.text("user").strip() or call.user_id
    if call.state["users"].get(user_id) is None:
        raise SlackError(code="user_not_found")
    convs = call.state["conversations"]
    rows = [
        m
        for m in call.state["messages"].filter(lambda m: any(user_id in r["users"] for r in m["reactions"]))
        if (c := convs.get(m["channel"])) is not None and lookup.can_see(call, c)
    ]
    rows.sort(key=lambda m: float(m["ts"]), reverse=True)
    params = call.params
    if ("page" in params or "count" in params) and "cursor" not in params and "limit" not in params:
        count = params.number("count", 100, low=1, high=1000)
        page = params.number("page", 1, low=1)
        chunk = rows[(page - 1) * count : page * count]
        pages = max(1, -(-len(rows) // count))
        paging_info = {"count": count, "total": len(rows), "page": page, "pages": pages}
        return {"items": [message_item(call, m) for m in chunk], "paging": paging_info}
    return {"items": [message_item(call, m) for m in call.page(rows)]}
