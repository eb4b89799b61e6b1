"""OAuth 2.0 of the org and custom authorization servers: scopes and policies, and the /token
grants (client_credentials, authorization_code with PKCE, refresh_token). Client
authentication and OAuthError live in oauth_clients.py (re-exported here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import tokens
from twins.okta.backend import authserver_policies as policies
from twins.okta.backend.authserver_items import OIDC_SCOPES
from twins.okta.backend.oauth_clients import (
    OAuthError,
    active_client,
    authenticate_client,
    event,
    oauth_settings,
    resolve,
    scope_list,
)
from twins.okta.tokens import Issuer

__all__ = ["OAuthError", "active_client", "authenticate_client", "oauth_settings", "resolve", "scope_list"]

GRANTS = ("authorization_code", "client_credentials", "refresh_token")
NO_POLICY = "Policy evaluation failed for this request, please check the policy configurations."
UNCONFIGURED_SCOPES = "One or more scopes are not configured for the authorization server resource."
NO_DEFAULT_SCOPES = (
    "The authorization server resource does not have any configured default scopes, 'scope' must be provided."
)


# --- scopes and policies ------------------------------------------------------------------------
def check_scopes(iss: Issuer, scopes: list[str], *, redirect: bool = False) -> list[str]:
    """Requested scopes (or the server's default scopes) that this server knows."""
    if iss.row is None:
        if not scopes:
            raise OAuthError("invalid_scope", "No scopes were requested.", redirect=redirect)
        if any(s not in OIDC_SCOPES and not s.startswith("okta.") for s in scopes):
            raise OAuthError(
                "invalid_scope", "Custom scopes are not allowed for this request", redirect=redirect
            )
        return scopes
    known = {s["name"]: s for s in iss.row["data"]["scopes"]}
    if not scopes:
        scopes = [name for name, s in known.items() if s.get("default")]
        if not scopes:
            raise OAuthError("invalid_scope", NO_DEFAULT_SCOPES, redirect=redirect)
    if any(s not in known for s in scopes):
        raise OAuthError("invalid_scope", UNCONFIGURED_SCOPES, redirect=redirect)
    return scopes


def token_policy(
    state: TenantState,
    iss: Issuer,
    app: Row,
    grant: str,
    scopes: list[str],
    user_id: str | None,
    *,
    redirect: bool = False,
) -> dict[str, Any]:
    """Token lifetimes (minutes) from the matching policy rule; the org server's are fixed."""
    if iss.row is None:
        return dict(policies.TOKEN_DEFAULTS)
    actions = policies.evaluate(
        state, iss.row, client_id=str(app["client_id"]), grant_type=grant, scopes=scopes, user_id=user_id
    )
    if actions is None:
        raise OAuthError("access_denied", NO_POLICY, redirect=redirect)
    return actions


def _check_grant(app: Row, grant: str) -> None:
    configured = oauth_settings(app)[1].get("grant_types") or []
    if grant not in configured:
        raise OAuthError(
            "unauthorized_client",
            "The client is not authorized to use the provided grant type. "
            f"Configured grant types: [{', '.join(configured)}].",
        )


# --- /token -------------------------------------------------------------------------------------
def token(state: TenantState, iss: Issuer, form: dict[str, str], authorization: str) -> dict[str, Any]:
    """POST /token: client_credentials, authorization_code (PKCE) and refresh_token."""
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "The `grant_type` parameter is required.")
    app, method = authenticate_client(state, form, authorization, iss.url("token"))
    if grant not in GRANTS:
        raise OAuthError("unsupported_grant_type", "The grant type in the request isn't supported.")
    _check_grant(app, grant)
    if grant == "client_credentials":
        return _client_credentials(state, iss, app, method, scope_list(form.get("scope")))
    if grant == "authorization_code":
        return _authorization_code(state, iss, app, form)
    return _refresh(state, iss, app, form)


