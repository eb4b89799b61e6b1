"""/api/v1/sessions: exchange a sessionToken, read, refresh and end sessions; clear a user's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext, context_of
from twins.okta import logs
from twins.okta.backend import authn
from twins.okta.common import authenticate, base_url, read_json, respond
from twins.okta.routes.lifecycle import flag


def session_view(row: Row, state: TenantState, base: str) -> dict[str, Any]:
    """The Session object, with the org as the OKTA identity provider."""
    href = f"{base}/api/v1/sessions/{row['id']}"
    user = state["users"].get(row["user_id"])
    return {
        "id": row["id"],
        "userId": row["user_id"],
        "login": row["login"],
        "createdAt": row["created"],
        "expiresAt": row["expires_at"],
        "status": row["status"],
        "lastPasswordVerification": row["last_password_verification"],
        "lastFactorVerification": None,
        "amr": ["pwd"],
        "idp": {"id": state.meta.get("org", {}).get("id", ""), "type": "OKTA"},
        "mfaActive": False,
        "_links": {
            "self": {"href": href, "hints": {"allow": ["GET", "DELETE"]}},
            "refresh": {"href": f"{href}/lifecycle/refresh", "hints": {"allow": ["POST"]}},
            "user": {
                "name": logs.display_name(user, "User") if user else "",
                "href": f"{base}/api/v1/users/{row['user_id']}",
                "hints": {"allow": ["GET"]},
            },
        },
    }


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(tags=["okta-sessions"])

    @router.post("/api/v1/sessions")
    async def create_session(request: Request) -> Response:
        """Anonymous: the sessionToken is the proof of authentication."""
        ctx = context_of(request)
        body = await read_json(request)
        token = body.get("sessionToken")
        row = await ctx.run(request, lambda st: authn.create_session(st, token))
        return respond(session_view(row, ctx.state(request), base_url(request)))

    @router.get("/api/v1/sessions/{session_id}")
    async def get_session(request: Request, session_id: str) -> Response:
        ctx, _ = authenticate(request, "okta.sessions.read")
        state = ctx.state(request)
        return respond(session_view(authn.get_session(state, session_id), state, base_url(request)))

    @router.post("/api/v1/sessions/{session_id}/lifecycle/refresh")
    async def refresh_session(request: Request, session_id: str) -> Response:
        ctx, _ = authenticate(request, "okta.sessions.manage")
        row = await ctx.run(request, lambda st: authn.refresh_session(st, session_id))
        return respond(session_view(row, ctx.state(request), base_url(request)))

    @router.delete("/api/v1/sessions/{session_id}")
    async def revoke_session(request: Request, session_id: str) -> Response:
        ctx, caller = authenticate(request, "okta.sessions.manage")
        await ctx.run(request, lambda st: authn.revoke_session(st, session_id, actor_id=caller.user_id))
        return respond(None, 204)

    @router.delete("/api/v1/users/{user_id}/sessions")
    async def revoke_user_sessions(request: Request, user_id: str) -> Response:
        ctx, caller = authenticate(request, "okta.users.manage")
        oauth_tokens = flag(request, "oauthTokens", False)
        await ctx.run(
            request,
            lambda st: authn.revoke_user_sessions(
                st, user_id, oauth_tokens=oauth_tokens, actor_id=caller.user_id
            ),
        )
        return respond(None, 204)

    return router
