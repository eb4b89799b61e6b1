"""/api/v1/meta/schemas/user and /api/v1/meta/types/user: the user profile schema and the default type."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins.okta.backend import schema as backend
from twins.okta.common import authenticate, base_url, read_json, respond
from twins.okta.errors import not_found


def _schema_exists(state: TenantState, schema_id: str) -> None:
    if schema_id not in ("default", state.meta.get("schema_id")):
        raise not_found(schema_id, "UserSchema")


def build_router(_ctx: TwinContext) -> APIRouter:
    router = APIRouter()

    @router.get("/api/v1/meta/schemas/user/{schema_id}")
    async def get_user_schema(schema_id: str, request: Request) -> Response:
        ctx, _caller = authenticate(request, "okta.schemas.read")
        state = ctx.state(request)
        _schema_exists(state, schema_id)
        return respond(backend.user_schema(state, base_url(request)))

    @router.post("/api/v1/meta/schemas/user/{schema_id}")
    async def update_user_schema(schema_id: str, request: Request) -> Response:
        ctx, caller = authenticate(request, "okta.schemas.manage")
        _schema_exists(ctx.state(request), schema_id)
        body = await read_json(request)
        await ctx.run(request, lambda st: backend.update_user_schema(st, body, actor_id=caller.user_id))
        return respond(backend.user_schema(ctx.state(request), base_url(request)))

    @router.get("/api/v1/meta/types/user")
    async def list_user_types(request: Request) -> Response:
        ctx, _caller = authenticate(request, "okta.userTypes.read")
        return respond([backend.user_type(ctx.state(request), base_url(request))])

    @router.get("/api/v1/meta/types/user/{type_id}")
    async def get_user_type(type_id: str, request: Request) -> Response:
        ctx, _caller = authenticate(request, "okta.userTypes.read")
        state = ctx.state(request)
        if type_id not in ("default", state.meta.get("user_type_id")):
            raise not_found(type_id, "UserType")
        return respond(backend.user_type(state, base_url(request)))

    return router
