"""Interactivity: what a person's click, modal submission, shortcut or slash command sends to an app,
and the twin-hosted `response_url` through which the app answers.

Payloads go to the app's interactivity (or command) URL form-encoded and signed like events,
without retries, as Slack does; the app's immediate answer is applied the way Slack applies it.
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext, context_of
from twins._runtime.errors import AdminError
from twins.slack import events, humans, schemas
from twins.slack.call import Call
from twins.slack.methods import chat, views

HOOK_TTL = 30 * 60  # a response_url works for 30 minutes...
HOOK_USES = 5  # ...and up to five times
MAX_HOOKS = 50_000
SELECT_ONE = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
SELECT_MANY = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
PICKED = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}


@dataclass
class Hook:
    """A response_url: which app may answer whom, where, about which message."""

    key: str
    tenant: str
    app_id: str
    user_id: str
    channel: str | None
    message_ts: str | None
    created: float
    uses: int = 0
    ephemeral_id: int | None = None


@dataclass
class Interactions:
    """Put in `ctx.extras["interactivity"]`: live response URLs and the ephemeral messages shown."""

    hooks: dict[str, Hook] = field(default_factory=dict)
    ephemeral: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    seq: int = 0

    def new_hook(self, state: TenantState, kind: str, base_url: str, **fields: Any) -> tuple[Hook, str]:
        """A new response_url (`kind` is actions or commands) and its hook."""
        key = f"{secrets.randbelow(10**13):013d}/{secrets.token_urlsafe(18)}"
        while len(self.hooks) >= MAX_HOOKS:  # the oldest are long expired
            del self.hooks[next(iter(self.hooks))]
        hook = self.hooks[key] = Hook(key, state.id, created=state.clock.now(), **fields)
        return hook, f"{base_url}/{kind}/{events.team_id(state)}/{key}"

    def show(self, hook: Hook, message: dict[str, Any], now: float) -> dict[str, Any]:
        """Record an ephemeral message shown to the hook's user (never stored in history)."""
        self.seq += 1
        entry = {
            "id": self.seq,
            "tenant": hook.tenant,
            "app_id": hook.app_id,
            "user": hook.user_id,
            "channel": hook.channel,
            "message_ts": f"{now:.6f}",
            "text": message.get("text", ""),
            "blocks": message.get("blocks") or [],
            "attachments": message.get("attachments") or [],
            "thread_ts": message.get("thread_ts"),
            "deleted": False,
        }
        self.ephemeral.append(entry)
        hook.ephemeral_id = entry["id"]
        return entry

    def find_ephemeral(self, entry_id: int | None) -> dict[str, Any] | None:
        return next((e for e in self.ephemeral if e["id"] == entry_id), None)


def install(ctx: TwinContext) -> Interactions:
    found = ctx.extras.get("interactivity")
    if not isinstance(found, Interactions):
        found = Interactions()
        ctx.extras["interactivity"] = found
    return found


# --- shared pieces -------------------------------------------------------------------------------
def app_row(state: TenantState, app_id: str) -> Row:
    app = state["apps"].get(app_id)
    if app is None:
        raise AdminError(404, "app_not_found", f"no app {app_id!r} in tenant {state.id!r}")
    return app


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
        "team_id": events.team_id(state),
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
    conv = state["conversations"].get(ref) or state["conversations"].by("name", ref.lstrip("#"))
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
        "token": events.verification_token(app),
        "team": team_ref(state),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def dispatcher(ctx: TwinContext) -> events.EventDispatcher:
    return events.install(ctx)


async def deliver(
    ctx: TwinContext, state: TenantState, app: Row, kind: str, url: str, form: dict[str, str]
) -> events.Outcome:
    body = urlencode(form).encode()
    outcome = await dispatcher(ctx).send(
        None, state.id, app["id"], kind, url, app["signing_secret"], body, events.FORM_CONTENT
    )
    outcome.record["final"] = True  # interactions are never retried
    return outcome


def app_answer(outcome: events.Outcome) -> dict[str, Any]:
    """What the app answered, for the admin response."""
    record = outcome.record
    body = (record.get("response") or {}).get("body", "")
    parsed: Any = None
    if body.strip():
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    return {
        "status": record["http_status"],
        "error": record["error"],
        "body": body,
        "json": parsed,
        "delivery_id": record["id"],
    }


def encode_payload(payload: dict[str, Any]) -> dict[str, str]:
    return {"payload": json.dumps(payload, separators=(",", ":"))}


