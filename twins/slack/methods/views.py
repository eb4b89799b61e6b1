"""Modals and Home tabs: views.open, views.push, views.update, views.publish; trigger ids and the
helpers the interactivity code uses (issue_trigger_id, view_state_update, close_view)."""

from __future__ import annotations

import json
import re
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.ids import ALNUM
from twins.slack.call import Call
from twins.slack.errors import SlackError
from twins.slack.methods import method
from twins.slack.seed import DIGITS, slack_id

TRIGGERS = "view_triggers"  # the collection: trigger id -> user, app, expires, used
TRIGGER_TTL = 3.0  # seconds a trigger id can be exchanged for a view
TRIGGER_FORMAT = re.compile(r"^\d+\.\d+\.[0-9a-f]+$")
MAX_STACK = 3
MAX_BLOCKS = 100
MAX_VIEW_BYTES = 250_000
TEXT_LIMITS = {"title": 24, "close": 24, "submit": 24}
COMMON_KEYS = {"type", "blocks", "private_metadata", "callback_id", "external_id", "title"}
ALLOWED_KEYS = {
    "modal": COMMON_KEYS | {"close", "submit", "clear_on_close", "notify_on_close"},
    "home": COMMON_KEYS | {"close", "submit"},
}


def invalid(*messages: str) -> SlackError:
    return SlackError(code="invalid_arguments", messages=[f"[ERROR] {m}" for m in messages])


def issue_trigger_id(state: TenantState, user_id: str, app_id: str | None = None) -> str:
    """A trigger id for `user_id` (as sent in an interaction payload), valid for 3 s of tenant time."""
    now = state.clock.now()
    trigger = (
        f"{state.ids.chars('trigger', 11, DIGITS)}.{state.ids.chars('trigger', 9, DIGITS)}."
        f"{state.ids.hex('trigger', 32)}"
    )
    triggers = state[TRIGGERS]
    for stale in triggers.filter(lambda t: t["expires"] <= now - 60):
        triggers.delete(stale["id"])
    triggers.insert({"id": trigger, "user": user_id, "app": app_id, "expires": now + TRIGGER_TTL})
    return trigger


def _trigger(call: Call) -> tuple[str, dict[str, Any]]:
    value = call.params.required("trigger_id")
    if not TRIGGER_FORMAT.match(value):
        raise invalid("invalid `trigger_id` [json-pointer:/trigger_id]")
    entry = call.state[TRIGGERS].get(value)
    app = call.app
    if entry is None or (entry.get("app") and app is not None and entry["app"] != app["id"]):
        raise SlackError(code="invalid_trigger_id")
    if entry["used"]:
        raise SlackError(code="exchanged_trigger_id")
    if call.now > entry["expires"]:
        raise SlackError(code="expired_trigger_id")
    return value, entry


def _consume(state: TenantState, trigger: str) -> None:
    state[TRIGGERS].update(trigger, used=True)


def _text_object(view: dict[str, Any], key: str, errors: list[str]) -> None:
    value = view.get(key)
    if value is None:
        return
    pointer = f"/view/{key}"
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        errors.append(f"must provide an object [json-pointer:{pointer}]")
    elif value.get("type") != "plain_text":
        errors.append(f"must be a plain_text text object [json-pointer:{pointer}/type]")
    elif len(value["text"]) > TEXT_LIMITS[key]:
        errors.append(f"failed to match all allowed schemas [json-pointer:{pointer}]")
        errors.append(f"must be less than {TEXT_LIMITS[key]} characters [json-pointer:{pointer}/text]")


def validate(view: Any, kinds: tuple[str, ...]) -> dict[str, Any]:
    """The view payload checked as Slack's schema does; invalid_arguments lists every problem."""
    if not isinstance(view, dict):
        raise invalid("must provide an object [json-pointer:/view]")
    if view.get("type") not in kinds:
        raise invalid(
            "failed to match all allowed schemas [json-pointer:/view]",
            f"must be one of: {', '.join(kinds)} [json-pointer:/view/type]",
        )
    extra = sorted(set(view) - ALLOWED_KEYS[view["type"]])
    if extra:
        raise invalid(
            "failed to match all allowed schemas [json-pointer:/view]",
            *(f"invalid additional property: {k} [json-pointer:/view]" for k in extra),
        )
    errors: list[str] = []
    blocks = view.get("blocks")
    if blocks is None:
        errors.append("missing required field: blocks [json-pointer:/view]")
    elif not isinstance(blocks, list):
        errors.append("must provide an array [json-pointer:/view/blocks]")
    else:
        if len(blocks) > MAX_BLOCKS:
            errors.append(f"no more than {MAX_BLOCKS} items allowed [json-pointer:/view/blocks]")
        for i, block in enumerate(blocks):
            if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                errors.append(f"missing required field: type [json-pointer:/view/blocks/{i}]")
    if view["type"] == "modal":
        if view.get("title") is None:
            errors.append("missing required field: title [json-pointer:/view]")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            errors.append("must provide submit when an input block is present [json-pointer:/view/submit]")
    for key in TEXT_LIMITS:
        _text_object(view, key, errors)
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors.append(f"must be a string of at most {limit} characters [json-pointer:/view/{key}]")
    if errors:
        raise invalid(*errors)
    if len(json.dumps(view)) > MAX_VIEW_BYTES:
        raise SlackError(code="view_too_large")
    return view


