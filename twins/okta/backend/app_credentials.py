"""OIDC apps as OAuth 2.0 clients: settings that must agree, client_id, secrets and JWKs.

The OAuth endpoints use `find_client`, `client_secret(s)` and `client_jwks` (re-exported by
backend/apps.py). Secrets live in the app document (`data["secrets"]`, newest first);
`credentials.oauthClient.client_secret` mirrors the newest ACTIVE one.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.common import now_iso
from twins.okta.errors import OktaError, not_found, validation

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
GRANT_TYPES = (
    "authorization_code",
    "implicit",
    "password",
    "refresh_token",
    "client_credentials",
    "interaction_code",
    DEVICE_CODE,
    TOKEN_EXCHANGE,
    "urn:ietf:params:oauth:grant-type:saml2-bearer",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:openid:params:grant-type:ciba",
)
REFRESHABLE = {"authorization_code", "password", "interaction_code", DEVICE_CODE, TOKEN_EXCHANGE}
APPLICATION_TYPES = ("web", "native", "browser", "service")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none")
SECRET_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt")
MAX_SECRETS = 2
MEDIATED = "OAuth2ClientSecretMediated"


def check_oidc(data: dict[str, Any]) -> None:
    """Grant types, response types, redirect URIs and the client authentication method agree."""
    settings = data["settings"]["oauthClient"]
    oauth = data["credentials"]["oauthClient"]
    app_type = settings.setdefault("application_type", "web")
    if app_type not in APPLICATION_TYPES:
        raise validation(
            "application_type", f"application_type: Must be one of {', '.join(APPLICATION_TYPES)}"
        )
    grants = settings.setdefault(
        "grant_types", ["client_credentials"] if app_type == "service" else ["authorization_code"]
    )
    if not isinstance(grants, list) or not grants or any(g not in GRANT_TYPES for g in grants):
        raise validation("grant_types", f"grant_types: Invalid grant types: {grants}")
    if app_type == "service" and any(g not in ("client_credentials", TOKEN_EXCHANGE) for g in grants):
        raise validation(
            "grant_types", "grant_types: Service apps support only the 'client_credentials' grant type."
        )
    if "refresh_token" in grants and not set(grants) & REFRESHABLE:
        raise validation("grant_types", "grant_types: 'refresh_token' must be used with another grant type.")
    redirects = settings.setdefault("redirect_uris", [])
    if not isinstance(redirects, list) or not all(isinstance(u, str) for u in redirects):
        raise validation("redirect_uris", "redirect_uris: Must be an array of URIs")
    if {"authorization_code", "implicit"} & set(grants) and not redirects:
        raise validation(
            "redirect_uris",
            "redirect_uris: 'redirect_uris' is required when 'grant_types' contains"
            " 'authorization_code' or 'implicit'.",
        )
    if not settings.get("response_types"):
        code = ["code"] if "authorization_code" in grants else []
        implicit = ["token", "id_token"] if "implicit" in grants else []
        settings["response_types"] = code + implicit or ["token"]
    method = oauth.setdefault(
        "token_endpoint_auth_method", "none" if app_type == "browser" else "client_secret_basic"
    )
    if method not in AUTH_METHODS:
        raise validation(
            "token_endpoint_auth_method",
            f"token_endpoint_auth_method: Must be one of {', '.join(AUTH_METHODS)}",
        )
    if method == "private_key_jwt":
        jwks = settings.get("jwks")
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        usable = isinstance(keys, list) and any(isinstance(k, dict) for k in keys)
        if not usable and not settings.get("jwks_uri"):
            raise validation(
                "jwks",
                "jwks: 'jwks' or 'jwks_uri' is required when 'token_endpoint_auth_method'"
                " is 'private_key_jwt'.",
            )
    if method in ("private_key_jwt", "none") and oauth.get("client_secret"):
        raise _secret_not_allowed(method)


def _secret_not_allowed(method: str) -> OktaError:
    return validation(
        "client_secret", f"'client_secret' can't be used when 'token_endpoint_auth_method' is '{method}'."
    )


def _secret_entry(state: TenantState, value: str, status: str = "ACTIVE") -> dict[str, Any]:
    now = now_iso(state)
    digest = hashlib.sha256(value.encode()).digest()[:16]
    return {
        "id": "ocs" + state.ids.chars("okta-client-secret", 17),
        "client_secret": value,
        "secret_hash": base64.urlsafe_b64encode(digest).decode().rstrip("="),
        "status": status,
        "created": now,
        "lastUpdated": now,
    }


def _check_secret(value: Any, method: str) -> str:
    field = "client_secret"
    if not isinstance(value, str):
        raise validation(field, "client_secret: The field must be a string")
    if any(not 0x20 <= ord(c) <= 0x7E for c in value):
        raise validation(
            field, "client_secret: ''client_secret'' must only contain printable ASCII: [x20-x7E]+"
        )
    minimum = 32 if method == "client_secret_jwt" else 14
    if len(value) < minimum:
        message = f"client_secret: 'client_secret' must be at least '{minimum}' characters long."
        if method == "client_secret_jwt":
            message = message[:-1] + " when 'token_endpoint_auth_method' is 'client_secret_jwt'."
        raise validation(field, message)
    if len(value) > 100:
        raise validation(field, "client_secret: 'client_secret' can't be more than '100' characters long.")
    return value


def setup_oauth(state: TenantState, app_id: str, data: dict[str, Any], old: Row | None) -> str:
    """client_id (default: the app id), secrets for confidential clients, JWK ids; the client_id.

    On replace (`old` given) the client_id and the secrets are kept; a new client_secret in the
    body becomes the ACTIVE secret and the previous one turns INACTIVE.
    """
    oauth = data["credentials"]["oauthClient"]
    client_id = str(old["client_id"]) if old and old["client_id"] else str(oauth.get("client_id") or app_id)
    if old is None:
        if len(client_id) < 6 or not re.fullmatch(r"[A-Za-z0-9._~-]+", client_id):
            raise validation("client_id", "client_id: Invalid client_id")
        if state["apps"].by("client_id", client_id) is not None:
            raise validation(
                "client_id", "client_id: An object with this field already exists in the current organization"
            )
    oauth["client_id"] = client_id
    oauth.setdefault("autoKeyRotation", True)
    app_type = data["settings"]["oauthClient"]["application_type"]
    oauth.setdefault("pkce_required", app_type in ("browser", "native"))
    method = oauth["token_endpoint_auth_method"]
    secrets = [dict(s) for s in (old["data"].get("secrets") or [])] if old else []
    given = oauth.pop("client_secret", None)
    if method in SECRET_METHODS:
        if given is not None and not any(s["client_secret"] == given for s in secrets):
            older = [{**s, "status": "INACTIVE"} for s in secrets][: MAX_SECRETS - 1]
            secrets = [_secret_entry(state, _check_secret(given, method)), *older]
        if not any(s["status"] == "ACTIVE" for s in secrets):
            secrets = [_secret_entry(state, state.ids.chars("client-secret", 64)), *secrets][:MAX_SECRETS]
    data["secrets"] = secrets
    _sync_secret(data)
    jwks = data["settings"]["oauthClient"].get("jwks")
    if isinstance(jwks, dict) and isinstance(jwks.get("keys"), list):
        jwks["keys"] = [_jwk(state, k) for k in jwks["keys"] if isinstance(k, dict)]
    return client_id


def _jwk(state: TenantState, key: dict[str, Any]) -> dict[str, Any]:
    """A registered client key gets an id and a status; `use` defaults to "sig" (Okta sends
    null, which the official SDK cannot deserialize)."""
    return {
        **key,
        "id": key.get("id") or "pks" + state.ids.chars("okta-client-key", 17),
        "status": key.get("status") or "ACTIVE",
        "use": key.get("use") or "sig",
    }


def _sync_secret(data: dict[str, Any]) -> None:
    """credentials.oauthClient.client_secret holds the newest ACTIVE secret (absent: none)."""
    oauth = data["credentials"]["oauthClient"]
    active = [s for s in data.get("secrets", []) if s["status"] == "ACTIVE"]
    if active:
        oauth["client_secret"] = active[0]["client_secret"]
    else:
        oauth.pop("client_secret", None)


# ---------------------------------------------------------------------------------------------
# For the OAuth 2.0 endpoints


def find_client(state: TenantState, client_id: str) -> Row | None:
    """The OIDC app whose client_id this is (any status; callers check ACTIVE)."""
    return state["apps"].by("client_id", client_id)


def client_secrets(app: Row) -> list[str]:
    """Every ACTIVE client secret, newest first (a client may authenticate with any of them)."""
    return [s["client_secret"] for s in app["data"].get("secrets", []) if s["status"] == "ACTIVE"]


def client_secret(app: Row) -> str | None:
    """The newest ACTIVE client secret; None for public and private_key_jwt clients."""
    secrets = client_secrets(app)
    return secrets[0] if secrets else None


def client_jwks(app: Row) -> dict[str, Any] | None:
    """The client's registered public keys ({"keys": [...]}, ACTIVE only), for private_key_jwt."""
    jwks = app["data"].get("settings", {}).get("oauthClient", {}).get("jwks")
    if not isinstance(jwks, dict):
        return None
    return {"keys": [k for k in jwks.get("keys", []) if k.get("status", "ACTIVE") == "ACTIVE"]}