# --- Block Kit elements --------------------------------------------------------------------------
def elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactive elements of a block: actions' elements, an accessory, an input's element."""
    found: list[Any] = list(block.get("elements") or []) if block.get("type") == "actions" else []
    found += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
    return [
        e for e in found if isinstance(e, dict) and e.get("type") not in ("image", "mrkdwn", "plain_text")
    ]


def find_element(
    blocks: list[Any], action_id: str, block_id: Any = None
) -> tuple[str, dict[str, Any]] | None:
    for block in blocks:
        if not isinstance(block, dict) or (block_id and block.get("block_id") != block_id):
            continue
        for element in elements(block):
            if element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    if value is None and options:
        return dict(options[0])
    found = next((o for o in options if isinstance(o, dict) and o.get("value") == value), None)
    return (
        dict(found)
        if found
        else {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}
    )


def element_value(element: dict[str, Any], value: Any, *, clicked: bool = True) -> dict[str, Any]:
    """What a person's choice on an element looks like in `actions[]` and in `state.values`."""
    kind = str(element.get("type", ""))
    out: dict[str, Any] = {"type": kind}
    if kind == "button":
        out["text"] = element.get("text")
        if value is not None or "value" in element:
            out["value"] = element.get("value") if value is None else str(value)
        if element.get("style"):
            out["style"] = element["style"]
    elif kind in SELECT_ONE:
        out["selected_option"] = _option(element, value) if clicked or value is not None else None
    elif kind in SELECT_MANY:
        out["selected_options"] = [_option(element, v) for v in _as_list(value)]
    elif kind in PICKED:
        key = PICKED[kind]
        out[key] = _as_list(value) if key.endswith("s") else value
    else:
        out["value"] = value
    return out


