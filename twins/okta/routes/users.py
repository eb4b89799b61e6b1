"""/api/v1/users: list and search, create, get by id or login, update, replace, delete, groups, app links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.context import TwinContext
from twins.okta import schemas, user_json
from twins.okta.backend import user_search
from twins.okta.backend import users as backend
from twins.okta.common import authenticate, base_url, page, read_json, respond, respond_encoded

READ = "okta.users.read"
MANAGE = "okta.users.manage"


def _flag(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("false", "0", "no")


def build_router(_ctx: TwinContext) -> APIRouter:
    router = APIRouter()

    @router.get("/api/v1/users")
    async def list_users(request: Request) -> Response:
        ctx, _caller = authenticate(request, READ)
        state, params = ctx.state(request), request.query_params
        rows = user_search.list_users(
            state,
            q=params.get("q"),
            filter_expr=params.get("filter"),
            search=params.get("search"),
            sort_by=params.get("sortBy"),
            sort_order=params.get("sortOrder"),
        )
        chunk, headers = page(request, rows, default_limit=10 if params.get("q") is not None else 200)
        return respond_encoded(user_json.users(state, chunk, base_url(request)), headers=headers)

    @router.post("/api/v1/users")
    async def create_user(request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        activate = _flag(request, "activate", True)
        provider = _flag(request, "provider", False)
        next_login = request.query_params.get("nextLogin")
        row = await ctx.run(
            request,
            lambda st: backend.create_user(
                st, body, activate=activate, provider=provider, next_login=next_login, actor_id=caller.user_id
            ),
        )
        return respond(schemas.user(row, base_url(request)))

    @router.get("/api/v1/users/{id_or_login}")
    async def get_user(id_or_login: str, request: Request) -> Response:
        ctx, caller = authenticate(request, READ)
        state = ctx.state(request)
        row = backend.get_user(state, id_or_login, caller_id=caller.user_id)
        return respond_encoded(user_json.user(state, row, base_url(request)))

    async def update(id_or_login: str, request: Request, *, replace: bool) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        target = caller.user_id if id_or_login == "me" else id_or_login
        strict = _flag(request, "strict", False)
        row = await ctx.run(
            request,
            lambda st: backend.update_user(
                st, target, body, replace=replace, strict=strict, actor_id=caller.user_id
            ),
        )
        return respond(schemas.user(row, base_url(request)))

    @router.post("/api/v1/users/{id_or_login}")
    async def update_user(id_or_login: str, request: Request) -> Response:
        return await update(id_or_login, request, replace=False)

    @router.put("/api/v1/users/{id_or_login}")
    async def replace_user(id_or_login: str, request: Request) -> Response:
        return await update(id_or_login, request, replace=True)

    @router.delete("/api/v1/users/{id_or_login}")
    async def delete_user(id_or_login: str, request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: backend.delete_user(st, id_or_login, actor_id=caller.user_id))
        return respond(None, 204)

    @router.get("/api/v1/users/{id_or_login}/groups")
    async def list_user_groups(id_or_login: str, request: Request) -> Response:
        ctx, caller = authenticate(request, READ)
        state = ctx.state(request)
        user = backend.get_user(state, id_or_login, caller_id=caller.user_id)
        base = base_url(request)
        return respond([schemas.group(g, base) for g in backend.user_groups(state, user)])

    @router.get("/api/v1/users/{id_or_login}/appLinks")
    async def list_app_links(id_or_login: str, request: Request) -> Response:
        ctx, caller = authenticate(request, READ)
        state = ctx.state(request)
        user = backend.get_user(state, id_or_login, caller_id=caller.user_id)
        return respond(backend.app_links(state, user, base_url(request)))

    return router
