"""Slack admin routes under /_twin/slack: app registration, event deliveries, simulated humans.

POST /apps                      register an app (bot user, bot token, signing secret)
PATCH /apps/{id}                change URLs, events, commands, scopes (the seeded app too)
POST /apps/{id}/verify          run the url_verification handshake again
GET /deliveries                 every request the twin sent to an app (events, interactivity...)
GET|PUT /delivery-settings      timeout and retry delays of event delivery
GET /ephemeral                  ephemeral messages shown to people
POST /humans/{user}/{action}    act as a person: post, react, join, click, submit, command...
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import AliasChoices, BaseModel, Field

from twins._runtime.admin import Admin, TenantParam, tenant_state
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins.slack import events, humans, interactivity
from twins.slack.methods import views
from twins.slack.schemas import avatar
from twins.slack.scopes import BOT_SCOPES
from twins.slack.seed import DIGITS, slack_id

COMMAND_RE = re.compile(r"^/[a-z0-9_\-]{1,31}$")
EVENT_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")
URL_RE = re.compile(r"^https?://[^\s/]+(/\S*)?$")
MESSAGE_EVENTS = ["message.channels", "message.groups", "message.im", "message.mpim"]


class CommandIn(BaseModel):
    command: str
    url: str | None = Field(default=None, description="default: the app's interactivity or request URL")
    description: str = ""
    usage_hint: str = ""


class AppIn(BaseModel):
    name: str | None = None
    request_url: str | None = Field(default=None, validation_alias=AliasChoices("request_url", "event_url"))
    interactivity_url: str | None = None
    commands: list[CommandIn] | None = Field(
        default=None, validation_alias=AliasChoices("commands", "slash_commands")
    )
    events: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("events", "event_types", "bot_events")
    )
    scopes: list[str] | None = None
    channels: list[str] | None = Field(default=None, description="conversations the bot is added to")


class SettingsIn(BaseModel):
    timeout: float | None = Field(default=None, gt=0, le=60)
    retry_delays: list[float] | None = Field(default=None, max_length=3)


# --- app registration -----------------------------------------------------------------------------
def _check(body: AppIn) -> None:
    for label, url in (("request_url", body.request_url), ("interactivity_url", body.interactivity_url)):
        if url and not URL_RE.match(url):
            raise AdminError(400, "invalid_url", f"{label} {url!r} must be an absolute http(s) URL")
    for cmd in body.commands or []:
        if not COMMAND_RE.match(cmd.command):
            raise AdminError(
                400, "invalid_command", f"{cmd.command!r}: a slash command is '/' + 1-31 of a-z0-9_-"
            )
        if cmd.url and not URL_RE.match(cmd.url):
            raise AdminError(400, "invalid_url", f"command URL {cmd.url!r} must be an absolute http(s) URL")
    for name in body.events or []:
        if not EVENT_RE.match(name):
            raise AdminError(
                400, "invalid_event_type", f"{name!r} is not an event type (e.g. message.channels)"
            )


def event_types(names: list[str]) -> list[str]:
    """Subscriptions as Slack lists them; a bare `message` means every message.* subscription."""
    out: list[str] = []
    for name in names:
        for one in MESSAGE_EVENTS if name == "message" else [name]:
            if one not in out:
                out.append(one)
    return out


def _commands(body: AppIn) -> list[dict[str, Any]]:
    return [
        {"command": c.command, "url": c.url, "description": c.description, "usage_hint": c.usage_hint}
        for c in body.commands or []
    ]


def command_url(app: Row, command: dict[str, Any]) -> str | None:
    """Where a slash command goes: its own URL, else the app's interactivity or request URL."""
    url = command.get("url") or app["interactivity_url"] or app["event_url"]
    return str(url) if url else None


def _add_to(state: TenantState, refs: list[str], user_id: str) -> None:
    for ref in refs:
        conv = state["conversations"].get(ref) or state["conversations"].by("name", ref.lstrip("#"))
        if conv is None:
            raise AdminError(404, "channel_not_found", f"no conversation {ref!r}")
        if user_id not in conv["members"]:
            state["conversations"].update(conv["id"], members=[*conv["members"], user_id])


def _handle(state: TenantState, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:21] or "app"
    handle, n = base, 1
    while state["users"].by("name", handle) is not None:
        n += 1
        handle = f"{base}_{n}"
    return handle