def state_values(blocks: list[Any], given: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """view.state.values from what the person typed ({block_id: {action_id: value}} or
    {action_id: value}), and the required inputs left empty."""
    values: dict[str, Any] = {}
    missing: list[str] = []
    for block in blocks:
        if (
            not isinstance(block, dict)
            or block.get("type") != "input"
            or not isinstance(block.get("element"), dict)
        ):
            continue
        element, block_id = block["element"], str(block.get("block_id", ""))
        action_id = str(element.get("action_id", ""))
        nested = given.get(block_id)
        raw = nested.get(action_id) if isinstance(nested, dict) else given.get(action_id)
        entry = raw if isinstance(raw, dict) and "type" in raw else element_value(element, raw, clicked=False)
        if raw in (None, "", []) and not block.get("optional"):
            missing.append(block_id)
        values[block_id] = {action_id: entry}
    return values, missing


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
        conv = conversation(state, str(body.get("channel") or ""), user_id)
        ts = str(body.get("message_ts") or body.get("ts") or "")
        message = state["messages"].get(f"{conv['id']}/{ts}")
        if message is None:
            raise AdminError(404, "message_not_found", f"no message {ts!r} in {conv['id']}")
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
        _, response_url = install(ctx).new_hook(
            state,
            "actions",
            base_url,
            app_id=app["id"],
            user_id=user_id,
            channel=message["channel"],
            message_ts=message["ts"],
        )
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
    outcome = await deliver(
        ctx, state, app, "block_actions", app["interactivity_url"], encode_payload(payload)
    )
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
    outcome = await deliver(
        ctx, state, app, "view_submission", app["interactivity_url"], encode_payload(payload)
    )
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
        outcome = await deliver(
            ctx, state, app, "view_closed", app["interactivity_url"], encode_payload(payload)
        )
        out.update(payload=payload, app_response=app_answer(outcome))
    return out


# --- shortcuts and slash commands ----------------------------------------------------------------
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
        conv = conversation(state, str(body.get("channel") or ""), user_id)
        message = state["messages"].get(f"{conv['id']}/{body['message_ts']}")
        if message is None:
            raise AdminError(404, "message_not_found", f"no message {body['message_ts']!r} in {conv['id']}")
        _, url = install(ctx).new_hook(
            state,
            "actions",
            base_url,
            app_id=app["id"],
            user_id=user_id,
            channel=conv["id"],
            message_ts=message["ts"],
        )
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
    outcome = await deliver(
        ctx, state, app, payload["type"], app["interactivity_url"], encode_payload(payload)
    )
    return {
        "app_id": app["id"],
        "trigger_id": trigger,
        "payload": payload,
        "app_response": app_answer(outcome),
    }


def command_app(state: TenantState, name: str, app_id: str | None) -> tuple[Row, dict[str, Any]]:
    for app in state["apps"]:
        if app_id and app["id"] != app_id:
            continue
        for cmd in app["commands"]:
            if isinstance(cmd, dict) and cmd.get("command") == name:
                return app, cmd
    raise AdminError(404, "command_not_found", f"{name} is not a valid command in this workspace")


async def command(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A person runs a slash command; the app's immediate answer is shown as Slack shows it."""
    user = humans.human(state, user_id)
    name = "/" + str(body.get("command") or "").lstrip("/")
    app, cmd = command_app(state, name, body.get("app_id"))
    target = cmd.get("url") or app["interactivity_url"] or app["event_url"]
    if not target:
        raise AdminError(409, "no_command_url", f"{name} has no request URL")
    humans.bot_token(state, app)
    conv = conversation(state, str(body.get("channel") or ""), user_id)
    trigger = await issue_trigger(ctx, state, user_id, app["id"])
    hooks = install(ctx)
    hook, url = hooks.new_hook(
        state, "commands", base_url, app_id=app["id"], user_id=user_id, channel=conv["id"], message_ts=None
    )
    team = team_ref(state)
    form = {
        "token": events.verification_token(app),
        "team_id": team["id"],
        "team_domain": team["domain"],
        "channel_id": conv["id"],
        "channel_name": channel_name(conv, command=True),
        "user_id": user_id,
        "user_name": user["name"],
        "command": name,
        "text": str(body.get("text") or ""),
        "api_app_id": app["id"],
        "is_enterprise_install": "false",
        "response_url": url,
        "trigger_id": trigger,
    }
    outcome = await deliver(ctx, state, app, "slash_command", str(target), form)
    answer = app_answer(outcome)
    out: dict[str, Any] = {
        "app_id": app["id"],
        "payload": form,
        "app_response": answer,
        "trigger_id": trigger,
        "response_url": url,
    }
    if not outcome.ok:
        out["error"] = "operation_timeout" if outcome.record["error"] == "http_timeout" else "dispatch_failed"
        return out
    if isinstance(answer["json"], dict):
        out["applied"] = await respond(ctx, hook, answer["json"], count=False)
    elif answer["body"].strip():
        out["applied"] = await respond(ctx, hook, {"text": answer["body"]}, count=False)
    return out


# --- response_url ---------------------------------------------------------------------------------
async def respond(
    ctx: TwinContext, hook: Hook, data: dict[str, Any], *, count: bool = True
) -> dict[str, Any]:
    """Apply a message sent to a response_url: delete or replace the original, post, or show."""
    state = ctx.store.get(hook.tenant)
    if state is None:
        raise LookupError(hook.tenant)
    app = app_row(state, hook.app_id)
    hooks = install(ctx)
    if count:
        hook.uses += 1
    content = {k: data[k] for k in ("text", "blocks", "attachments", "thread_ts") if data.get(k) is not None}
    if data.get("delete_original") or data.get("replace_original"):
        verb = "delete" if data.get("delete_original") else "replace"
        if hook.message_ts and hook.channel:
            name = "chat.delete" if verb == "delete" else "chat.update"
            params = {"channel": hook.channel, "ts": hook.message_ts, **content}
            token = humans.bot_token(state, app)
            answer, _ = await humans.run_as(ctx, state.id, token, humans.handler(name), params, name=name)
            return {"action": "deleted" if verb == "delete" else "replaced", "ts": answer.get("ts")}
        shown = hooks.find_ephemeral(hook.ephemeral_id)
        if shown is not None:
            if verb == "delete":
                shown["deleted"] = True
            else:
                shown.update(
                    text=content.get("text", ""),
                    blocks=content.get("blocks") or [],
                    attachments=content.get("attachments") or [],
                )
            return {"action": "deleted" if verb == "delete" else "replaced", "ephemeral": shown}
    if data.get("response_type") == "in_channel" and hook.channel:
        token = humans.bot_token(state, app)
        params = {"channel": hook.channel, **content}

        def post(call: Call) -> dict[str, Any]:
            chan = call.state["conversations"].get(hook.channel or "")
            if chan is None:
                raise AdminError(404, "channel_not_found", f"{hook.channel} is gone")
            author = {"user": app["bot_user_id"], "bot_id": app["bot_id"], "app_id": app["id"]}
            fields = {**chat.read_content(call), **author, **chat.read_thread(call)}
            return {"ts": chat.post(call.state, chan, fields, call.events)["ts"]}

        answer, _ = await humans.run_as(ctx, state.id, token, post, params, name="response_url")
        return {"action": "posted", "channel": hook.channel, "ts": answer["ts"]}
    return {"action": "ephemeral", "ephemeral": hooks.show(hook, content, state.clock.now())}


def _error(status: int, code: str) -> Response:
    return JSONResponse({"ok": False, "error": code}, status_code=status)


def build_hooks_router() -> APIRouter:
    """Twin-hosted response URLs: /actions/T…/n/secret and /commands/T…/n/secret."""
    router = APIRouter(include_in_schema=False)

    @router.post("/actions/{team}/{number}/{secret}")
    @router.post("/commands/{team}/{number}/{secret}")
    async def response_url(team: str, number: str, secret: str, request: Request) -> Response:
        ctx = context_of(request)
        hook = install(ctx).hooks.get(f"{number}/{secret}")
        state = ctx.store.get(hook.tenant) if hook else None
        if hook is None or state is None or events.team_id(state) != team:
            return _error(404, "no_active_hooks")
        ctx.use_tenant(request, hook.tenant)  # journaled under the hook's workspace
        if state.clock.now() - hook.created > HOOK_TTL:
            return _error(404, "expired_url")
        if hook.uses >= HOOK_USES:
            return _error(404, "used_url")
        raw = await request.body()
        try:
            data = (
                json.loads(raw)
                if raw.strip().startswith(b"{")
                else json.loads(dict(parse_qsl(raw.decode())).get("payload", "{}"))
            )
        except (ValueError, UnicodeDecodeError):
            return _error(400, "invalid_payload")
        if not isinstance(data, dict):
            return _error(400, "invalid_payload")
        if not (
            data.get("delete_original") or data.get("text") or data.get("blocks") or data.get("attachments")
        ):
            return _error(400, "no_text")
        try:
            await respond(ctx, hook, data)
        except AdminError as error:
            return _error(400 if error.status < 500 else error.status, error.code)
        return JSONResponse({"ok": True})

    return router
