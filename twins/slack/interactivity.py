"""Interactivity: what a person's click, modal submission or shortcut sends to an app.

Payloads go to the app's interactivity URL form-encoded and signed like events, without retries,
as Slack does; the app's immediate answer is applied the way Slack applies it. Slash commands
are in `slash_commands`, the response_url the app answers through in `response_urls`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from twins._runtime.attempts import Attempted
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins.slack import humans, outbox, response_urls, schemas
from twins.slack.apps import app_row
from twins.slack.block_kit import element_value, find_element, state_values
from twins.slack.envelopes import FORM_CONTENT, dumps, verification_token
from twins.slack.lookup import find_conversation
from twins.slack.methods import views


# --- shared pieces -------------------------------------------------------------------------------
def interactive_app(state: TenantState, app_id: str) -> Row:
    app = app_row(state, app_id)
    if not app["interactivity_url"]:
        raise AdminError(409, "interactivity_not_enabled", f"app {app_id!r} has no interactivity URL")
    humans.bot_token(state, app)
    return app


def user_ref(state: TenantState, user: Row) -> dict[str, Any]:
    return {
        "id": user["id"],
        "username": user["name"],
        "name": user["name"],
        "team_id": schemas.team_id(state),
    }


def team_ref(state: TenantState) -> dict[str, Any]:
    team = state.meta.get("team", {})
    return {"id": team.get("id", ""), "domain": team.get("domain", "")}


def channel_name(conv: Row, *, command: bool = False) -> str:
    """How payloads name a conversation (slash commands hide private channel names)."""
    if conv["kind"] == "im":
        return "directmessage"
    if conv["kind"] == "mpim" or (command and conv["kind"] == "private"):
        return "privategroup"
    return str(conv["name"])


def conversation(state: TenantState, ref: str, user_id: str) -> Row:
    """A conversation the person can see, by id or name."""
    ref = (ref or "").strip()
    conv = find_conversation(state, ref)
    if conv is None or (conv["kind"] != "public" and user_id not in conv["members"]):
        raise AdminError(404, "channel_not_found", f"user {user_id!r} sees no conversation {ref!r}")
    return conv


async def issue_trigger(ctx: TwinContext, state: TenantState, user_id: str, app_id: str) -> str:
    """Issue a trigger id (valid 3 s, for one views.open/push) in a committed operation."""
    return await ctx.store.run(state.id, lambda st: views.issue_trigger_id(st, user_id, app_id))


def base_payload(state: TenantState, app: Row, user: Row, kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "user": user_ref(state, user),
        "api_app_id": app["id"],
        "token": verification_token(app),
        "team": team_ref(state),
        "enterprise": None,
        "is_enterprise_install": False,
    }


async def deliver(
    ctx: TwinContext, state: TenantState, app: Row, kind: str, url: str, form: dict[str, str]
) -> Attempted:
    body = urlencode(form).encode()
    # interactions are never retried
    return await outbox.send(ctx, state.id, app["id"], kind, url, app["signing_secret"], body, FORM_CONTENT)


def app_answer(outcome: Attempted) -> dict[str, Any]:
    """What the app answered, for the admin response."""
    record = outcome.record
    body = (record.get("response") or {}).get("body", "")
    parsed: Any = None
    if body.strip():
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
    return {
        "status": record["http_status"],
        "error": record["error"],
        "body": body,
        "json": parsed,
        "delivery_id": record["id"],
    }


async def send_payload(ctx: TwinContext, state: TenantState, app: Row, payload: dict[str, Any]) -> Attempted:
    """POST an interaction payload (`payload=<json>`) to the app's interactivity URL."""
    form = {"payload": dumps(payload)}
    return await deliver(ctx, state, app, str(payload["type"]), app["interactivity_url"], form)