def create_app(state: TenantState, body: AppIn) -> Row:
    """A new app installed in the workspace: its bot user and bot token."""
    now = int(state.clock.now())
    name = body.name or "Twin App"
    app_id, bot_id = slack_id(state, "A", "app"), slack_id(state, "B", "bot")
    uid = slack_id(state, "U", "user")
    state["users"].insert(
        {
            "id": uid,
            "name": _handle(state, name),
            "real_name": name,
            "email": None,
            "is_bot": True,
            "bot_id": bot_id,
            "color": "3c989f",
            "updated": now,
            "profile": {
                "real_name": name,
                "real_name_normalized": name,
                "display_name": "",
                "display_name_normalized": "",
                "first_name": name,
                "last_name": "",
                "title": "",
                "phone": "",
                "skype": "",
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
                "fields": None,
                "bot_id": bot_id,
                "api_app_id": app_id,
                "always_active": True,
                **avatar(uid),
            },
        }
    )
    bot_token = next((t["id"] for t in state["tokens"] if t["kind"] == "bot"), "")
    parts = bot_token.split("-")
    team_num = parts[1] if len(parts) > 2 else state.ids.chars("team_num", 12, DIGITS)
    scopes = sorted(set(body.scopes if body.scopes is not None else BOT_SCOPES))
    app = state["apps"].insert(
        {
            "id": app_id,
            "name": name,
            "client_id": f"{team_num}.{state.ids.chars('client_id', 13, DIGITS)}",
            "client_secret": state.ids.hex("client_secret", 32),
            "signing_secret": state.ids.hex("signing_secret", 32),
            "bot_user_id": uid,
            "bot_id": bot_id,
            "bot_scopes": scopes,
            "user_scopes": [],
            "event_url": body.request_url or None,
            "event_types": event_types(body.events or []),
            "interactivity_url": body.interactivity_url or None,
            "created": now,
        }
    )
    app = state["apps"].update(app_id, commands=_commands(body))
    token = f"xoxb-{team_num}-{state.ids.chars('tok', 13, DIGITS)}-{state.ids.chars('tok', 24)}"
    state["tokens"].insert(
        {"id": token, "kind": "bot", "user_id": uid, "app_id": app_id, "scopes": scopes, "created": now}
    )
    _add_to(state, body.channels or [], uid)
    return app


def update_app(state: TenantState, app_id: str, body: AppIn) -> Row:
    app = state["apps"].get(app_id)
    if app is None:
        raise AdminError(404, "app_not_found", f"no app {app_id!r} in tenant {state.id!r}")
    fields = body.model_fields_set
    changes: dict[str, Any] = {}
    if "name" in fields and body.name:
        changes["name"] = body.name
    if "request_url" in fields and body.request_url != app["event_url"]:
        changes.update(event_url=body.request_url or None, url_verified=False)
    if "interactivity_url" in fields:
        changes["interactivity_url"] = body.interactivity_url or None
    if "events" in fields:
        changes["event_types"] = event_types(body.events or [])
    if "scopes" in fields and body.scopes is not None:
        changes["bot_scopes"] = sorted(set(body.scopes))
        for token in state["tokens"].where("user_id", app["bot_user_id"]):
            if token["kind"] == "bot" and token["app_id"] == app_id:
                state["tokens"].update(token["id"], scopes=changes["bot_scopes"])
    app = state["apps"].update(app_id, **changes)
    if "commands" in fields:
        app = state["apps"].update(app_id, commands=_commands(body))
    _add_to(state, body.channels or [], app["bot_user_id"])
    return app


def describe(state: TenantState, app: Row) -> dict[str, Any]:
    token = next(
        (
            t["id"]
            for t in state["tokens"].where("user_id", app["bot_user_id"])
            if t["kind"] == "bot" and t["app_id"] == app["id"] and not t["revoked"]
        ),
        "",
    )
    return {
        "app_id": app["id"],
        "name": app["name"],
        "bot_user_id": app["bot_user_id"],
        "bot_id": app["bot_id"],
        "bot_token": token,
        "signing_secret": app["signing_secret"],
        "verification_token": events.verification_token(app),
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "request_url": app["event_url"],
        "url_verified": app["url_verified"],
        "interactivity_url": app["interactivity_url"],
        "events": list(app["event_types"]),
        "commands": [{**c, "url": command_url(app, c)} for c in app["commands"]],
        "scopes": list(app["bot_scopes"]),
    }


async def verify(ctx: TwinContext, state: TenantState, app_id: str) -> dict[str, Any] | None:
    """Run url_verification for an app with a request URL and store the outcome."""
    app = state["apps"].get(app_id)
    if app is None or not app["event_url"]:
        return None
    result = await events.install(ctx).verify_url(state, app)
    await ctx.store.run(state.id, lambda st: st["apps"].update(app_id, url_verified=result["verified"]))
    return result


