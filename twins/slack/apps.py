"""App registration: an app installed in the workspace with its bot user, bot token, signing
secret, request and interactivity URLs, event subscriptions and slash commands."""

from __future__ import annotations

import re
from typing import Any

from pydantic import AliasChoices, BaseModel, Field

from twins._runtime.collection import Row, TenantState
from twins._runtime.errors import AdminError
from twins.slack.envelopes import verification_token
from twins.slack.lookup import find_conversation, live_bot_token
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


def check(body: AppIn) -> None:
    """URLs, slash command names and event types as Slack's app settings accept them."""
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


def app_row(state: TenantState, app_id: str) -> Row:
    """The app, or the admin error a scenario should see."""
    app = state["apps"].get(app_id)
    if app is None:
        raise AdminError(404, "app_not_found", f"no app {app_id!r} in tenant {state.id!r}")
    return app


def _add_to(state: TenantState, refs: list[str], user_id: str) -> None:
    for ref in refs:
        conv = find_conversation(state, ref)
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
    """Apply the fields given; a changed request URL must be verified again."""
    app = app_row(state, app_id)
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
    """The app as the admin API shows it, with the credentials a test needs."""
    token = live_bot_token(state, app)
    return {
        "app_id": app["id"],
        "name": app["name"],
        "bot_user_id": app["bot_user_id"],
        "bot_id": app["bot_id"],
        "bot_token": token["id"] if token is not None else "",
        "signing_secret": app["signing_secret"],
        "verification_token": verification_token(app),
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "request_url": app["event_url"],
        "url_verified": app["url_verified"],
        "interactivity_url": app["interactivity_url"],
        "events": list(app["event_types"]),
        "commands": [{**c, "url": command_url(app, c)} for c in app["commands"]],
        "scopes": list(app["bot_scopes"]),
    }