def message_in(state: TenantState, channel: str, ts: object, user_id: str) -> tuple[Row, Row]:
    """A message, and its conversation, that the person can see."""
    conv = conversation(state, channel, user_id)
    message = state["messages"].get(f"{conv['id']}/{ts}")
    if message is None:
        raise AdminError(404, "message_not_found", f"no message {ts!r} in {conv['id']}")
    return conv, message


def message_hook(
    ctx: TwinContext, state: TenantState, base_url: str, app: Row, user_id: str, message: Row
) -> str:
    """A response_url through which the app answers the person about a message."""
    _, url = response_urls.install(ctx).new_hook(
        state,
        "actions",
        base_url,
        app_id=app["id"],
        user_id=user_id,
        channel=message["channel"],
        message_ts=message["ts"],
    )
    return url


# --- block_actions ---------------------------------------------------------------------------------
async def click(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A person clicks (or picks) an interactive element of a message or of an open view."""
    user = humans.human(state, user_id)
    action_id = str(body.get("action_id") or "")
    if not action_id:
        raise AdminError(400, "invalid_request", "action_id is required")
    view_row = message = None
    if body.get("view_id"):
        view_row = open_view(state, str(body["view_id"]), user_id, kinds=("modal", "home"))
        blocks = view_row["data"].get("blocks", [])
        app_id = str(body.get("app_id") or view_row["app_id"] or "")
    else:
        ts = str(body.get("message_ts") or body.get("ts") or "")
        _, message = message_in(state, str(body.get("channel") or ""), ts, user_id)
        blocks = message["blocks"]
        by_bot = next(
            (a["id"] for a in state["apps"] if message["bot_id"] and a["bot_id"] == message["bot_id"]), ""
        )
        app_id = str(body.get("app_id") or message["app_id"] or by_bot)
    found = find_element(blocks, action_id, body.get("block_id"))
    if found is None:
        raise AdminError(404, "action_not_found", f"no element with action_id {action_id!r} there")
    if not app_id:
        raise AdminError(409, "app_not_found", "the message was not posted by an app; give app_id")
    app = interactive_app(state, app_id)
    block_id, element = found
    trigger = await issue_trigger(ctx, state, user_id, app["id"])
    now = state.clock.now()
    action = {"action_id": action_id, "block_id": block_id, **element_value(element, body.get("value"))}
    action["action_ts"] = f"{now:.6f}"
    payload = base_payload(state, app, user, "block_actions")
    response_url = None
    if view_row is not None:
        payload.update(
            container={"type": "view", "view_id": view_row["id"]},
            trigger_id=trigger,
            view=views.render(state, view_row),
        )
    else:
        assert message is not None
        conv = state["conversations"].get(message["channel"]) or {}
        response_url = message_hook(ctx, state, base_url, app, user_id, message)
        payload.update(
            container={
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": message["channel"],
                "is_ephemeral": False,
            },
            trigger_id=trigger,
            channel={"id": message["channel"], "name": channel_name(conv)},
            message=schemas.message(message, state),
            state={"values": {}},
            response_url=response_url,
        )
    payload["actions"] = [action]
    outcome = await send_payload(ctx, state, app, payload)
    return {
        "app_id": app["id"],
        "trigger_id": trigger,
        "response_url": response_url,
        "payload": payload,
        "app_response": app_answer(outcome),
    }


# --- view_submission / view_closed -----------------------------------------------------------------
def open_view(state: TenantState, view_id: str, user_id: str, kinds: tuple[str, ...] = ("modal",)) -> Row:
    row = state["views"].get(view_id)
    if row is None or row["closed"] or row["user_id"] != user_id or row["kind"] not in kinds:
        raise AdminError(404, "view_not_found", f"user {user_id!r} has no open view {view_id!r}")
    return row


async def submit(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A person presses Submit on a modal; the app's answer closes, updates, pushes or errors it."""
    user = humans.human(state, user_id)
    row = open_view(state, str(body.get("view_id") or ""), user_id)
    app = interactive_app(state, str(row["app_id"] or ""))
    values, missing = state_values(row["data"].get("blocks", []), body.get("values") or {})
    if missing:
        raise AdminError(400, "missing_required_input", f"required inputs are empty: {', '.join(missing)}")

    def prepare(st: TenantState) -> tuple[str, dict[str, Any]]:
        trigger = views.issue_trigger_id(st, user_id, app["id"])
        return trigger, views.render(st, views.view_state_update(st, row["id"], values))

    trigger, view = await ctx.store.run(state.id, prepare)
    payload = base_payload(state, app, user, "view_submission")
    payload.update(trigger_id=trigger, view=view, response_urls=[])
    outcome = await send_payload(ctx, state, app, payload)
    answer = app_answer(outcome)
    out: dict[str, Any] = {"app_id": app["id"], "payload": payload, "app_response": answer}
    if not outcome.ok:
        out["result"] = "error"  # Slack keeps the modal open and tells the person it failed
        return out
    reply = answer["json"] if isinstance(answer["json"], dict) else {}
    action = str(reply.get("response_action") or "close")
    out["result"] = action
    if action == "errors":
        out["errors"] = reply.get("errors") or {}
    elif action in ("update", "push"):
        token = humans.bot_token(state, app)
        params: dict[str, Any] = {"view": reply.get("view")}
        if action == "update":
            params["view_id"] = row["id"]
        else:
            params["trigger_id"] = await issue_trigger(ctx, state, user_id, app["id"])
        name = f"views.{action}"
        try:
            answer_view, _ = await humans.run_as(
                ctx, state.id, token, humans.handler(name), params, name=name
            )
        except AdminError as error:
            out.update(result="error", error=error.code)
            return out
        out["view"] = answer_view.get("view")
    else:
        clear = action == "clear"
        out["closed"] = await ctx.store.run(state.id, lambda st: views.close_view(st, row["id"], clear=clear))
    return out


async def dismiss(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A person closes a modal (the whole stack); `view_closed` goes out if the view asked for it."""
    user = humans.human(state, user_id)
    row = open_view(state, str(body.get("view_id") or ""), user_id)
    view = views.render(state, row)
    closed = await ctx.store.run(state.id, lambda st: views.close_view(st, row["id"], clear=True))
    out: dict[str, Any] = {"closed": closed}
    app = state["apps"].get(row["app_id"] or "")
    if view.get("notify_on_close") and app is not None and app["interactivity_url"]:
        payload = base_payload(state, app, user, "view_closed")
        payload.update(view=view, is_cleared=len(closed) > 1)
        outcome = await send_payload(ctx, state, app, payload)
        out.update(payload=payload, app_response=app_answer(outcome))
    return out


# --- shortcuts ----------------------------------------------------------------
async def shortcut(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A global shortcut, or a message shortcut when channel and message_ts are given."""
    user = humans.human(state, user_id)
    app = interactive_app(state, str(body.get("app_id") or ""))
    trigger = await issue_trigger(ctx, state, user_id, app["id"])
    now = state.clock.now()
    payload: dict[str, Any]
    if body.get("message_ts"):
        conv, message = message_in(state, str(body.get("channel") or ""), body["message_ts"], user_id)
        url = message_hook(ctx, state, base_url, app, user_id, message)
        payload = base_payload(state, app, user, "message_action")
        payload.update(
            callback_id=body.get("callback_id", ""),
            trigger_id=trigger,
            action_ts=f"{now:.6f}",
            message_ts=message["ts"],
            message=schemas.message(message, state),
            channel={"id": conv["id"], "name": channel_name(conv)},
            response_url=url,
        )
    else:
        payload = base_payload(state, app, user, "shortcut")
        payload.update(callback_id=body.get("callback_id", ""), trigger_id=trigger, action_ts=f"{now:.6f}")
    outcome = await send_payload(ctx, state, app, payload)
    return {
        "app_id": app["id"],
        "trigger_id": trigger,
        "payload": payload,
        "app_response": app_answer(outcome),
    }
