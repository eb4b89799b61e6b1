"""Shared helpers of the OAuth/OIDC tests: key sets, PKCE, sign-in and client set-up."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CALLBACK = "http://127.0.0.1:8400/callback"
WEB_SCOPES = "openid profile email offline_access"


async def jwks(url: str) -> KeySet:
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    return KeySet.import_key_set(response.json())


async def verify(token: str, keys_url: str) -> dict[str, Any]:
    """The claims of `token`, whose signature must verify with the published keys."""
    key_set = await jwks(keys_url)
    header = jwt.decode(token, key_set, algorithms=["RS256"]).header
    assert header["alg"] == "RS256" and header["kid"] in {k.kid for k in key_set.keys}
    return dict(jwt.decode(token, key_set, algorithms=["RS256"]).claims)


def client_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "client-key-1", "use": "sig", "alg": "RS256"})


async def private_key_client(client: httpx.AsyncClient, key: RSAKey, label: str = "Robot") -> str:
    """A service app authenticating with private_key_jwt (its JWKS holds `key`); its client_id."""
    body = {
        "name": "oidc_client",
        "label": label,
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "private_key_jwt"}},
        "settings": {
            "oauthClient": {
                "grant_types": ["client_credentials"],
                "response_types": ["token"],
                "application_type": "service",
                "jwks": {"keys": [key.as_dict(private=False)]},
            }
        },
    }
    response = await client.post("/api/v1/apps", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["credentials"]["oauthClient"]["client_id"])


async def add_scope(client: httpx.AsyncClient, name: str, server: str = "default") -> None:
    response = await client.post(
        f"/api/v1/authorizationServers/{server}/scopes", json={"name": name, "metadataPublish": "ALL_CLIENTS"}
    )
    assert response.status_code == 201, response.text


def pkce() -> tuple[str, str]:
    verifier = generate_token(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def web_client(creds: dict[str, Any], scope: str = WEB_SCOPES) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        creds["web_app_client_id"],
        creds["web_app_client_secret"],
        scope=scope,
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )


async def sign_in_code(
    org_url: str, creds: dict[str, Any], *, server: str = "default", scope: str = WEB_SCOPES, **extra: str
) -> tuple[dict[str, Any], str]:
    """Run /authorize with twin_login and exchange the code with authlib: (token, verifier)."""
    base = f"{org_url}/oauth2/{server}/v1" if server != "org" else f"{org_url}/oauth2/v1"
    async with web_client(creds, scope) as oauth:
        verifier = generate_token(48)
        url, _ = oauth.create_authorization_url(f"{base}/authorize", code_verifier=verifier, nonce="n-0S6")
        url += "&" + urlencode({"twin_login": creds["admin_login"], **extra})
        async with httpx.AsyncClient() as http:
            response = await http.get(url)
        assert response.status_code == 302, response.text
        token = await oauth.fetch_token(
            f"{base}/token", authorization_response=response.headers["location"], code_verifier=verifier
        )
    return dict(token), verifier
