"""/api/v1/groups/rules: group rules and their lifecycle (registered before /groups/{id})."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.okta.backend import group_rules
from twins.okta.backend.group_rules import EXPRESSION_TYPE
from twins.okta.common import authenticate, page, read_json, respond

READ, MANAGE = "okta.groups.read", "okta.groups.manage"
PREFIX = "/api/v1/groups/rules"


def render_rule(state: TenantState, row: Row, expand: str = "") -> dict[str, Any]:
    """A GroupRule as Okta returns it; expand=groupIdToGroupNameMap embeds the group names."""
    out: dict[str, Any] = {
        "type": "group_rule",
        "id": row["id"],
        "status": row["status"],
        "name": row["name"],
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "conditions": {
            "people": {"users": {"exclude": list(row["exclude_user_ids"])}, "groups": {"exclude": []}},
            "expression": {"value": row["expression"], "type": EXPRESSION_TYPE},
        },
        "actions": {"assignUserToGroups": {"groupIds": list(row["group_ids"])}},
        "allGroupsValid": bool(row["group_ids"]) and all(state["groups"].get(g) for g in row["group_ids"]),
    }
    if "groupIdToGroupNameMap" in expand.split(","):
        names = {g: (state["groups"].get(g) or {}).get("name") for g in row["group_ids"]}
        out["_embedded"] = {"groupIdToGroupNameMap": {g: n for g, n in names.items() if n is not None}}
    return out


def build_router(_ctx: TwinContext) -> APIRouter:
    router = APIRouter(tags=["group rules"])

    @router.get(PREFIX)
    async def list_rules(request: Request) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        rows = group_rules.list_rules(state, request.query_params.get("search"))
        chunk, headers = page(request, rows, default_limit=50, max_limit=200)
        expand = request.query_params.get("expand", "")
        return respond([render_rule(state, r, expand) for r in chunk], headers=headers)

    @router.post(PREFIX)
    async def create_rule(request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await ctx.run(request, lambda st: group_rules.create_rule(st, body, actor_id=caller.user_id))
        return respond(render_rule(ctx.state(request), row))

    @router.get(PREFIX + "/{rule_id}")
    async def get_rule(request: Request, rule_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        row = group_rules.get_rule(state, rule_id)
        return respond(render_rule(state, row, request.query_params.get("expand", "")))

    @router.put(PREFIX + "/{rule_id}")
    async def replace_rule(request: Request, rule_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await ctx.run(
            request, lambda st: group_rules.replace_rule(st, rule_id, body, actor_id=caller.user_id)
        )
        return respond(render_rule(ctx.state(request), row))

    @router.delete(PREFIX + "/{rule_id}")
    async def delete_rule(request: Request, rule_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        remove = request.query_params.get("removeUsers", "false").lower() == "true"
        await ctx.run(
            request,
            lambda st: group_rules.delete_rule(st, rule_id, remove_users=remove, actor_id=caller.user_id),
        )
        return respond({}, 202)

    @router.post(PREFIX + "/{rule_id}/lifecycle/activate")
    async def activate_rule(request: Request, rule_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: group_rules.activate_rule(st, rule_id, actor_id=caller.user_id))
        return respond(None, 204)

    @router.post(PREFIX + "/{rule_id}/lifecycle/deactivate")
    async def deactivate_rule(request: Request, rule_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: group_rules.deactivate_rule(st, rule_id, actor_id=caller.user_id))
        return respond(None, 204)

    return router