# ---------------------------------------------------------------------------------------------
# /apps/{id}/credentials/secrets


def _oidc(app: Row) -> Row:
    if app["sign_on_mode"] != "OPENID_CONNECT":
        raise not_found(app["id"], "OAuth2Client")
    return app


def _secrets(app: Row) -> list[dict[str, Any]]:
    return [dict(s) for s in _oidc(app)["data"].get("secrets", [])]


def _save(state: TenantState, app: Row, secrets: list[dict[str, Any]]) -> None:
    data = copy.deepcopy(app["data"])
    data["secrets"] = secrets
    _sync_secret(data)
    state["apps"].update(app["id"], data=data, last_updated=now_iso(state))


def list_secrets(app: Row) -> list[dict[str, Any]]:
    return _secrets(app)


def get_secret(app: Row, secret_id: str) -> dict[str, Any]:
    for secret in _secrets(app):
        if secret["id"] == secret_id:
            return secret
    raise not_found(secret_id, "OAuth2ClientSecret")


def create_secret(
    state: TenantState, app: Row, body: Mapping[str, Any], *, actor_id: str | None
) -> dict[str, Any]:
    """A new secret (system-generated unless client_secret is given); at most two per client."""
    secrets = _secrets(app)
    method = app["data"]["credentials"]["oauthClient"].get("token_endpoint_auth_method", "")
    if "client_secret" in body and method in ("private_key_jwt", "none"):
        raise _secret_not_allowed(method)
    if len(secrets) >= MAX_SECRETS:
        raise validation(MEDIATED, "You've reached the maximum number of client secrets per client.")
    status = body.get("status", "ACTIVE")
    if status not in ("ACTIVE", "INACTIVE"):
        raise validation("status", "status: Must be ACTIVE or INACTIVE")
    if "client_secret" in body:
        value = _check_secret(body["client_secret"], method)
    else:
        value = state.ids.chars("client-secret", 64)
    entry = _secret_entry(state, value, status)
    _save(state, app, [entry, *secrets])
    logs.emit(
        state,
        "app.oauth2.client.secret.add",
        "Add client secret",
        actor_id=actor_id,
        targets=[logs.target(app, "AppInstance")],
    )
    return entry


def set_secret_status(
    state: TenantState, app: Row, secret_id: str, status: str, *, actor_id: str | None
) -> dict[str, Any]:
    """Activate or deactivate a secret; the only ACTIVE secret cannot be deactivated."""
    target = get_secret(app, secret_id)
    secrets = _secrets(app)
    only_active = sum(s["status"] == "ACTIVE" for s in secrets) == 1
    if status == "INACTIVE" and target["status"] == "ACTIVE" and only_active:
        raise validation(MEDIATED, "You can't deactivate the only active client secret.")
    if target["status"] == status:
        return target
    target.update(status=status, lastUpdated=now_iso(state))
    _save(state, app, [target if s["id"] == secret_id else s for s in secrets])
    return target


def delete_secret(state: TenantState, app: Row, secret_id: str, *, actor_id: str | None) -> None:
    """Only an INACTIVE secret can be deleted."""
    if get_secret(app, secret_id)["status"] == "ACTIVE":
        raise validation(
            MEDIATED, "You can't delete an active client secret. Deactivate the secret before deleting it."
        )
    _save(state, app, [s for s in _secrets(app) if s["id"] != secret_id])
