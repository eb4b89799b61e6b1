"""OpenID Connect around the tokens: /authorize (sign-in, authorization codes), /introspect,
/revoke, /userinfo, /logout, and the Bearer check of the management API.

Sign-in at /authorize: the username/password form (primary authentication of the authn
backend, with its lockout and System Log events), a `sessionToken` from /api/v1/authn, the
Okta session cookie `sid`, or `twin_login=<login>` (a test shortcut, on unless the tenant's
meta `twin_login` is false). Each creates an Okta session like /api/v1/sessions does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import keys, logs, tokens
from twins.okta.backend import authn
from twins.okta.backend.oauth import (
    OAuthError,
    active_client,
    authenticate_client,
    check_scopes,
    oauth_settings,
    scope_list,
    token_policy,
)
from twins.okta.common import iso, parse_iso
from twins.okta.errors import OktaError
from twins.okta.tokens import Issuer

CODE_TTL = 300  # authorization codes live 5 minutes of tenant time
RESPONSE_MODES = ("query", "fragment", "form_post")
PROMPTS = ({"none"}, {"login"}, {"consent"}, {"login", "consent"})
NEED_OPENID = "Requests for ID tokens or access tokens with OpenID scopes require the `openid` scope."


@dataclass
class Outcome:
    """What /authorize answers: the sign-in form, a redirect with a code or an error, or an error page."""

    kind: str  # "login" | "redirect" | "page"
    request: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # code/state or error/error_description/state
    session_id: str | None = None
    message: str | None = None
    status: int = 200


# --- /authorize ---------------------------------------------------------------------------------
def authorize_request(
    state: TenantState, iss: Issuer, params: Mapping[str, str]
) -> tuple[Row, dict[str, Any]]:
    """Validate the request; errors before the redirect_uri is known are not redirected."""
    app = active_client(state, params.get("client_id"))
    if app is None:
        raise OAuthError("invalid_client", "Invalid value for 'client_id' parameter.")
    creds, settings = oauth_settings(app)
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in (settings.get("redirect_uris") or []):
        raise OAuthError(
            "invalid_request",
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
        )
    request: dict[str, Any] = {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "state": params.get("state"),
        "response_mode": params.get("response_mode") or "query",
    }
    if request["response_mode"] not in RESPONSE_MODES:
        request["response_mode"] = "query"
        raise OAuthError(
            "unsupported_response_mode",
            "The response mode isn't supported by the authorization "
            "server. Valid response modes: [`query`, `fragment`, `form_post`].",
            redirect=True,
        )
    if params.get("response_type") != "code":
        raise OAuthError(
            "unsupported_response_type",
            "The response type contained in the request isn't supported.",
            redirect=True,
        )
    grants = settings.get("grant_types") or []
    if "authorization_code" not in grants:
        raise OAuthError(
            "unauthorized_client",
            "The client is not authorized to use the provided grant type. "
            f"Configured grant types: [{', '.join(grants)}].",
            redirect=True,
        )
    scopes = check_scopes(iss, scope_list(params.get("scope")), redirect=True)
    if "openid" not in scopes and {"profile", "email", "address", "phone"} & set(scopes):
        raise OAuthError("access_denied", NEED_OPENID, redirect=True)
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge:
        if method != "S256":
            raise OAuthError(
                "invalid_request", "The 'code_challenge_method' parameter must be 'S256'.", redirect=True
            )
        if not 43 <= len(challenge) <= 128:
            raise OAuthError(
                "invalid_request",
                "The 'code_challenge' parameter must be between 43 and 128 characters long.",
                redirect=True,
            )
    elif creds.get("token_endpoint_auth_method") == "none" or creds.get("pkce_required"):
        raise OAuthError(
            "invalid_request",
            "PKCE code challenge is required when the token endpoint authentication method is 'NONE'.",
            redirect=True,
        )
    prompt = set(scope_list(params.get("prompt")))
    if prompt and prompt not in PROMPTS:
        raise OAuthError("invalid_request", "The 'prompt' parameter is invalid.", redirect=True)
    request.update(scopes=scopes, code_challenge=challenge, nonce=params.get("nonce"), prompt=sorted(prompt))
    return app, request


def live_session(state: TenantState, session_id: str | None) -> tuple[Row, Row] | None:
    """The ACTIVE, unexpired Okta session and its ACTIVE user."""
    row = state["sessions"].get(session_id) if session_id else None
    expires = parse_iso(row["expires_at"]) if row else None
    if row is None or row["status"] != "ACTIVE" or expires is None or expires <= state.clock.now():
        return None
    user = state["users"].get(row["user_id"])
    return (row, user) if user is not None and user["status"] == "ACTIVE" else None


def _session_from_token(state: TenantState, session_token: str) -> Row | None:
    try:
        return authn.create_session(state, session_token)
    except OktaError:
        return None


def sign_in(state: TenantState, params: Mapping[str, str]) -> tuple[Row | None, str | None]:
    """A new Okta session from the form, a sessionToken or twin_login; or an error message."""
    if "username" in params or "password" in params:
        result = authn.primary_authn(state, params.get("username", ""), params.get("password", ""))
        if result.status == "SUCCESS" and result.token:
            return _session_from_token(state, result.token), None
        if result.status == "LOCKED_OUT":
            return None, "Your account is locked. Contact your administrator."
        if result.status == "PASSWORD_EXPIRED":
            return None, "Your password has expired. Change it at /api/v1/authn first."
        return None, "Unable to sign in"
    if params.get("sessionToken"):
        return _session_from_token(state, params["sessionToken"]), None
    login = params.get("twin_login")
    if login and state.meta.get("twin_login", True):
        user = authn.find_by_username(state, login) or state["users"].get(login)
        if user is not None and user["status"] == "ACTIVE":
            token, _ = authn.issue_session_token(state, user)
            logs.emit(
                state,
                "user.session.start",
                "User login to Okta",
                actor_id=user["id"],
                extra={"requestUri": "/oauth2/v1/authorize", "twinLogin": True},
            )
            return _session_from_token(state, token), None
    return None, None


def authorize(
    state: TenantState, iss: Issuer, params: Mapping[str, str], cookie_session: str | None
) -> Outcome:
    """GET/POST /authorize: sign the user in (or find the session) and issue a code."""
    try:
        app, request = authorize_request(state, iss, params)
    except OAuthError as exc:
        if not exc.redirect:
            return Outcome("page", message=exc.description, status=400)
        request = {
            "redirect_uri": params.get("redirect_uri"),
            "state": params.get("state"),
            "response_mode": params.get("response_mode")
            if params.get("response_mode") in RESPONSE_MODES
            else "query",
        }
        return Outcome("redirect", request, _error_params(exc, request))
    session, message = sign_in(state, params)
    found = live_session(state, session["id"]) if session else None
    if found is None and "login" not in request["prompt"] and not message:
        found = live_session(state, cookie_session)
    if found is None:
        if "none" in request["prompt"]:
            required = OAuthError(
                "login_required", "The client specified not to prompt, but the user is not logged in."
            )
            return Outcome("redirect", request, _error_params(required, request))
        return Outcome("login", request, message=message, status=401 if message else 200)
    session, user = found
    auth_time = int(parse_iso(session["created"]) or state.clock.now())
    try:
        code = issue_code(state, iss, app, user, request, auth_time)
    except OAuthError as exc:
        return Outcome("redirect", request, _error_params(exc, request), session_id=session["id"])
    params_out = {"code": code}
    if request.get("state") is not None:
        params_out["state"] = request["state"]
    return Outcome("redirect", request, params_out, session_id=session["id"])


def _error_params(exc: OAuthError, request: dict[str, Any]) -> dict[str, str]:
    out = {"error": exc.error, "error_description": exc.description}
    if request.get("state") is not None:
        out["state"] = str(request["state"])
    return out


def issue_code(
    state: TenantState, iss: Issuer, app: Row, user: Row, request: dict[str, Any], auth_time: int
) -> str:
    """An authorization code for a signed-in, assigned user whom the policy lets through."""
    from twins.okta.backend import apps

    if not apps.is_assigned(state, str(app["id"]), str(user["id"])):
        raise OAuthError("access_denied", "User is not assigned to the client application.", redirect=True)
    scopes = list(request["scopes"])
    token_policy(state, iss, app, "authorization_code", scopes, user["id"], redirect=True)
    now = state.clock.now()
    table = state["tokens"]
    for old in table.where("kind", "authorization_code"):
        if old["expires_at"] <= now:
            table.delete(old["id"])
    code = tokens.random_token(state, "okta-code")
    table.insert(
        {
            "id": code,
            "kind": "authorization_code",
            "server_id": iss.server_id,
            "client_id": app["client_id"],
            "user_id": user["id"],
            "scopes": scopes,
            "expires_at": now + CODE_TTL,
            "data": {
                "redirect_uri": request["redirect_uri"],
                "code_challenge": request.get("code_challenge"),
                "nonce": request.get("nonce"),
                "auth_time": auth_time,
            },
        }
    )
    logs.emit(
        state,
        "user.authentication.sso",
        f"User single sign on to app {app['label']}",
        actor_id=user["id"],
        targets=[logs.target(app, "AppInstance")],
    )
    kind = "app.oauth2.authorize.code" if iss.org else "app.oauth2.as.authorize.code"
    logs.emit(
        state,
        kind,
        "OAuth2 authorize code",
        actor_id=user["id"],
        targets=[logs.target(app, "AppInstance")],
        extra={"authorizationServer": iss.server_id, "requestedScopes": " ".join(scopes)},
    )
    return code


# --- /introspect and /revoke --------------------------------------------------------------------
def _token_row(state: TenantState, iss: Issuer, value: str) -> tuple[Row | None, dict[str, Any] | None]:
    """The stored access or refresh token `value` names (claims too for a JWT), for this server."""
    claims = tokens.read(state, iss.server_id, value)
    row = state["tokens"].get(claims.get("jti")) if claims else state["tokens"].get(value)
    if (
        row is None
        or row["server_id"] != iss.server_id
        or row["kind"] not in ("access_token", "refresh_token")
    ):
        return None, claims
    return row, claims


def introspect(state: TenantState, iss: Issuer, form: dict[str, str], authorization: str) -> dict[str, Any]:
    app, _ = authenticate_client(state, form, authorization, iss.url("introspect"))
    value = form.get("token")
    if not value:
        raise OAuthError("invalid_request", "The `token` parameter is required.")
    now = state.clock.now()
    row, claims = _token_row(state, iss, value)
    if claims is not None and row is None and str(claims.get("jti", "")).startswith("ID."):
        if claims["exp"] <= now:
            return {"active": False}
        return {
            "active": True,
            **{k: claims[k] for k in ("iss", "aud", "sub", "exp", "iat", "jti") if k in claims},
        }
    if row is None or row["revoked"] or row["expires_at"] <= now:
        return {"active": False}
    if row["kind"] == "refresh_token" and row["client_id"] != app["client_id"]:
        return {"active": False}
    user = state["users"].get(row["user_id"]) if row["user_id"] else None
    login = user["profile"].get("login", user["login"]) if user else None
    out: dict[str, Any] = {
        "active": True,
        "token_type": "Bearer",
        "scope": " ".join(row["scopes"]),
        "client_id": row["client_id"],
    }
    if login:
        out["username"] = login
    data = row["data"]
    out.update(
        exp=int(row["expires_at"]),
        iat=int(data.get("iat", 0)),
        sub=data.get("sub", login or row["client_id"]),
        aud=data.get("aud", iss.audience),
        iss=data.get("iss", iss.issuer),
    )
    if row["kind"] == "access_token":
        out["jti"] = row["id"]
    if user:
        out["uid"] = user["id"]
    return out


def revoke(state: TenantState, iss: Issuer, form: dict[str, str], authorization: str) -> None:
    """Revoke an access or refresh token of this client (a refresh token takes its access tokens along)."""
    app, _ = authenticate_client(state, form, authorization, iss.url("revoke"))
    value = form.get("token")
    if not value:
        raise OAuthError("invalid_request", "The `token` parameter is required.")
    row, _ = _token_row(state, iss, value)
    if row is None or row["revoked"] or row["client_id"] != app["client_id"]:
        return  # unknown and foreign tokens: 200 all the same (RFC 7009)
    table = state["tokens"]
    table.update(row["id"], revoked=True)
    if row["kind"] == "refresh_token":
        for access in table.where("kind", "access_token"):
            if access["data"].get("refresh_id") == row["id"] and not access["revoked"]:
                table.update(access["id"], revoked=True)
    kind = "app.oauth2.token.revoke" if iss.org else "app.oauth2.as.token.revoke"
    logs.emit(
        state,
        kind,
        "OAuth2 token revocation request",
        actor_id=row["user_id"],
        targets=[logs.target(app, "AppInstance")],
        extra={"tokenType": row["kind"]},
    )


# --- /userinfo, /logout, Bearer -----------------------------------------------------------------
def access_claims(state: TenantState, server_id: str, value: str) -> tuple[dict[str, Any], Row] | None:
    """The claims and row of a live (signed, unexpired, unrevoked) access token of the server."""
    claims = tokens.read(state, server_id, value, now=state.clock.now())
    row = state["tokens"].get(claims.get("jti")) if claims else None
    if claims is None or row is None or row["kind"] != "access_token" or row["revoked"]:
        return None
    return claims, row


def userinfo(state: TenantState, iss: Issuer, authorization: str) -> dict[str, Any]:
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError("invalid_request", "The access token is missing.", 401)
    found = access_claims(state, iss.server_id, value.strip())
    user = state["users"].get(found[1]["user_id"]) if found and found[1]["user_id"] else None
    if found is None or user is None or user["status"] != "ACTIVE":
        raise OAuthError("invalid_token", "The access token is invalid.", 401)
    scopes = list(found[0].get("scp") or [])
    if "openid" not in scopes:
        raise OAuthError(
            "insufficient_scope",
            "The access token must provide access to at least one of these scopes - openid",
            403,
        )
    claims = {"sub": user["id"], **tokens.user_claims(user, scopes)}
    claims.update(tokens.custom_claims(state, iss.row, "IDENTITY", user, scopes))
    return claims


def logout(
    state: TenantState, iss: Issuer, params: Mapping[str, str], cookie_session: str | None
) -> str | None:
    """End the Okta session; the post_logout_redirect_uri (with state) to go to, if any."""
    hint = params.get("id_token_hint")
    if not hint:
        raise OAuthError("invalid_request", "The 'id_token_hint' parameter is required.")
    claims = tokens.read(state, iss.server_id, hint)  # an expired ID token is still a valid hint
    app = active_client(state, claims.get("aud")) if claims else None
    if claims is None or app is None:
        raise OAuthError("invalid_request", "The 'id_token_hint' parameter is not a valid ID token.")
    target = params.get("post_logout_redirect_uri")
    if target and target not in (oauth_settings(app)[1].get("post_logout_redirect_uris") or []):
        raise OAuthError(
            "invalid_request",
            "The 'post_logout_redirect_uri' parameter must be a Logout redirect "
            "URI in the client app settings.",
        )
    found = live_session(state, cookie_session)
    if found is not None and found[1]["id"] == claims.get("sub"):
        state["sessions"].delete(found[0]["id"])
        logs.emit(
            state,
            "user.session.end",
            "User logout from Okta",
            actor_id=found[1]["id"],
            extra={"requestUri": iss.url("logout"), "sessionEnded": iso(state.clock.now())},
        )
    if not target:
        return None
    if params.get("state") is not None:
        from urllib.parse import urlencode

        target += ("&" if "?" in target else "?") + urlencode({"state": params["state"]})
    return target


def management_caller(state: TenantState, value: str) -> tuple[str, tuple[str, ...]] | None:
    """(user id, or the client id of a service app; scopes) of an org-server access token."""
    found = access_claims(state, keys.ORG, value)
    if found is None:
        return None
    claims, row = found
    scopes = claims.get("scp") or []
    return str(row["user_id"] or row["client_id"]), tuple(s for s in scopes if isinstance(s, str))