def _view_arg(call: Call, kinds: tuple[str, ...]) -> dict[str, Any]:
    raw = call.params.get("view")
    if raw is None or raw == "":
        raise invalid("missing required field: view")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            raise invalid("failed to parse json [json-pointer:/view]") from None
    return validate(raw, kinds)


def _normalize(state: TenantState, value: Any) -> Any:
    """Text objects as Slack echoes them (emoji / verbatim flags); blocks get a block_id."""
    if isinstance(value, list):
        return [_normalize(state, v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _normalize(state, v) for k, v in value.items()}
    if out.get("type") == "plain_text" and isinstance(out.get("text"), str):
        out.setdefault("emoji", True)
    elif out.get("type") == "mrkdwn" and isinstance(out.get("text"), str):
        out.setdefault("verbatim", False)
    return out


def _data(state: TenantState, view: dict[str, Any], old: Row | None = None) -> dict[str, Any]:
    blocks = []
    for block in _normalize(state, view.get("blocks") or []):
        blocks.append(
            block if block.get("block_id") else {**block, "block_id": state.ids.chars("block", 5, ALNUM)}
        )
    data = {k: _normalize(state, v) for k, v in view.items() if k not in ("blocks", "type")}
    data["blocks"] = blocks
    data["state"] = old["data"].get("state", {"values": {}}) if old is not None else {"values": {}}
    return data


def _hash(call: Call) -> str:
    return f"{int(call.now)}.{call.state.ids.hex('view_hash', 8)}"


def _check_external_id(call: Call, external_id: str | None, own: str | None = None) -> None:
    if not external_id:
        return
    for row in call.state["views"].filter(lambda v: v["external_id"] == external_id):
        if row["id"] != own and not row["closed"]:
            raise SlackError(code="duplicate_external_id")


def render(state: TenantState, row: Row) -> dict[str, Any]:
    """A view as the views.* methods (and interaction payloads) show it."""
    data = row["data"]
    app = state["apps"].get(row["app_id"]) if row["app_id"] else None
    team_id = str(state.meta.get("team", {}).get("id", ""))
    out: dict[str, Any] = {
        "id": row["id"],
        "team_id": team_id,
        "type": row["kind"],
        "blocks": data.get("blocks", []),
        "private_metadata": data.get("private_metadata", ""),
        "callback_id": data.get("callback_id", ""),
        "state": data.get("state", {"values": {}}),
        "hash": row["hash"],
    }
    if row["kind"] == "modal" or data.get("title") is not None:
        out["title"] = data.get("title")
    out.update(
        clear_on_close=bool(data.get("clear_on_close", False)),
        notify_on_close=bool(data.get("notify_on_close", False)),
        close=data.get("close"),
        submit=data.get("submit"),
        previous_view_id=row["previous_view_id"],
        root_view_id=row["root_view_id"],
        app_id=row["app_id"] or "",
        external_id=row["external_id"] or "",
        app_installed_team_id=team_id,
        bot_id=app["bot_id"] if app else "",
    )
    if row["kind"] == "modal":
        out["submit_disabled"] = bool(data.get("submit_disabled", False))
    return out


def stack(state: TenantState, user_id: str, app_id: str | None) -> list[Row]:
    """The user's open modals of an app, root first."""
    return [
        v
        for v in state["views"].where("user_id", user_id)
        if v["kind"] == "modal" and not v["closed"] and v["app_id"] == app_id
    ]


def close_view(state: TenantState, view_id: str, *, clear: bool = False) -> list[str]:
    """Close a modal and the views pushed above it (`clear`: its whole stack); the ids closed."""
    row = state["views"].get(view_id)
    if row is None or row["closed"]:
        return []
    views = stack(state, row["user_id"], row["app_id"])
    start = 0 if clear else next(i for i, v in enumerate(views) if v["id"] == view_id)
    closed = [v["id"] for v in views[start:]]
    for vid in closed:
        state["views"].update(vid, closed=True)
    return closed


def view_state_update(state: TenantState, view_id: str, values: dict[str, Any]) -> Row:
    """Record the input values a user entered (view.state.values), as sent on view_submission."""
    row = state["views"].get(view_id)
    if row is None:
        raise SlackError(code="not_found")
    return state["views"].update(view_id, data={**row["data"], "state": {"values": dict(values)}})


def _new_view(call: Call, view: dict[str, Any], user_id: str, previous: Row | None) -> Row:
    app = call.app
    view_id = slack_id(call.state, "V", "view")
    return call.state["views"].insert(
        {
            "id": view_id,
            "data": _data(call.state, view),
            "user_id": user_id,
            "kind": view["type"],
            "external_id": view.get("external_id") or None,
            "hash": _hash(call),
            "root_view_id": previous["root_view_id"] if previous is not None else view_id,
            "previous_view_id": previous["id"] if previous is not None else None,
            "app_id": app["id"] if app is not None else None,
        }
    )


@method("views.open", write=True)
def views_open(call: Call) -> dict[str, Any]:
    trigger, entry = _trigger(call)
    view = _view_arg(call, ("modal",))
    app = call.app
    # A new modal replaces the user's open stack (undone with the rest if this call fails).
    for row in stack(call.state, entry["user"], app["id"] if app else None):
        call.state["views"].update(row["id"], closed=True)
    _check_external_id(call, view.get("external_id"))
    row = _new_view(call, view, entry["user"], None)
    _consume(call.state, trigger)
    return {"view": render(call.state, row)}


@method("views.push", write=True)
def views_push(call: Call) -> dict[str, Any]:
    trigger, entry = _trigger(call)
    view = _view_arg(call, ("modal",))
    app = call.app
    views = stack(call.state, entry["user"], app["id"] if app else None)
    if not views:
        raise SlackError(code="not_found")
    if len(views) >= MAX_STACK:
        raise SlackError(code="push_limit_reached")
    _check_external_id(call, view.get("external_id"))
    row = _new_view(call, view, entry["user"], views[-1])
    _consume(call.state, trigger)
    return {"view": render(call.state, row)}


@method("views.update", write=True)
def views_update(call: Call) -> dict[str, Any]:
    view_id = call.params.text("view_id").strip()
    external_id = call.params.text("external_id").strip()
    if view_id and external_id:
        raise invalid("Cannot provide both `view_id` and `external_id`")
    if not view_id and not external_id:
        raise invalid("must provide either `view_id` or `external_id`")
    view = _view_arg(call, ("modal", "home"))
    views = call.state["views"]
    if view_id:
        row = views.get(view_id)
    else:
        row = next(
            (v for v in views.filter(lambda v: v["external_id"] == external_id) if not v["closed"]), None
        )
    app = call.app
    if row is None or row["closed"] or row["app_id"] != (app["id"] if app else None):
        raise SlackError(code="not_found")
    wanted_hash = call.params.text("hash").strip()
    if wanted_hash and wanted_hash != row["hash"]:
        raise SlackError(code="hash_conflict")
    if view["type"] != row["kind"]:
        raise invalid(f"must be one of: {row['kind']} [json-pointer:/view/type]")
    new_external = view.get("external_id") or row["external_id"]
    _check_external_id(call, new_external, own=row["id"])
    row = views.update(
        row["id"], data=_data(call.state, view, row), hash=_hash(call), external_id=new_external or None
    )
    return {"view": render(call.state, row)}


@method("views.publish", write=True)
def views_publish(call: Call) -> dict[str, Any]:
    user_id = call.params.required("user_id")
    user = call.state["users"].get(user_id)
    if user is None or user["deleted"]:
        raise invalid("invalid `user_id` [json-pointer:/user_id]")
    view = _view_arg(call, ("home",))
    app = call.app
    app_id = app["id"] if app else None
    views = call.state["views"]
    home = next(
        (v for v in views.where("user_id", user_id) if v["kind"] == "home" and v["app_id"] == app_id), None
    )
    wanted_hash = call.params.text("hash").strip()
    if wanted_hash and home is not None and wanted_hash != home["hash"]:
        raise SlackError(code="hash_conflict")
    _check_external_id(call, view.get("external_id"), own=home["id"] if home else None)
    if home is None:
        row = _new_view(call, view, user_id, None)
    else:
        row = views.update(
            home["id"],
            data=_data(call.state, view, home),
            hash=_hash(call),
            external_id=view.get("external_id") or None,
        )
    return {"view": render(call.state, row)}
