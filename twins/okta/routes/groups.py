"""/api/v1/groups: groups, their members and their apps."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.okta import schemas, user_json
from twins.okta.backend import apps, groups
from twins.okta.common import authenticate, base_url, page, read_json, respond, respond_encoded
from twins.okta.routes.apps import render_app

READ, MANAGE = "okta.groups.read", "okta.groups.manage"


def render_group(state: TenantState, row: Row, base: str, expand: str = "") -> dict[str, Any]:
    """A Group; with expand=stats, `_embedded.stats` counts its users and apps."""
    out = schemas.group(row, base)
    if "stats" in expand.split(","):
        out["_embedded"] = {"stats": groups.stats(state, row)}
        out["_links"]["stats"] = {"href": f"{base}/api/v1/groups/{row['id']}/stats"}
    return out


def build_router(_ctx: TwinContext) -> APIRouter:
    router = APIRouter(tags=["groups"])

    @router.get("/api/v1/groups")
    async def list_groups(request: Request) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        rows = groups.list_groups(state, request.query_params)
        chunk, headers = page(request, rows, default_limit=10000, max_limit=10000)
        expand = request.query_params.get("expand", "")
        base = base_url(request)
        return respond([render_group(state, g, base, expand) for g in chunk], headers=headers)

    @router.post("/api/v1/groups")
    async def add_group(request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await ctx.run(request, lambda st: groups.create_group(st, body, actor_id=caller.user_id))
        return respond(render_group(ctx.state(request), row, base_url(request)))

    @router.get("/api/v1/groups/{group_id}")
    async def get_group(request: Request, group_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        row = groups.get_group(state, group_id)
        return respond(render_group(state, row, base_url(request), request.query_params.get("expand", "")))

    @router.put("/api/v1/groups/{group_id}")
    async def replace_group(request: Request, group_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await ctx.run(
            request, lambda st: groups.replace_group(st, group_id, body, actor_id=caller.user_id)
        )
        return respond(render_group(ctx.state(request), row, base_url(request)))

    @router.delete("/api/v1/groups/{group_id}")
    async def delete_group(request: Request, group_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: groups.delete_group(st, group_id, actor_id=caller.user_id))
        return respond(None, 204)

    @router.get("/api/v1/groups/{group_id}/users")
    async def list_group_users(request: Request, group_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        groups.get_group(state, group_id)
        rows = groups.members(state, group_id)
        chunk, headers = page(request, rows, default_limit=1000, max_limit=10000)
        return respond_encoded(user_json.users(state, chunk, base_url(request)), headers=headers)

    @router.put("/api/v1/groups/{group_id}/users/{user_id}")
    async def assign_user(request: Request, group_id: str, user_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: groups.assign_user(st, group_id, user_id, actor_id=caller.user_id))
        return respond(None, 204)

    @router.delete("/api/v1/groups/{group_id}/users/{user_id}")
    async def unassign_user(request: Request, group_id: str, user_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(
            request, lambda st: groups.unassign_user(st, group_id, user_id, actor_id=caller.user_id)
        )
        return respond(None, 204)

    @router.get("/api/v1/groups/{group_id}/apps")
    async def list_group_apps(request: Request, group_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        groups.get_group(state, group_id)
        rows = apps.apps_for_group(state, group_id)
        chunk, headers = page(request, rows, default_limit=20, max_limit=200)
        base = base_url(request)
        return respond([render_app(state, a, base) for a in chunk], headers=headers)

    return router
