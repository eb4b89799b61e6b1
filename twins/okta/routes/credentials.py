"""POST /api/v1/users/{id}/credentials/*: change/forgot password and the recovery question."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import Row
from twins._runtime.context import TwinContext
from twins.okta import schemas
from twins.okta.backend import credentials
from twins.okta.common import authenticate, base_url, read_json, respond
from twins.okta.routes.lifecycle import flag

SCOPE = "okta.users.manage"


def credentials_view(row: Row) -> dict[str, Any]:
    """UserCredentials as Okta returns them: no secrets, only the question."""
    view: dict[str, Any] = schemas.user(row, "")["credentials"]
    return view


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(prefix="/api/v1/users/{user_id}/credentials", tags=["okta-credentials"])

    @router.post("/change_password")
    async def change_password(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        body = await read_json(request)
        row = await ctx.run(
            request, lambda st: credentials.change_password(st, user_id, body, actor_id=caller.user_id)
        )
        return respond(credentials_view(row))

    @router.post("/change_recovery_question")
    async def change_recovery_question(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        body = await read_json(request)
        row = await ctx.run(
            request,
            lambda st: credentials.change_recovery_question(st, user_id, body, actor_id=caller.user_id),
        )
        return respond(credentials_view(row))

    @router.post("/forgot_password")
    async def forgot_password(request: Request, user_id: str) -> Response:
        """Bodyless: a reset link. With {password, recovery_question}: set the password."""
        ctx, caller = authenticate(request, SCOPE)
        body = await read_json(request, required=False)
        if "password" in body or "recovery_question" in body:
            row = await ctx.run(
                request,
                lambda st: credentials.forgot_password_set(st, user_id, body, actor_id=caller.user_id),
            )
            return respond(credentials_view(row))
        send_email, base = flag(request, "sendEmail", True), base_url(request)
        result = await ctx.run(
            request, lambda st: credentials.forgot_password(st, user_id, send_email=send_email, base=base)
        )
        return respond(result)

    @router.post("/forgot_password_recovery_question")
    async def forgot_password_recovery_question(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, SCOPE)
        body = await read_json(request)
        row = await ctx.run(
            request, lambda st: credentials.forgot_password_set(st, user_id, body, actor_id=caller.user_id)
        )
        return respond(credentials_view(row))

    return router