async def open_home(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A person opens the app's Home (or Messages) tab: `app_home_opened` goes to that app."""
    humans.human(state, user_id)
    app = interactivity.app_row(state, str(body.get("app_id") or ""))
    opened = await humans.act(ctx, state, user_id, "open_im", {"users": app["bot_user_id"]}, base_url)
    home = next(
        (
            v
            for v in state["views"].where("user_id", user_id)
            if v["kind"] == "home" and v["app_id"] == app["id"]
        ),
        None,
    )
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": opened["response"]["channel"]["id"],
        "tab": body.get("tab") or "home",
        "event_ts": f"{state.clock.now():.6f}",
    }
    if home is not None:
        event["view"] = views.render(state, home)
    jobs = events.install(ctx).publish(state.id, [("app_home_opened", event)], app_id=app["id"])
    return {"event": event, "event_ids": [j.event_id for j in jobs]}


INTERACTIONS = {
    "click": interactivity.click,
    "submit": interactivity.submit,
    "close_view": interactivity.dismiss,
    "shortcut": interactivity.shortcut,
    "command": interactivity.command,
    "open_home": open_home,
}


# --- routes --------------------------------------------------------------------------------------
def build_admin_routes(ctx: TwinContext) -> APIRouter:
    """Mounted by the runtime at /_twin/slack; creates the dispatcher and the hook registry."""
    events.install(ctx)
    interactivity.install(ctx)
    router = APIRouter(tags=["slack"])

    @router.get("/apps")
    async def list_apps(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return {"apps": [describe(state, a) for a in state["apps"]]}

    @router.get("/apps/{app_id}")
    async def get_app(
        app_id: str, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return describe(state, interactivity.app_row(state, app_id))

    @router.post("/apps", status_code=201)
    async def register(
        body: AppIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        _check(body)
        app = await ctx.store.run(state.id, lambda st: create_app(st, body))
        verification = await verify(ctx, tenant_state(ctx, request, tenant), app["id"])
        state = tenant_state(ctx, request, tenant)
        return {**describe(state, interactivity.app_row(state, app["id"])), "verification": verification}

    @router.patch("/apps/{app_id}")
    async def change(
        app_id: str, body: AppIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        _check(body)
        before = interactivity.app_row(state, app_id)
        app = await ctx.store.run(state.id, lambda st: update_app(st, app_id, body))
        verification = None
        if app["event_url"] and (not app["url_verified"] or app["event_url"] != before["event_url"]):
            verification = await verify(ctx, tenant_state(ctx, request, tenant), app_id)
        state = tenant_state(ctx, request, tenant)
        return {**describe(state, interactivity.app_row(state, app_id)), "verification": verification}

    @router.post("/apps/{app_id}/verify")
    async def reverify(
        app_id: str, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        interactivity.app_row(state, app_id)
        result = await verify(ctx, state, app_id)
        if result is None:
            raise AdminError(409, "no_request_url", f"app {app_id!r} has no request URL to verify")
        return result

    @router.get("/deliveries")
    async def deliveries(
        request: Request,
        ctx: Admin,
        tenant: TenantParam = None,
        app_id: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        event_type: str | None = None,
        after: int = 0,
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        dispatcher = events.install(ctx)
        found = dispatcher.deliveries(
            state.id, app_id=app_id, status=status, kind=kind, event_type=event_type, after=after
        )
        return {"tenant": state.id, "deliveries": found, "pending": dispatcher.pending(state.id)}

    @router.delete("/deliveries")
    async def clear_deliveries(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return {"removed": events.install(ctx).clear(state.id)}

    @router.get("/delivery-settings")
    async def get_settings(ctx: Admin) -> dict[str, Any]:
        settings = events.install(ctx).settings
        return {"timeout": settings.timeout, "retry_delays": list(settings.retry_delays)}

    @router.put("/delivery-settings")
    async def put_settings(body: SettingsIn, ctx: Admin) -> dict[str, Any]:
        settings = events.install(ctx).settings
        if body.timeout is not None:
            settings.timeout = body.timeout
        if body.retry_delays is not None:
            settings.retry_delays = tuple(max(0.0, d) for d in body.retry_delays)
        return {"timeout": settings.timeout, "retry_delays": list(settings.retry_delays)}

    @router.get("/ephemeral")
    async def ephemeral(
        request: Request,
        ctx: Admin,
        tenant: TenantParam = None,
        user: str | None = None,
        channel: str | None = None,
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        shown = [
            e
            for e in interactivity.install(ctx).ephemeral
            if e["tenant"] == state.id and user in (None, e["user"]) and channel in (None, e["channel"])
        ]
        return {"messages": shown}

    @router.post("/humans/{user_id}/{action}")
    async def act(
        user_id: str,
        action: str,
        request: Request,
        ctx: Admin,
        tenant: TenantParam = None,
        body: dict[str, Any] | None = Body(default=None),
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        base = ctx.base_url(request)
        if action in INTERACTIONS:
            humans.human(state, user_id)
            return await INTERACTIONS[action](ctx, state, user_id, body or {}, base)
        return await humans.act(ctx, state, user_id, action, body or {}, base)

    return router
