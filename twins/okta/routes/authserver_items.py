"""/api/v1/authorizationServers/{id}/scopes and …/claims: list, create, get, replace, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins.okta.backend import authserver_items as items_backend
from twins.okta.backend import authservers
from twins.okta.common import authenticate, base_url, page, read_json, respond
from twins.okta.routes.authservers import MANAGE, PREFIX, READ, hinted

SCOPE_KEYS = (
    "id",
    "name",
    "displayName",
    "description",
    "system",
    "metadataPublish",
    "consent",
    "optional",
    "apiResourceId",
    "default",
)
CLAIM_KEYS = (
    "id",
    "name",
    "status",
    "claimType",
    "valueType",
    "value",
    "conditions",
    "system",
    "alwaysIncludeInToken",
    "apiResourceId",
    "group_filter_type",
)


def render_item(item: dict[str, Any], kind: str, me: str) -> dict[str, Any]:
    order = SCOPE_KEYS if kind == "scopes" else CLAIM_KEYS
    out = {k: item[k] for k in order if k in item}
    out["_links"] = {"self": hinted(f"{me}/{kind}/{item['id']}", "GET", "PUT", "DELETE")}
    return out


def me(request: Request, state: TenantState, server_id: str) -> str:
    row = authservers.get_server(state, server_id)
    return f"{base_url(request)}{PREFIX}/{authservers.path_id(row)}"


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(tags=["authorizationServers"])
    for kind in ("scopes", "claims"):
        _items(router, ctx, kind)
    return router


def _items(router: APIRouter, ctx: TwinContext, kind: str) -> None:
    """GET/POST …/{scopes|claims} and GET/PUT/DELETE …/{scopes|claims}/{id}."""
    path = PREFIX + "/{server_id}/" + kind
    save = items_backend.save_scope if kind == "scopes" else items_backend.save_claim

    async def list_items(request: Request, server_id: str) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        href = me(request, state, server_id)
        items = authservers.get_server(state, server_id)["data"][kind]
        q = request.query_params.get("q") if kind == "scopes" else None
        if q:
            items = [i for i in items if str(i["name"]).lower().startswith(q.lower())]
        if kind == "scopes":
            items, headers = page(request, items)
            return respond([render_item(i, kind, href) for i in items], headers=headers)
        return respond([render_item(i, kind, href) for i in items])

    async def create_item(request: Request, server_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        item = await ctx.run(request, lambda st: save(st, server_id, body, None, actor_id=caller.user_id))
        return respond(render_item(item, kind, me(request, ctx.state(request), server_id)), 201)

    async def get_item(request: Request, server_id: str, item_id: str) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        item = items_backend.get_item(state, server_id, kind, item_id)
        return respond(render_item(item, kind, me(request, state, server_id)))

    async def replace_item(request: Request, server_id: str, item_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        item = await ctx.run(request, lambda st: save(st, server_id, body, item_id, actor_id=caller.user_id))
        return respond(render_item(item, kind, me(request, ctx.state(request), server_id)))

    async def delete_item(request: Request, server_id: str, item_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        await ctx.run(
            request,
            lambda st: items_backend.delete_item(st, server_id, kind, item_id, actor_id=caller.user_id),
        )
        return respond(None, 204)

    router.add_api_route(path, list_items, methods=["GET"])
    router.add_api_route(path, create_item, methods=["POST"])
    router.add_api_route(path + "/{item_id}", get_item, methods=["GET"])
    router.add_api_route(path + "/{item_id}", replace_item, methods=["PUT"])
    router.add_api_route(path + "/{item_id}", delete_item, methods=["DELETE"])
