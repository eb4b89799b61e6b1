"""OAuth 2.0 / OIDC endpoints of the org server (/oauth2/v1/…) and custom ones (/oauth2/{server}/v1/…),
as kit operations: /authorize (GET, and POST for the sign-in form), /token, /introspect, /revoke,
/userinfo, /logout. Form bodies; errors in OAuth's `{"error", "error_description"}` (an unknown
server in Okta's own body); HTML pages, redirects and the session cookie as replies of their own.
(The management API's check of their access tokens is `kit.OrgBearer`.)
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import Response

from twins._runtime.collection import TenantState
from twins.kit import Call, Registry, Reply
from twins.okta.backend import oauth, oidc
from twins.okta.kit import OAUTH_STYLE
from twins.okta.tokens import Issuer

SESSION_COOKIE = "sid"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
HIDDEN = ("username", "password", "sessionToken", "twin_login")
HTML_TYPE = "text/html; charset=utf-8"
PREFIXES = ("/oauth2/v1", "/oauth2/{server}/v1")
ops = Registry(auth=None, tags=("oauth2",), prefixes=PREFIXES, style=OAUTH_STYLE)


def form(call: Call) -> dict[str, str]:
    """The form body's text values."""
    return {k: v for k, v in call.body.items() if isinstance(v, str)}


def issuer(call: Call) -> Issuer:
    """The org server, or the ACTIVE custom server the path names (else 404 E0000007)."""
    return oauth.resolve(call.state, call.path.get("server"), call.base_url)


def refused(exc: oauth.OAuthError) -> Exception:
    """An OAuth error as the endpoint answers it (the write it happened in is undone)."""
    return OAUTH_STYLE.error(exc.error, exc.description, status=exc.status, headers=dict(NO_STORE))


def page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    doc = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Reply(doc.encode(), status, {"Content-Type": HTML_TYPE, **NO_STORE, **(headers or {})})


def login_page(action: str, params: dict[str, str], message: str | None, status: int) -> Reply:
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


def cookie(value: str | None) -> dict[str, str]:
    """The Set-Cookie header of the session cookie (None: deleting it), as Starlette writes it."""
    response = Response()
    if value is None:
        response.delete_cookie(SESSION_COOKIE, path="/")
    else:
        response.set_cookie(SESSION_COOKIE, value, path="/", httponly=True, samesite="lax")
    return {"Set-Cookie": response.headers["set-cookie"]}


def location(target: str, headers: dict[str, str] | None = None) -> Reply:
    """A 302 to `target` (quoted as Starlette's RedirectResponse does)."""
    url = quote(target, safe=":/%#?=@[]!$&'()*+,;")
    return Reply(None, 302, {"Location": url, **(headers or {})})


def redirect(target: str, mode: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
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
        return page("Redirecting", body, headers=headers)
    joiner = "#" if mode == "fragment" else ("&" if "?" in target else "?")
    return location(target + joiner + urlencode(params), {**NO_STORE, **headers})


def authorize(call: Call) -> Reply:
    """Sign the user in (the form, or the session cookie) and redirect with a code or an error."""
    # Credentials count only from the sign-in form's body, never from the query string.
    params = {k: v for k, v in call.args.items() if k not in ("username", "password")}
    if call.op.method == "POST":
        params.update(form(call))
    outcome = oidc.authorize(call.state, issuer(call), params, call.cookie(SESSION_COOKIE))
    if outcome.kind == "page":
        return page("400 Bad Request", f"<p>{html.escape(outcome.message or '')}</p>", outcome.status)
    if outcome.kind == "login":
        return login_page(call.url_path, params, outcome.message, outcome.status)
    req = outcome.request
    headers = cookie(outcome.session_id) if outcome.session_id else {}
    return redirect(str(req["redirect_uri"]), str(req["response_mode"]), outcome.params, headers)


ops.operation("GET", "/authorize", write=True)(authorize)
ops.operation("POST", "/authorize", write=True, body="form")(authorize)


def client_call(call: Call, endpoint: Callable[[TenantState, Issuer, dict[str, str], str], Any]) -> Any:
    """An endpoint a client calls with its form and credentials (token, introspect, revoke), with
    OAuth's error answer for what it refuses."""
    try:
        return endpoint(call.state, issuer(call), form(call), call.headers.get("authorization", ""))
    except oauth.OAuthError as exc:
        raise refused(exc) from None


@ops.operation("POST", "/token", write=True, body="form")
def token(call: Call) -> Reply:
    """Tokens for a grant (authorization_code, refresh_token, client_credentials, password, …)."""
    return Reply(client_call(call, oauth.token), headers=NO_STORE)


@ops.operation("POST", "/introspect", write=True, body="form")
def introspect(call: Call) -> Reply:
    """Whether a token is active, and its claims."""
    return Reply(client_call(call, oidc.introspect), headers=NO_STORE)


@ops.operation("POST", "/revoke", write=True, body="form")
def revoke(call: Call) -> Reply:
    """Revoke an access or refresh token."""
    client_call(call, oidc.revoke)
    return Reply(None, 200, NO_STORE)


def userinfo(call: Call) -> Reply:
    """The signed-in user's claims, for an access token with `openid`."""
    iss = issuer(call)
    try:
        claims = oidc.userinfo(call.state, iss, call.headers.get("authorization", ""))
    except oauth.OAuthError as exc:
        challenge = (
            f'Bearer authorization_uri="{iss.url("authorize")}", realm="{iss.issuer}", '
            f'scope="openid", error="{exc.error}", error_description="{exc.description}", '
            f'resource="{call.url_path}"'
        )
        return Reply(None, exc.status, {"WWW-Authenticate": challenge, **NO_STORE})
    return Reply(claims, headers=NO_STORE)


ops.operation("GET", "/userinfo")(userinfo)
ops.operation("POST", "/userinfo", body="none")(userinfo)


def logout(call: Call) -> Reply:
    """End the Okta session; redirect to the post_logout_redirect_uri, if any."""
    params = dict(call.args.items())
    if call.op.method == "POST":
        params.update(form(call))
    try:
        target = oidc.logout(call.state, issuer(call), params, call.cookie(SESSION_COOKIE))
    except oauth.OAuthError as exc:
        return page("400 Bad Request", f"<p>{html.escape(exc.description)}</p>", 400)
    if target:
        return location(target, cookie(None))
    return page("Signed out", "<p>You have been signed out.</p>", headers=cookie(None))


ops.operation("GET", "/logout", write=True)(logout)
ops.operation("POST", "/logout", write=True, body="form")(logout)