def _client_credentials(
    state: TenantState, iss: Issuer, app: Row, method: str, scopes: list[str]
) -> dict[str, Any]:
    if iss.org and method != "private_key_jwt":
        raise OAuthError(
            "invalid_client",
            "Client Credentials requests to the Org Authorization Server must use the private_key_jwt "
            "token_endpoint_auth_method.",
            401,
        )
    oidc = [s for s in scopes if s in OIDC_SCOPES]
    if oidc:
        raise OAuthError("invalid_scope", f"Cannot request '{oidc[0]}' scopes using client credentials")
    scopes = check_scopes(iss, scopes)
    ttl = (
        int(token_policy(state, iss, app, "client_credentials", scopes, None)["accessTokenLifetimeMinutes"])
        * 60
    )
    extra = tokens.custom_claims(state, iss.row, "RESOURCE", None, scopes)
    access, _ = tokens.access_token(
        state,
        iss,
        client_id=str(app["client_id"]),
        user=None,
        scopes=scopes,
        ttl=ttl,
        auth_time=None,
        extra=extra,
    )
    event(
        state,
        iss,
        "token.grant.access_token",
        app,
        None,
        grantType="client_credentials",
        grantedScopes=" ".join(scopes),
    )
    return {"token_type": "Bearer", "expires_in": ttl, "access_token": access, "scope": " ".join(scopes)}


def _live(state: TenantState, value: str | None, kind: str, iss: Issuer) -> Row | None:
    row = state["tokens"].get(value) if value else None
    if row is None or row["kind"] != kind or row["revoked"] or row["server_id"] != iss.server_id:
        return None
    return row if row["expires_at"] > state.clock.now() else None


def _active_user(state: TenantState, user_id: str | None) -> Row | None:
    user = state["users"].get(user_id) if user_id else None
    return user if user is not None and user["status"] == "ACTIVE" else None


def _authorization_code(state: TenantState, iss: Issuer, app: Row, form: dict[str, str]) -> dict[str, Any]:
    row = _live(state, form.get("code"), "authorization_code", iss)
    if row is None:
        raise OAuthError("invalid_grant", "The authorization code is invalid or has expired.")
    state["tokens"].delete(row["id"])  # single use
    data = row["data"]
    if row["client_id"] != app["client_id"]:
        raise OAuthError(
            "invalid_grant",
            "The grant was issued to another client. Ensure that the `client_id` "
            "matches the one used at the authorize request.",
        )
    if form.get("redirect_uri") != data["redirect_uri"]:
        raise OAuthError(
            "invalid_grant",
            "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
        )
    challenge = data.get("code_challenge")
    if challenge:
        verifier = form.get("code_verifier")
        if not verifier:
            raise OAuthError("invalid_request", "PKCE verification failed: the `code_verifier` is required.")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not hmac.compare_digest(digest, challenge):
            raise OAuthError("invalid_grant", "PKCE verification failed.")
    user = _active_user(state, row["user_id"])
    if user is None:
        raise OAuthError("invalid_grant", "The authorization code is invalid or has expired.")
    return _user_tokens(
        state,
        iss,
        app,
        user,
        list(row["scopes"]),
        "authorization_code",
        auth_time=int(data["auth_time"]),
        nonce=data.get("nonce"),
    )


