"""OAuth 2.0 / OIDC endpoints of the org server (/oauth2/v1/…) and custom ones (/oauth2/{server}/v1/…).

/authorize (GET, and POST for the sign-in form), /token, /introspect, /revoke, /userinfo,
/logout. (The management API's check of their access tokens is `kit.OrgBearer`.)
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext, context_of
from twins.kit import runtime_of
from twins.okta.backend import oauth, oidc
from twins.okta.common import base_url, respond

SESSION_COOKIE = "sid"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
HIDDEN = ("username", "password", "sessionToken", "twin_login")
Handler = Callable[[Request, str | None], Awaitable[Response]]


async def form_of(request: Request) -> dict[str, str]:
    """The x-www-form-urlencoded body (the first value of each name)."""
    raw = (await request.body()).decode("utf-8", "replace")
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        out.setdefault(key, value)
    return out


def oauth_error(exc: oauth.OAuthError) -> Response:
    return respond({"error": exc.error, "error_description": exc.description}, exc.status, dict(NO_STORE))


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(doc, status_code=status, headers=dict(NO_STORE))


def login_page(action: str, params: dict[str, str], message: str | None, status: int) -> HTMLResponse:
    """The sign-in form: username and password, the OAuth parameters carried along hidden."""
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k not in HIDDEN
    )
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    username = html.escape(params.get("username") or params.get("login_hint") or "")
    form = (
        f'{error}<form method="post" action="{html.escape(action)}">{hidden}'
        f'<label>Username <input name="username" autocomplete="username" value="{username}"></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password"></label>'
        '<button type="submit">Sign In</button></form>'
    )
    return page("Sign In", form, status)


def redirect(target: str, mode: str, params: dict[str, str]) -> Response:
    """Send the client back to `target` with `params` by query, fragment or an auto-posted form."""
    if mode == "form_post":
        fields = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        body = (
            f'<form method="post" action="{html.escape(target)}">{fields}</form>'
            "<script>document.forms[0].submit()</script>"
        )
        return page("Redirecting", body)
    joiner = "#" if mode == "fragment" else ("&" if "?" in target else "?")
    return RedirectResponse(target + joiner + urlencode(params), status_code=302, headers=dict(NO_STORE))


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(tags=["oauth2"])

    def routes(path: str, methods: list[str], handler: Handler) -> None:
        async def org(request: Request) -> Response:
            return await handler(request, None)

        async def custom(request: Request, server: str) -> Response:
            return await handler(request, server)

        router.add_api_route(f"/oauth2/v1/{path}", org, methods=methods, include_in_schema=False)
        router.add_api_route(
            f"/oauth2/{{server}}/v1/{path}", custom, methods=methods, include_in_schema=False
        )

    async def run(request: Request, fn: Callable[[TenantState], Any]) -> Any:
        """A write on the request's tenant whose System Log events reach the event hooks."""
        twin = context_of(request)
        return await runtime_of(twin).write(twin.tenant_id(request), lambda st, _events: fn(st))

    async def authorize(request: Request, server: str | None) -> Response:
        # Credentials count only from the sign-in form's body, never from the query string.
        params = {k: v for k, v in request.query_params.items() if k not in ("username", "password")}
        if request.method == "POST":
            params.update(await form_of(request))
        base = base_url(request)
        cookie = request.cookies.get(SESSION_COOKIE)
        outcome: oidc.Outcome = await run(
            request, lambda st: oidc.authorize(st, oauth.resolve(st, server, base), params, cookie)
        )
        if outcome.kind == "page":
            return page("400 Bad Request", f"<p>{html.escape(outcome.message or '')}</p>", outcome.status)
        if outcome.kind == "login":
            return login_page(request.url.path, params, outcome.message, outcome.status)
        req = outcome.request
        response = redirect(str(req["redirect_uri"]), str(req["response_mode"]), outcome.params)
        if outcome.session_id:
            response.set_cookie(SESSION_COOKIE, outcome.session_id, path="/", httponly=True, samesite="lax")
        return response

    async def token(request: Request, server: str | None) -> Response:
        form = await form_of(request)
        auth, base = request.headers.get("authorization", ""), base_url(request)
        try:
            body = await run(request, lambda st: oauth.token(st, oauth.resolve(st, server, base), form, auth))
        except oauth.OAuthError as exc:
            return oauth_error(exc)
        return respond(body, headers=dict(NO_STORE))

    async def introspect(request: Request, server: str | None) -> Response:
        form = await form_of(request)
        auth, base = request.headers.get("authorization", ""), base_url(request)
        try:
            body = await run(
                request, lambda st: oidc.introspect(st, oauth.resolve(st, server, base), form, auth)
            )
        except oauth.OAuthError as exc:
            return oauth_error(exc)
        return respond(body, headers=dict(NO_STORE))

    async def revoke(request: Request, server: str | None) -> Response:
        form = await form_of(request)
        auth, base = request.headers.get("authorization", ""), base_url(request)
        try:
            await run(request, lambda st: oidc.revoke(st, oauth.resolve(st, server, base), form, auth))
        except oauth.OAuthError as exc:
            return oauth_error(exc)
        return Response(status_code=200, headers=dict(NO_STORE))

    async def userinfo(request: Request, server: str | None) -> Response:
        state = ctx.state(request)
        iss = oauth.resolve(state, server, base_url(request))
        try:
            claims = oidc.userinfo(state, iss, request.headers.get("authorization", ""))
        except oauth.OAuthError as exc:
            challenge = (
                f'Bearer authorization_uri="{iss.url("authorize")}", realm="{iss.issuer}", '
                f'scope="openid", error="{exc.error}", error_description="{exc.description}", '
                f'resource="{request.url.path}"'
            )
            return Response(status_code=exc.status, headers={"WWW-Authenticate": challenge, **NO_STORE})
        return respond(claims, headers=dict(NO_STORE))

    async def logout(request: Request, server: str | None) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(await form_of(request))
        base, cookie = base_url(request), request.cookies.get(SESSION_COOKIE)
        try:
            target = await run(
                request, lambda st: oidc.logout(st, oauth.resolve(st, server, base), params, cookie)
            )
        except oauth.OAuthError as exc:
            return page("400 Bad Request", f"<p>{html.escape(exc.description)}</p>", 400)
        response: Response = (
            RedirectResponse(target, status_code=302)
            if target
            else page("Signed out", "<p>You have been signed out.</p>")
        )
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    routes("authorize", ["GET", "POST"], authorize)
    routes("token", ["POST"], token)
    routes("introspect", ["POST"], introspect)
    routes("revoke", ["POST"], revoke)
    routes("userinfo", ["GET", "POST"], userinfo)
    routes("logout", ["GET", "POST"], logout)
    return router
