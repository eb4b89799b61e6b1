"""What every OAuth endpoint needs first: Okta's OAuth errors, the authorization server the
path names, the client app, and client authentication (client_secret_basic/post/jwt,
private_key_jwt with single-use jti, none)."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any
from urllib.parse import unquote

from twins._runtime.collection import Row, TenantState
from twins.okta import keys, logs, tokens
from twins.okta.backend import apps, authservers
from twins.okta.errors import not_found
from twins.okta.tokens import Issuer

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
BAD_CLIENT = "Client authentication failed. Either the client or the client credentials are invalid."
MULTIPLE_CREDENTIALS = (
    "Can't supply multiple client credentials. Use one of the following: credentials in the Authorization "
    "header, credentials in the post body, or a `client_assertion` in the post body."
)


class OAuthError(Exception):
    """An OAuth error: `error`, `error_description`, HTTP status; `redirect` for /authorize."""

    def __init__(self, error: str, description: str, status: int = 400, *, redirect: bool = False) -> None:
        super().__init__(description)
        self.error, self.description, self.status, self.redirect = error, description, status, redirect


def resolve(state: TenantState, server: str | None, base: str) -> Issuer:
    """The org server (None), or an ACTIVE custom server by id or "default"; else 404 E0000007."""
    if server is None:
        return Issuer(keys.ORG, None, base)
    row = authservers.find_server(state, server)
    if row is None or row["status"] != "ACTIVE":
        raise not_found(server, "AuthorizationServer")
    return Issuer(row["id"], authservers.path_id(row), base, row)


def active_client(state: TenantState, client_id: Any) -> Row | None:
    app = apps.find_client(state, client_id) if isinstance(client_id, str) and client_id else None
    return app if app is not None and app["status"] == "ACTIVE" else None


def oauth_settings(app: Row) -> tuple[dict[str, Any], dict[str, Any]]:
    """(credentials.oauthClient, settings.oauthClient) of an OIDC app."""
    data = app["data"]
    return data["credentials"].get("oauthClient", {}), data["settings"].get("oauthClient", {})


def scope_list(value: Any) -> list[str]:
    return [s for s in value.split(" ") if s] if isinstance(value, str) else []


def event(
    state: TenantState, iss: Issuer, kind: str, app: Row | None, user: Row | None, **debug: Any
) -> None:
    name = f"app.oauth2.{kind}" if iss.org else f"app.oauth2.as.{kind}"
    targets = [logs.target(app, "AppInstance")] if app else []
    extra = {"authorizationServer": iss.server_id, **{k: v for k, v in debug.items() if v is not None}}
    logs.emit(
        state,
        name,
        f"OAuth2 {kind.replace('.', ' ')}",
        actor_id=user["id"] if user else None,
        targets=targets,
        extra=extra,
    )


# --- client authentication ----------------------------------------------------------------------
def _basic(authorization: str) -> tuple[str, str] | None:
    if authorization[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "No client credentials found.", 401) from None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def authenticate_client(
    state: TenantState, form: dict[str, str], authorization: str, endpoint_url: str
) -> tuple[Row, str]:
    """The calling client and how it authenticated (client_secret_basic/post/jwt, private_key_jwt, none)."""
    basic = _basic(authorization)
    assertion = form.get("client_assertion")
    given = [basic is not None, "client_secret" in form, assertion is not None]
    if sum(given) > 1:
        raise OAuthError("invalid_request", MULTIPLE_CREDENTIALS)
    secret: str | None = None
    if basic is not None:
        client_id, secret, method = basic[0], basic[1], "client_secret_basic"
    elif "client_secret" in form:
        client_id, secret, method = form.get("client_id", ""), form["client_secret"], "client_secret_post"
    elif assertion is not None:
        if form.get("client_assertion_type") != JWT_BEARER:
            raise OAuthError("invalid_request", "The `client_assertion_type` is invalid.")
        claims = tokens.unverified_claims(assertion) or {}
        client_id = form.get("client_id") or str(claims.get("sub") or "")
        alg = (tokens.header(assertion) or {}).get("alg", "")
        method = "client_secret_jwt" if str(alg).startswith("HS") else "private_key_jwt"
    else:
        client_id, method = form.get("client_id", ""), "none"
        if not client_id:
            raise OAuthError("invalid_client", "No client credentials found.", 401)
    app = active_client(state, client_id)
    if app is None:
        raise OAuthError("invalid_client", "Invalid value for the `client_id` parameter", 401)
    configured = oauth_settings(app)[0].get("token_endpoint_auth_method", "client_secret_basic")
    if method in ("client_secret_basic", "client_secret_post"):  # either works for a secret client
        if configured not in ("client_secret_basic", "client_secret_post"):
            raise OAuthError("invalid_client", BAD_CLIENT, 401)
        if not any(hmac.compare_digest(secret or "", s) for s in apps.client_secrets(app)):
            raise OAuthError(
                "invalid_client", "The client secret supplied for a confidential client is invalid.", 401
            )
    elif method in ("client_secret_jwt", "private_key_jwt"):
        if method != configured:
            raise OAuthError("invalid_client", BAD_CLIENT, 401)
        _check_assertion(state, app, str(assertion), method, endpoint_url)
    elif configured != "none":
        raise OAuthError("invalid_client", BAD_CLIENT, 401)
    return app, method


def _check_assertion(state: TenantState, app: Row, assertion: str, method: str, audience: str) -> None:
    now = state.clock.now()
    secrets = apps.client_secrets(app)
    try:
        claims = tokens.verify_assertion(
            assertion,
            client_id=str(app["client_id"]),
            jwks=apps.client_jwks(app) if method == "private_key_jwt" else None,
            secret=secrets[0] if secrets and method == "client_secret_jwt" else None,
            audience=audience,
            now=now,
        )
    except tokens.InvalidAssertion as exc:
        raise OAuthError("invalid_client", str(exc), 401) from None
    key = f"jti:{app['client_id']}:{claims['jti']}"
    table = state["tokens"]
    for row in table.where("kind", "client_assertion"):
        if row["expires_at"] <= now:
            table.delete(row["id"])
    if table.get(key) is not None:
        raise OAuthError("invalid_client", "The client_assertion token has already been used.", 401)
    table.insert(
        {
            "id": key,
            "kind": "client_assertion",
            "client_id": app["client_id"],
            "expires_at": float(claims["exp"]),
            "data": {},
        }
    )
