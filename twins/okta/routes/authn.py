"""POST /api/v1/authn (no API token needed): primary authentication and its transactions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import Row
from twins._runtime.context import TwinContext, context_of
from twins.okta.backend import authn
from twins.okta.backend.authn import AuthnResult
from twins.okta.common import base_url, iso, read_json, respond

COMPLEXITY = {"minLength": 8, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1, "minSymbol": 0}


def _post(href: str, name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name} if name else {}
    out.update({"href": href, "hints": {"allow": ["POST"]}})
    return out


def embedded_user(user: Row) -> dict[str, Any]:
    profile = user["profile"]
    return {
        "id": user["id"],
        "passwordChanged": user["password_changed"],
        "profile": {
            "login": profile.get("login", user["login"]),
            "firstName": profile.get("firstName"),
            "lastName": profile.get("lastName"),
            "locale": profile.get("locale") or "en_US",
            "timeZone": profile.get("timeZone") or "America/Los_Angeles",
        },
    }


def transaction(result: AuthnResult, base: str) -> dict[str, Any]:
    """The Authentication Transaction object for a SUCCESS, PASSWORD_EXPIRED or LOCKED_OUT state."""
    api = f"{base}/api/v1/authn"
    if result.status == "LOCKED_OUT":
        return {"status": "LOCKED_OUT", "_links": {"next": _post(f"{api}/recovery/unlock", "unlock")}}
    assert result.user is not None and result.expires_at is not None
    expires = iso(result.expires_at)
    user = embedded_user(result.user)
    if result.status == "PASSWORD_EXPIRED":
        return {
            "stateToken": result.token,
            "expiresAt": expires,
            "status": "PASSWORD_EXPIRED",
            "_embedded": {"user": user, "policy": {"complexity": dict(COMPLEXITY)}},
            "_links": {
                "next": _post(f"{api}/credentials/change_password", "changePassword"),
                "cancel": _post(f"{api}/cancel"),
            },
        }
    return {
        "expiresAt": expires,
        "status": "SUCCESS",
        "sessionToken": result.token,
        "_embedded": {"user": user},
    }


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(prefix="/api/v1/authn", tags=["okta-authn"])

    @router.post("")
    async def primary(request: Request) -> Response:
        ctx = context_of(request)
        body = await read_json(request)
        username, password = body.get("username"), body.get("password")
        result = await ctx.run(request, lambda st: authn.primary_authn(st, username, password))
        if result.error is not None:
            raise result.error
        return respond(transaction(result, base_url(request)))

    @router.post("/credentials/change_password")
    async def change_password(request: Request) -> Response:
        ctx = context_of(request)
        body = await read_json(request)
        result = await ctx.run(
            request,
            lambda st: authn.change_expired_password(
                st, body.get("stateToken"), body.get("oldPassword"), body.get("newPassword")
            ),
        )
        return respond(transaction(result, base_url(request)))

    @router.post("/cancel")
    async def cancel(request: Request) -> Response:
        ctx = context_of(request)
        body = await read_json(request)
        await ctx.run(request, lambda st: authn.cancel(st, body.get("stateToken")))
        return respond({})

    return router
