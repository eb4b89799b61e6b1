"""POST /api/v1/users/{id}/lifecycle/*: bodyless status transitions (octet-stream, length 0)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.context import TwinContext
from twins.okta import schemas
from twins.okta.backend import lifecycle
from twins.okta.common import authenticate, base_url, respond

SCOPE = "okta.users.manage"


def flag(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter as the SDK sends it (`true`/`false`)."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() == "true" if default is False else value.strip().lower() != "false"


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(prefix="/api/v1/users/{user_id}/lifecycle", tags=["okta-lifecycle"])

    @router.post("/activate")
    async def activate(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        send_email, base = flag(request, "sendEmail", True), base_url(request)
        result = await ctx.run(
            request,
            lambda st: lifecycle.activate(
                st, user_id, send_email=send_email, base=base, actor_id=caller.user_id
            ),
        )
        return respond(result)

    @router.post("/reactivate")
    async def reactivate(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        send_email, base = flag(request, "sendEmail", False), base_url(request)
        result = await ctx.run(
            request,
            lambda st: lifecycle.reactivate(
                st, user_id, send_email=send_email, base=base, actor_id=caller.user_id
            ),
        )
        return respond(result)

    @router.post("/deactivate")
    async def deactivate(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        await ctx.run(request, lambda st: lifecycle.deactivate(st, user_id, actor_id=caller.user_id))
        return respond({})

    @router.post("/suspend")
    async def suspend(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        await ctx.run(request, lambda st: lifecycle.suspend(st, user_id, actor_id=caller.user_id))
        return respond({})

    @router.post("/unsuspend")
    async def unsuspend(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        await ctx.run(request, lambda st: lifecycle.unsuspend(st, user_id, actor_id=caller.user_id))
        return respond({})

    @router.post("/unlock")
    async def unlock(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        await ctx.run(request, lambda st: lifecycle.unlock(st, user_id, actor_id=caller.user_id))
        return respond({})

    @router.post("/reset_password")
    async def reset_password(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        send_email, base = flag(request, "sendEmail", True), base_url(request)
        revoke = flag(request, "revokeSessions", False)
        result = await ctx.run(
            request,
            lambda st: lifecycle.reset_password(
                st, user_id, send_email=send_email, revoke_sessions=revoke, base=base, actor_id=caller.user_id
            ),
        )
        return respond(result)

    @router.post("/expire_password")
    async def expire_password(request: Request, user_id: str) -> Response:
        """The User, or {tempPassword} with `?tempPassword=true`."""
        ctx, caller = authenticate(request, SCOPE)
        temp = flag(request, "tempPassword", False)
        row, password = await ctx.run(
            request, lambda st: lifecycle.expire_password(st, user_id, temp=temp, actor_id=caller.user_id)
        )
        if password is not None:
            return respond({"tempPassword": password})
        return respond(schemas.user(row, base_url(request)))

    @router.post("/expire_password_with_temp_password")
    async def expire_with_temp(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        revoke = flag(request, "revokeSessions", False)
        _, password = await ctx.run(
            request,
            lambda st: lifecycle.expire_password(
                st, user_id, temp=True, revoke_sessions=revoke, actor_id=caller.user_id
            ),
        )
        return respond({"tempPassword": password})

    return router