def _user_tokens(
    state: TenantState,
    iss: Issuer,
    app: Row,
    user: Row,
    scopes: list[str],
    grant: str,
    *,
    auth_time: int,
    nonce: str | None,
    refresh: Row | None = None,
) -> dict[str, Any]:
    actions = token_policy(state, iss, app, grant, scopes, user["id"])
    ttl = int(actions["accessTokenLifetimeMinutes"]) * 60
    client_id = str(app["client_id"])
    grants = oauth_settings(app)[1].get("grant_types") or []
    if refresh is None and "offline_access" in scopes and "refresh_token" in grants:
        refresh = _new_refresh(state, iss, app, user, scopes, grant, auth_time, actions)
    extra = tokens.custom_claims(state, iss.row, "RESOURCE", user, scopes)
    access, _ = tokens.access_token(
        state,
        iss,
        client_id=client_id,
        user=user,
        scopes=scopes,
        ttl=ttl,
        auth_time=auth_time,
        extra=extra,
        refresh_id=refresh["id"] if refresh else None,
    )
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": ttl,
        "access_token": access,
        "scope": " ".join(scopes),
    }
    if refresh is not None:
        body["refresh_token"] = refresh["id"]
    event(state, iss, "token.grant.access_token", app, user, grantType=grant, grantedScopes=body["scope"])
    if "openid" in scopes:
        identity = tokens.identity_claims(iss.row, user, scopes)
        identity.update(tokens.custom_claims(state, iss.row, "IDENTITY", user, scopes))
        body["id_token"] = tokens.id_token(
            state,
            iss,
            client_id=client_id,
            user=user,
            identity=identity,
            auth_time=auth_time,
            nonce=nonce,
            access=access,
        )
        event(state, iss, "token.grant.id_token", app, user, grantType=grant)
    return body


def _new_refresh(
    state: TenantState,
    iss: Issuer,
    app: Row,
    user: Row,
    scopes: list[str],
    grant: str,
    auth_time: int,
    actions: dict[str, Any],
) -> Row:
    now = state.clock.now()
    lifetime = int(actions.get("refreshTokenLifetimeMinutes") or 0) * 60
    window = int(actions.get("refreshTokenWindowMinutes") or 10080) * 60
    end = now + lifetime if lifetime else None
    row = state["tokens"].insert(
        {
            "id": tokens.random_token(state, "okta-rt"),
            "kind": "refresh_token",
            "server_id": iss.server_id,
            "client_id": app["client_id"],
            "user_id": user["id"],
            "scopes": list(scopes),
            "expires_at": min(now + window, end) if end else now + window,
            "data": {
                "iat": int(now),
                "auth_time": auth_time,
                "grant": grant,
                "lifetime_end": end,
                "window": window,
            },
        }
    )
    event(state, iss, "token.grant.refresh_token", app, user, grantType=grant)
    return row


def _rotates(app: Row) -> bool:
    creds, settings = oauth_settings(app)
    default = "ROTATE" if creds.get("token_endpoint_auth_method") == "none" else "STATIC"
    return ((settings.get("refresh_token") or {}).get("rotation_type") or default) == "ROTATE"


def _refresh(state: TenantState, iss: Issuer, app: Row, form: dict[str, str]) -> dict[str, Any]:
    row = _live(state, form.get("refresh_token"), "refresh_token", iss)
    user = _active_user(state, row["user_id"]) if row else None
    if row is None or user is None or row["client_id"] != app["client_id"]:
        raise OAuthError("invalid_grant", "The refresh token is invalid or expired.")
    scopes = scope_list(form.get("scope")) or list(row["scopes"])
    if not set(scopes) <= set(row["scopes"]):
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed.")
    data = row["data"]
    now = state.clock.now()
    end = data.get("lifetime_end")
    if _rotates(app):
        state["tokens"].update(row["id"], revoked=True, data={**data, "rotated": True})
        actions = token_policy(state, iss, app, data["grant"], list(row["scopes"]), user["id"])
        row = _new_refresh(
            state, iss, app, user, list(row["scopes"]), data["grant"], data["auth_time"], actions
        )
        state["tokens"].update(
            row["id"],
            data={**row["data"], "lifetime_end": end},
            expires_at=min(now + data["window"], end) if end else now + data["window"],
        )
    else:
        expires = min(now + data["window"], end) if end else now + data["window"]
        row = state["tokens"].update(row["id"], expires_at=expires)
    return _user_tokens(
        state,
        iss,
        app,
        user,
        scopes,
        data["grant"],
        auth_time=int(data["auth_time"]),
        nonce=None,
        refresh=row,
    )
