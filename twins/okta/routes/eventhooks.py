"""Event Hooks API: /api/v1/eventHooks — register, replace, lifecycle, one-time verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.okta import hooks_delivery
from twins.okta.backend import eventhooks as backend
from twins.okta.common import authenticate, base_url, read_json, respond

READ = "okta.eventHooks.read"
MANAGE = "okta.eventHooks.manage"
POST_HINT = {"allow": ["POST"]}


def render(row: Row, base: str) -> dict[str, Any]:
    """An EventHook as Okta returns it: the auth secret is write-only."""
    href = f"{base}/api/v1/eventHooks/{row['id']}"
    config = dict(row["channel"].get("config", {}))
    if "authScheme" in config:
        config["authScheme"] = {k: v for k, v in config["authScheme"].items() if k != "value"}
    links: dict[str, Any]
    if row["status"] == "ACTIVE":
        links = {
            "self": {"href": href},
            "verify": {"href": f"{href}/lifecycle/verify", "hints": POST_HINT},
            "deactivate": {"href": f"{href}/lifecycle/deactivate", "hints": POST_HINT},
        }
    else:
        links = {
            "activate": {"href": f"{href}/lifecycle/activate", "hints": POST_HINT},
            "self": {"href": href},
            "delete": {"href": href, "hints": {"allow": ["DELETE"]}},
        }
    return {
        "id": row["id"],
        "status": row["status"],
        "verificationStatus": row["verification_status"],
        "name": row["name"],
        "description": row["description"],
        "created": row["created"],
        "createdBy": row["created_by"] or None,
        "lastUpdated": row["last_updated"],
        "events": {"type": "EVENT_TYPE", "items": list(row["events"]), "filter": row["filter"] or None},
        "channel": {"type": "HTTP", "version": row["channel"].get("version", "1.0.0"), "config": config},
        "_links": links,
    }


def _watch(ctx: TwinContext, request: Request, state: TenantState) -> hooks_delivery.HookDelivery:
    """The delivery worker, running on this loop, knowing the org URL hooks see as `source`."""
    delivery = hooks_delivery.install(ctx)
    delivery.base_urls[state.id] = base_url(request)
    delivery.ensure_running(state)
    return delivery


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(prefix="/api/v1/eventHooks", tags=["eventHooks"])

    @router.get("")
    async def list_hooks(request: Request) -> Response:
        ctx, _ = authenticate(request, READ)
        state = ctx.state(request)
        base = base_url(request)
        return respond([render(r, base) for r in state["event_hooks"]])

    @router.post("")
    async def create_hook(request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        _watch(ctx, request, ctx.state(request))
        row = await ctx.run(request, lambda st: backend.create_hook(st, body, actor_id=caller.user_id))
        return respond(render(row, base_url(request)))

    @router.get("/{hook_id}")
    async def get_hook(hook_id: str, request: Request) -> Response:
        ctx, _ = authenticate(request, READ)
        row = backend.get_hook(ctx.state(request), hook_id)
        return respond(render(row, base_url(request)))

    @router.put("/{hook_id}")
    async def replace_hook(hook_id: str, request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        _watch(ctx, request, ctx.state(request))
        row = await ctx.run(
            request, lambda st: backend.replace_hook(st, hook_id, body, actor_id=caller.user_id)
        )
        return respond(render(row, base_url(request)))

    @router.delete("/{hook_id}")
    async def delete_hook(hook_id: str, request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: backend.delete_hook(st, hook_id, actor_id=caller.user_id))
        return respond(None, 204)

    @router.post("/{hook_id}/lifecycle/activate")
    async def activate(hook_id: str, request: Request) -> Response:
        return await _set_status(request, hook_id, "ACTIVE")

    @router.post("/{hook_id}/lifecycle/deactivate")
    async def deactivate(hook_id: str, request: Request) -> Response:
        return await _set_status(request, hook_id, "INACTIVE")

    @router.post("/{hook_id}/lifecycle/verify")
    async def verify(hook_id: str, request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        state = ctx.state(request)
        hook = backend.get_hook(state, hook_id)
        ok = await _watch(ctx, request, state).verify(state, hook)
        row = await ctx.run(
            request, lambda st: backend.record_verification(st, hook_id, ok, actor_id=caller.user_id)
        )
        if not ok:
            raise backend.verification_failed(row)
        return respond(render(row, base_url(request)))

    return router


async def _set_status(request: Request, hook_id: str, status: str) -> Response:
    ctx, caller = authenticate(request, MANAGE)
    _watch(ctx, request, ctx.state(request))
    row = await ctx.run(request, lambda st: backend.set_status(st, hook_id, status, actor_id=caller.user_id))
    return respond(render(row, base_url(request)))
