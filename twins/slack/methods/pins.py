"""pins.add, pins.remove, pins.list (messages pinned to a conversation).

A pinned message lists the conversation in `pinned_to`; who pinned it and when is a row of the
`pins` collection, keyed by message id.
"""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.slack import lookup, schemas
from twins.slack.call import Call, emit
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.methods.chat import TS, permalink


def pinned_item(call: Call) -> tuple[Row, Row]:
    chan = lookup.channel(call)
    ts = call.params.text("timestamp").strip()
    if not ts:
        raise SlackError(code="no_item_specified")
    if not TS.match(ts):
        raise SlackError(code="bad_timestamp")
    row = lookup.message(call, chan, ts)
    if row["subtype"] == "tombstone":
        raise SlackError(code="message_not_found")
    lookup.require_member(call, chan)
    return chan, row


def pin_info(call: Call, row: Row) -> dict[str, Any]:
    pin = call.state["pins"].get(row["id"])
    return (
        {"created": pin["created"], "created_by": pin["created_by"]}
        if pin
        else {"created": 0, "created_by": ""}
    )


def item(call: Call, row: Row) -> dict[str, Any]:
    info = pin_info(call, row)
    return {
        "type": "message",
        "created": info["created"],
        "created_by": info["created_by"],
        "channel": row["channel"],
        "message": {
            **schemas.message(row, call.state, base=call.base_url),
            "permalink": permalink(call.state, row),
        },
    }


def pinned_rows(call: Call, chan: Row) -> list[Row]:
    rows = call.state["messages"].filter(lambda m: chan["id"] in m["pinned_to"])
    rows.sort(key=lambda m: (pin_info(call, m)["created"], float(m["ts"])), reverse=True)
    return rows


def pin_event(call: Call, chan: Row, row: Row, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "user": call.user_id,
        "channel_id": chan["id"],
        "item": item(call, row),
        "item_user": row["user"] or "",
        "pin_count": len(pinned_rows(call, chan)),
        "pinned_info": {"channel": chan["id"], "pinned_by": info["created_by"], "pinned_ts": info["created"]},
        "event_ts": f"{call.now:.6f}",
    }


@method("pins.add", write=True)
def add(call: Call) -> dict[str, Any]:
    chan, row = pinned_item(call)
    if chan["id"] in row["pinned_to"]:
        raise SlackError(code="already_pinned")
    row = call.state["messages"].update(row["id"], pinned_to=[*row["pinned_to"], chan["id"]])
    info = {"created": int(call.now), "created_by": call.user_id}
    call.state["pins"].delete(row["id"])
    call.state["pins"].insert({"id": row["id"], "channel": chan["id"], **info})
    emit(call.events, "pin_added", pin_event(call, chan, row, info))
    return {}


@method("pins.remove", write=True)
def remove(call: Call) -> dict[str, Any]:
    chan, row = pinned_item(call)
    if chan["id"] not in row["pinned_to"]:
        raise SlackError(code="no_pin")
    info = pin_info(call, row)
    row = call.state["messages"].update(row["id"], pinned_to=[c for c in row["pinned_to"] if c != chan["id"]])
    event = pin_event(call, chan, row, info)
    call.state["pins"].delete(row["id"])
    emit(call.events, "pin_removed", {**event, "has_pins": event["pin_count"] > 0})
    return {}


@method("pins.list")
def list_pins(call: Call) -> dict[str, Any]:
    chan = lookup.channel(call)
    return {"items": [item(call, m) for m in pinned_rows(call, chan)]}
