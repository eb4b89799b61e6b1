"""Slack admin routes under /_twin/slack: app registration, event deliveries, simulated humans.

POST /apps                      register an app (bot user, bot token, signing secret)
PATCH /apps/{id}                change URLs, events, commands, scopes (the seeded app too)
POST /apps/{id}/verify          run the url_verification handshake again
GET /deliveries                 every request the twin sent to an app (events, interactivity...)
GET|PUT /delivery-settings      timeout and retry delays of event delivery
GET /ephemeral                  ephemeral messages shown to people
GET|POST /emoji, DELETE /emoji/{name}   the workspace's custom emoji and aliases
POST /humans/{user}/{action}    act as a person: post, react, join, click, submit, command...

Beside them, as for every twin on the kit: GET /openapi.json (the Web API's methods) and GET
/outbox (the Events API's delivery attempts, also in /deliveries).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from twins._runtime.admin import Admin, TenantParam, tenant_state
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins.slack import (
    apps,
    emoji,
    humans,
    interactivity,
    outbox,
    response_urls,
    slash_commands,
    url_verification,
)
from twins.slack.apps import AppIn, app_row
from twins.slack.call import EventList, emit
from twins.slack.methods import views


class EmojiIn(BaseModel):
    name: str = Field(description="the emoji's name, with or without colons")
    url: str = Field(default="", description="the image URL (not for an alias)")
    alias_for: str | None = Field(default=None, description="the emoji (custom or standard) it stands for")
    user_id: str | None = Field(default=None, description="who added it (default: the first admin)")


def add_emoji(state: TenantState, body: EmojiIn) -> Row:
    """Add a custom emoji or alias; AdminError with Slack's code when it cannot be."""
    name, alias_for = body.name.strip().strip(":"), (body.alias_for or "").strip(":") or None
    why = emoji.check_new(state, name, body.url, alias_for)
    if why is not None:
        raise AdminError(409 if why == "error_name_taken" else 400, why, f"cannot add emoji {name!r}: {why}")
    user_id = body.user_id or next(u["id"] for u in state["users"] if u["is_admin"] and not u["deleted"])
    humans.human(state, user_id)
    return emoji.add(state, name, body.url, alias_for, user_id)


def emoji_changed(events: EventList, change: dict[str, Any]) -> None:
    """Queue `emoji_changed` for the apps subscribed to it."""
    emit(events, "emoji_changed", change)


def emoji_view(row: Row) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "url", "alias_for", "user_id", "created")}


class SettingsIn(BaseModel):
    timeout: float | None = Field(default=None, gt=0, le=60)
    retry_delays: list[float] | None = Field(default=None, max_length=3)


async def open_home(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A person opens the app's Home (or Messages) tab: `app_home_opened` goes to that app."""
    humans.human(state, user_id)
    app = app_row(state, str(body.get("app_id") or ""))
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
    sent = await outbox.publish(ctx, state.id, [("app_home_opened", event)], app_id=app["id"])
    return {"event": event, "event_ids": [d.event_id for d in sent]}


INTERACTIONS = {
    "click": interactivity.click,
    "submit": interactivity.submit,
    "close_view": interactivity.dismiss,
    "shortcut": interactivity.shortcut,
    "command": slash_commands.command,
    "open_home": open_home,
}


# --- routes --------------------------------------------------------------------------------------
def build_admin_routes(ctx: TwinContext) -> APIRouter:
    """Mounted by the runtime at /_twin/slack."""
    router = APIRouter(tags=["slack"])

    @router.get("/apps")
    async def list_apps(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return {"apps": [apps.describe(state, a) for a in state["apps"]]}

    @router.get("/apps/{app_id}")
    async def get_app(
        app_id: str, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return apps.describe(state, app_row(state, app_id))

    @router.post("/apps", status_code=201)
    async def register(
        body: AppIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        apps.check(body)
        app = await ctx.store.run(state.id, lambda st: apps.create_app(st, body))
        verification = await url_verification.verify(ctx, tenant_state(ctx, request, tenant), app["id"])
        state = tenant_state(ctx, request, tenant)
        return {**apps.describe(state, app_row(state, app["id"])), "verification": verification}

    @router.patch("/apps/{app_id}")
    async def change(
        app_id: str, body: AppIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        apps.check(body)
        before = app_row(state, app_id)
        app = await ctx.store.run(state.id, lambda st: apps.update_app(st, app_id, body))
        verification = None
        if app["event_url"] and (not app["url_verified"] or app["event_url"] != before["event_url"]):
            verification = await url_verification.verify(ctx, tenant_state(ctx, request, tenant), app_id)
        state = tenant_state(ctx, request, tenant)
        return {**apps.describe(state, app_row(state, app_id)), "verification": verification}

    @router.post("/apps/{app_id}/verify")
    async def reverify(
        app_id: str, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        app_row(state, app_id)
        result = await url_verification.verify(ctx, state, app_id)
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
        found = outbox.journal_of(ctx).find(
            state.id, app_id=app_id, status=status, kind=kind, event_type=event_type, after=after
        )
        return {"tenant": state.id, "deliveries": found, "pending": outbox.outbox_of(ctx).pending(state.id)}

    @router.delete("/deliveries")
    async def clear_deliveries(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return {"removed": outbox.journal_of(ctx).clear(state.id)}

    @router.get("/delivery-settings")
    async def get_settings(ctx: Admin) -> dict[str, Any]:
        return outbox.set_delivery(ctx, None, None)

    @router.put("/delivery-settings")
    async def put_settings(body: SettingsIn, ctx: Admin) -> dict[str, Any]:
        return outbox.set_delivery(ctx, body.timeout, body.retry_delays)

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
            for e in response_urls.install(ctx).ephemeral
            if e["tenant"] == state.id and user in (None, e["user"]) and channel in (None, e["channel"])
        ]
        return {"messages": shown}

    @router.get("/emoji")
    async def list_emoji(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return {"emoji": [emoji_view(r) for r in sorted(state["emoji"], key=lambda r: r["id"])]}

    @router.post("/emoji", status_code=201)
    async def new_emoji(
        body: EmojiIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)

        def add(st: TenantState, events: EventList) -> Row:
            row = add_emoji(st, body)
            value = f"alias:{row['alias_for']}" if row["alias_for"] else row["url"]
            change = {
                "subtype": "add",
                "name": row["id"],
                "value": value,
                "event_ts": f"{row['created']}.000000",
            }
            emoji_changed(events, change)
            return row

        row = await outbox.write(ctx, state.id, add)
        return emoji_view(row)

    @router.delete("/emoji/{name}")
    async def drop_emoji(
        name: str, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        if emoji.custom(state, name) is None:
            raise AdminError(404, "emoji_not_found", f"no custom emoji {name!r}")

        def remove(st: TenantState, events: EventList) -> list[str]:
            names = emoji.remove(st, name)
            emoji_changed(events, {"subtype": "remove", "names": names, "event_ts": f"{st.clock.now():.6f}"})
            return names

        names = await outbox.write(ctx, state.id, remove)
        return {"removed": names}

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
