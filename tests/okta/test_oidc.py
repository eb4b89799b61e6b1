"""OAuth 2.0 / OIDC flows against the twin over real HTTP with a standard client (authlib).

Every token is checked against the key set fetched from the server's /keys over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from twins._runtime.collection import TenantState
from twins.okta.seed import DEFAULT_PASSWORD

CALLBACK = "http://127.0.0.1:8400/callback"
WEB_SCOPES = "openid profile email offline_access"


def org(app: FastAPI) -> TenantState:
    ctx = app.state.twin
    state: TenantState = ctx.store.get(ctx.settings.default_tenant)
    return state


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


# --- discovery ----------------------------------------------------------------------------------
async def test_discovery_documents_of_org_default_and_custom_servers(
    org_url: str, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient() as http:
        org_doc = (await http.get(f"{org_url}/.well-known/openid-configuration")).json()
        default = (await http.get(f"{org_url}/oauth2/default/.well-known/openid-configuration")).json()
        oauth_doc = (
            await http.get(f"{org_url}/oauth2/default/.well-known/oauth-authorization-server")
        ).json()
        org_oauth = (await http.get(f"{org_url}/.well-known/oauth-authorization-server")).json()
        missing = await http.get(f"{org_url}/oauth2/ausNope/.well-known/openid-configuration")
    assert org_doc["issuer"] == org_url and org_doc["token_endpoint"] == f"{org_url}/oauth2/v1/token"
    assert (
        org_doc["jwks_uri"] == f"{org_url}/oauth2/v1/keys"
        and "okta.users.read" in org_doc["scopes_supported"]
    )
    assert org_oauth["issuer"] == org_url and "userinfo_endpoint" not in org_oauth
    assert default["issuer"] == f"{org_url}/oauth2/default"
    for name in ("authorize", "token", "userinfo", "introspect", "revoke", "logout", "keys"):
        key = {"keys": "jwks_uri", "logout": "end_session_endpoint"}.get(name, f"{name}_endpoint")
        if name == "authorize":
            key = "authorization_endpoint"
        if name in ("introspect", "revoke"):
            key = {"introspect": "introspection_endpoint", "revoke": "revocation_endpoint"}[name]
        assert default[key] == f"{org_url}/oauth2/default/v1/{name}"
    assert default["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
        "none",
    ]
    assert default["code_challenge_methods_supported"] == ["S256"]
    assert default["scopes_supported"] == [
        "openid",
        "profile",
        "email",
        "address",
        "phone",
        "offline_access",
        "device_sso",
    ]
    assert (
        "client_credentials" in oauth_doc["grant_types_supported"] and "cid" in oauth_doc["claims_supported"]
    )
    assert missing.status_code == 404 and missing.json()["errorCode"] == "E0000007"


async def test_key_sets_publish_active_and_next_keys(org_url: str, okta_app: FastAPI) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{org_url}/oauth2/default/v1/keys")
        org_keys = (await http.get(f"{org_url}/oauth2/v1/keys")).json()["keys"]
    keys = response.json()["keys"]
    state = org(okta_app)
    statuses = {k["kid"]: state["keys"].get(k["kid"])["status"] for k in keys}  # type: ignore[index]
    assert sorted(statuses.values()) == ["ACTIVE", "NEXT"]
    assert all(set(k) == {"kty", "alg", "kid", "use", "e", "n"} and k["alg"] == "RS256" for k in keys)
    assert "max-age" in response.headers["cache-control"]
    assert len(org_keys) == 2 and not {k["kid"] for k in org_keys} & set(statuses)


# --- client credentials -------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_client_credentials_with_a_client_secret(
    org_url: str, creds: dict[str, Any], client: httpx.AsyncClient, method: str
) -> None:
    await add_scope(client, "inventory:read")
    async with AsyncOAuth2Client(
        creds["service_app_client_id"],
        creds["service_app_client_secret"],
        scope="inventory:read",
        token_endpoint_auth_method=method,
    ) as oauth:
        token = await oauth.fetch_token(f"{org_url}/oauth2/default/v1/token", grant_type="client_credentials")
    assert (
        token["token_type"] == "Bearer" and token["expires_in"] == 3600 and token["scope"] == "inventory:read"
    )
    claims = await verify(token["access_token"], f"{org_url}/oauth2/default/v1/keys")
    assert list(claims) == ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "scp", "sub"]
    assert claims["ver"] == 1 and claims["jti"].startswith("AT.") and claims["aud"] == "api://default"
    assert claims["iss"] == f"{org_url}/oauth2/default" and claims["exp"] - claims["iat"] == 3600
    assert claims["cid"] == claims["sub"] == creds["service_app_client_id"] and claims["scp"] == [
        "inventory:read"
    ]


async def test_client_credentials_with_private_key_jwt(
    org_url: str, client: httpx.AsyncClient, okta_app: FastAPI
) -> None:
    await add_scope(client, "inventory:read")
    key = client_key()
    client_id = await private_key_client(client, key)
    token_url = f"{org_url}/oauth2/default/v1/token"
    pem = key.as_pem(private=True).decode()
    async with AsyncOAuth2Client(
        client_id, pem, scope="inventory:read", token_endpoint_auth_method=PrivateKeyJWT(token_url)
    ) as oauth:
        token = await oauth.fetch_token(token_url, grant_type="client_credentials")
    claims = await verify(token["access_token"], f"{org_url}/oauth2/default/v1/keys")
    assert claims["cid"] == client_id and claims["scp"] == ["inventory:read"]

    # The same assertion twice: the jti is single-use.
    now = int(org(okta_app).clock.now())
    claims_in = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": now,
        "exp": now + 300,
        "jti": "j-1",
    }
    assertion = jwt.encode({"alg": "RS256", "kid": "client-key-1"}, claims_in, key)
    form = {
        "grant_type": "client_credentials",
        "scope": "inventory:read",
        "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    async with httpx.AsyncClient() as http:
        first = await http.post(token_url, data=form)
        again = await http.post(token_url, data=form)
        wrong_aud = jwt.encode({"alg": "RS256"}, {**claims_in, "jti": "j-2", "aud": "https://elsewhere"}, key)
        bad_aud = await http.post(token_url, data={**form, "client_assertion": wrong_aud})
        other_key = jwt.encode({"alg": "RS256"}, {**claims_in, "jti": "j-3"}, client_key())
        bad_sig = await http.post(token_url, data={**form, "client_assertion": other_key})
    assert first.status_code == 200
    assert again.status_code == 401 and again.json()["error"] == "invalid_client"
    assert bad_aud.status_code == 401 and "aud" in bad_aud.json()["error_description"]
    assert bad_sig.status_code == 401 and bad_sig.json()["error_description"] == (
        "The client_assertion signature is invalid."
    )


async def test_client_credentials_errors(
    org_url: str, creds: dict[str, Any], client: httpx.AsyncClient
) -> None:
    await add_scope(client, "inventory:read")
    url = f"{org_url}/oauth2/default/v1/token"
    service = (creds["service_app_client_id"], creds["service_app_client_secret"])
    cc = {"grant_type": "client_credentials", "scope": "inventory:read"}
    async with httpx.AsyncClient() as http:
        cases = {
            "bad secret": await http.post(url, data=cc, auth=(service[0], "nope")),
            "no credentials": await http.post(url, data=cc),
            "unknown client": await http.post(url, data=cc, auth=("0oaUnknown000000000", "x")),
            "openid": await http.post(url, data={**cc, "scope": "openid"}, auth=service),
            "unknown scope": await http.post(url, data={**cc, "scope": "nope:read"}, auth=service),
            "no scope": await http.post(url, data={"grant_type": "client_credentials"}, auth=service),
            "not allowed": await http.post(
                url, data=cc, auth=(creds["web_app_client_id"], creds["web_app_client_secret"])
            ),
            "two credentials": await http.post(
                url, data={**cc, "client_id": service[0], "client_secret": service[1]}, auth=service
            ),
            "grant": await http.post(url, data={"grant_type": "password"}, auth=service),
            "org server": await http.post(
                f"{org_url}/oauth2/v1/token", data={**cc, "scope": "okta.users.read"}, auth=service
            ),
            "unknown server": await http.post(f"{org_url}/oauth2/ausNope/v1/token", data=cc, auth=service),
        }
    expected = {
        "bad secret": (
            401,
            "invalid_client",
            "The client secret supplied for a confidential client is invalid.",
        ),
        "no credentials": (401, "invalid_client", "No client credentials found."),
        "unknown client": (401, "invalid_client", None),
        "openid": (400, "invalid_scope", None),
        "unknown scope": (
            400,
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        ),
        "no scope": (400, "invalid_scope", None),
        "not allowed": (400, "unauthorized_client", None),
        "two credentials": (400, "invalid_request", None),
        "grant": (400, "unsupported_grant_type", None),
        "org server": (
            401,
            "invalid_client",
            "Client Credentials requests to the Org Authorization Server must "
            "use the private_key_jwt token_endpoint_auth_method.",
        ),
    }
    for name, (status, error, description) in expected.items():
        response = cases[name]
        assert response.status_code == status, name
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"error", "error_description"} and body["error"] == error, name
        if description:
            assert body["error_description"] == description, name
    assert (
        cases["unknown server"].status_code == 404
        and cases["unknown server"].json()["errorCode"] == "E0000007"
    )


# --- authorization code + PKCE ------------------------------------------------------------------
async def test_authorization_code_with_pkce_through_the_sign_in_form(
    org_url: str, creds: dict[str, Any], okta_app: FastAPI
) -> None:
    verifier, challenge = pkce()
    params = {
        "client_id": creds["web_app_client_id"],
        "response_type": "code",
        "scope": WEB_SCOPES,
        "redirect_uri": CALLBACK,
        "state": "st-1",
        "nonce": "nonce-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    authorize = f"{org_url}/oauth2/default/v1/authorize"
    async with httpx.AsyncClient() as browser:
        form = await browser.get(authorize, params=params)
        assert form.status_code == 200 and 'name="password"' in form.text and 'value="st-1"' in form.text
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.text))
        wrong = await browser.post(
            authorize, data={**fields, "username": creds["admin_login"], "password": "x"}
        )
        assert wrong.status_code == 401 and "Unable to sign in" in wrong.text
        signed = await browser.post(
            authorize, data={**fields, "username": creds["admin_login"], "password": DEFAULT_PASSWORD}
        )
        assert signed.status_code == 302 and browser.cookies.get("sid")
        location = signed.headers["location"]
        assert location.startswith(CALLBACK + "?") and query_of(location)["state"] == "st-1"
        # The Okta session signs the user in again without the form.
        again = await browser.get(authorize, params={**params, "state": "st-2"})
        assert again.status_code == 302 and query_of(again.headers["location"])["state"] == "st-2"

    async with web_client(creds) as oauth:
        token = await oauth.fetch_token(
            f"{org_url}/oauth2/default/v1/token", authorization_response=location, code_verifier=verifier
        )
    assert token["scope"] == WEB_SCOPES and token["refresh_token"]
    keys_url = f"{org_url}/oauth2/default/v1/keys"
    access = await verify(token["access_token"], keys_url)
    admin = org(okta_app)["users"].get(org(okta_app).meta["admin_user_id"])
    assert admin is not None
    assert list(access) == ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "auth_time", "sub"]
    assert access["uid"] == admin["id"] and access["sub"] == creds["admin_login"]
    assert access["scp"] == WEB_SCOPES.split() and access["cid"] == creds["web_app_client_id"]
    id_claims = await verify(token["id_token"], keys_url)
    assert list(id_claims) == [
        "sub",
        "name",
        "email",
        "ver",
        "iss",
        "aud",
        "iat",
        "exp",
        "jti",
        "amr",
        "idp",
        "nonce",
        "preferred_username",
        "auth_time",
        "at_hash",
    ]
    assert id_claims["sub"] == admin["id"] and id_claims["aud"] == creds["web_app_client_id"]
    assert id_claims["nonce"] == "nonce-1" and id_claims["jti"].startswith("ID.")
    assert (
        id_claims["email"] == admin["profile"]["email"]
        and id_claims["preferred_username"] == creds["admin_login"]
    )
    digest = hashlib.sha256(token["access_token"].encode()).digest()
    assert id_claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    assert id_claims["idp"] == org(okta_app).meta["org"]["id"] and id_claims["amr"] == ["pwd"]
    events = {e["event_type"] for e in org(okta_app)["log_events"]}
    assert {
        "user.session.start",
        "user.authentication.sso",
        "app.oauth2.as.authorize.code",
        "app.oauth2.as.token.grant.access_token",
        "app.oauth2.as.token.grant.id_token",
        "app.oauth2.as.token.grant.refresh_token",
    } <= events


async def test_authorization_code_with_a_session_token(org_url: str, creds: dict[str, Any]) -> None:
    async with httpx.AsyncClient() as http:
        authn = await http.post(
            f"{org_url}/api/v1/authn", json={"username": creds["admin_login"], "password": DEFAULT_PASSWORD}
        )
        if authn.status_code == 404:
            pytest.skip("/api/v1/authn is not served")
        session_token = authn.json()["sessionToken"]
        verifier, challenge = pkce()
        response = await http.get(
            f"{org_url}/oauth2/default/v1/authorize",
            params={
                "client_id": creds["web_app_client_id"],
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": CALLBACK,
                "state": "s",
                "sessionToken": session_token,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert response.status_code == 302
        code = query_of(response.headers["location"])["code"]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        }
        auth = (creds["web_app_client_id"], creds["web_app_client_secret"])
        token = await http.post(f"{org_url}/oauth2/default/v1/token", data=form, auth=auth)
        reused = await http.post(f"{org_url}/oauth2/default/v1/token", data=form, auth=auth)
    assert token.status_code == 200 and "id_token" in token.json() and "refresh_token" not in token.json()
    assert reused.status_code == 400 and reused.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code is invalid or has expired.",
    }


async def test_authorize_and_code_exchange_errors(org_url: str, creds: dict[str, Any]) -> None:
    verifier, challenge = pkce()
    good = {
        "client_id": creds["web_app_client_id"],
        "response_type": "code",
        "scope": "openid",
        "state": "s1",
        "redirect_uri": CALLBACK,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    authorize = f"{org_url}/oauth2/default/v1/authorize"
    async with httpx.AsyncClient() as http:
        bad_client = await http.get(authorize, params={**good, "client_id": "0oaNope000000000000"})
        bad_redirect = await http.get(authorize, params={**good, "redirect_uri": "https://evil.example/cb"})
        bad_type = await http.get(authorize, params={**good, "response_type": "token"})
        silent = await http.get(authorize, params={**good, "prompt": "none"})
        plain = await http.get(authorize, params={**good, "code_challenge_method": "plain"})
        custom = await http.get(
            f"{org_url}/oauth2/v1/authorize", params={**good, "scope": "openid inventory:x"}
        )
        signed = await http.get(authorize, params={**good, "twin_login": creds["admin_login"]})
        code = query_of(signed.headers["location"])["code"]
        auth = (creds["web_app_client_id"], creds["web_app_client_secret"])
        token_url = f"{org_url}/oauth2/default/v1/token"
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
        wrong_verifier = await http.post(token_url, data={**exchange, "code_verifier": "x" * 43}, auth=auth)
        signed = await http.get(authorize, params={**good, "twin_login": creds["admin_login"]})
        code = query_of(signed.headers["location"])["code"]
        wrong_redirect = await http.post(
            token_url,
            data={
                **exchange,
                "code": code,
                "redirect_uri": "http://localhost:8400/callback",
                "code_verifier": verifier,
            },
            auth=auth,
        )
    assert bad_client.status_code == 400 and "client_id" in bad_client.text
    assert bad_client.headers["content-type"].startswith("text/html")
    assert bad_redirect.status_code == 400 and "redirect_uri" in bad_redirect.text
    for response, error in (
        (bad_type, "unsupported_response_type"),
        (silent, "login_required"),
        (plain, "invalid_request"),
        (custom, "invalid_scope"),
    ):
        assert response.status_code == 302
        params = query_of(response.headers["location"])
        assert params["error"] == error and params["state"] == "s1" and params["error_description"]
    assert (
        query_of(custom.headers["location"])["error_description"]
        == "Custom scopes are not allowed for this request"
    )
    assert wrong_verifier.status_code == 400 and wrong_verifier.json()["error"] == "invalid_grant"
    assert wrong_redirect.status_code == 400 and "redirect_uri" in wrong_redirect.json()["error_description"]


async def test_a_user_not_assigned_to_the_app_is_refused(
    org_url: str, creds: dict[str, Any], okta_app: FastAPI
) -> None:
    state = org(okta_app)
    web_app = state["apps"].by("client_id", creds["web_app_client_id"])
    assert web_app is not None
    from twins.okta.backend import apps

    outsider = next(
        u
        for u in state["users"]
        if u["status"] == "ACTIVE" and not apps.is_assigned(state, web_app["id"], u["id"])
    )
    _, challenge = pkce()
    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"{org_url}/oauth2/default/v1/authorize",
            params={
                "client_id": creds["web_app_client_id"],
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": CALLBACK,
                "state": "s",
                "twin_login": outsider["login"],
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
    assert response.status_code == 302
    assert query_of(response.headers["location"])["error_description"] == (
        "User is not assigned to the client application."
    )


async def test_org_server_issues_tokens_for_the_org(org_url: str, creds: dict[str, Any]) -> None:
    token, _ = await sign_in_code(org_url, creds, server="org", scope="openid profile email")
    access = await verify(token["access_token"], f"{org_url}/oauth2/v1/keys")
    id_claims = await verify(token["id_token"], f"{org_url}/oauth2/v1/keys")
    assert access["iss"] == access["aud"] == org_url and id_claims["iss"] == org_url


async def test_twin_login_can_be_turned_off(org_url: str, creds: dict[str, Any]) -> None:
    _, challenge = pkce()
    params = {
        "client_id": creds["web_app_client_id"],
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": CALLBACK,
        "twin_login": creds["admin_login"],
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient() as http:
        off = await http.post(f"{org_url}/_twin/okta/oauth/settings", json={"twin_login": False})
        form = await http.get(f"{org_url}/oauth2/default/v1/authorize", params=params)
    assert off.json() == {"twin_login": False}
    assert form.status_code == 200 and 'name="password"' in form.text


# --- refresh, introspect, revoke, userinfo, logout ----------------------------------------------
async def test_refresh_tokens_static_and_rotating(
    org_url: str, creds: dict[str, Any], okta_app: FastAPI
) -> None:
    token, _ = await sign_in_code(org_url, creds)
    url = f"{org_url}/oauth2/default/v1/token"
    auth = (creds["web_app_client_id"], creds["web_app_client_secret"])
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    async with httpx.AsyncClient() as http:
        first = await http.post(url, data=refresh, auth=auth)
        second = await http.post(url, data={**refresh, "scope": "openid offline_access"}, auth=auth)
        wider = await http.post(url, data={**refresh, "scope": "openid phone"}, auth=auth)
    assert first.status_code == 200 and first.json()["refresh_token"] == token["refresh_token"]
    assert second.json()["scope"] == "openid offline_access" and "id_token" in second.json()
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    await verify(first.json()["access_token"], f"{org_url}/oauth2/default/v1/keys")

    state = org(okta_app)
    app = state["apps"].by("client_id", creds["web_app_client_id"])
    assert app is not None
    data = {
        **app["data"],
        "settings": {
            **app["data"]["settings"],
            "oauthClient": {
                **app["data"]["settings"]["oauthClient"],
                "refresh_token": {"rotation_type": "ROTATE", "leeway": 0},
            },
        },
    }
    await app_update(okta_app, app["id"], data)
    async with httpx.AsyncClient() as http:
        rotated = await http.post(url, data=refresh, auth=auth)
        old = await http.post(url, data=refresh, auth=auth)
        newer = await http.post(
            url, data={**refresh, "refresh_token": rotated.json()["refresh_token"]}, auth=auth
        )
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != token["refresh_token"]
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"
    assert newer.status_code == 200


async def app_update(okta_app: FastAPI, app_id: str, data: dict[str, Any]) -> None:
    await okta_app.state.twin.store.run("default", lambda st: st["apps"].update(app_id, data=data))


async def test_introspect_and_revoke(org_url: str, creds: dict[str, Any]) -> None:
    token, _ = await sign_in_code(org_url, creds)
    auth = (creds["web_app_client_id"], creds["web_app_client_secret"])
    base = f"{org_url}/oauth2/default/v1"
    async with httpx.AsyncClient() as http:
        active = (
            await http.post(f"{base}/introspect", data={"token": token["access_token"]}, auth=auth)
        ).json()
        refresh = (
            await http.post(
                f"{base}/introspect",
                data={"token": token["refresh_token"], "token_type_hint": "refresh_token"},
                auth=auth,
            )
        ).json()
        missing = await http.post(f"{base}/introspect", data={}, auth=auth)
        unauthenticated = await http.post(f"{base}/introspect", data={"token": token["access_token"]})
        revoked = await http.post(f"{base}/revoke", data={"token": token["refresh_token"]}, auth=auth)
        after_refresh = await http.post(
            f"{base}/introspect", data={"token": token["refresh_token"]}, auth=auth
        )
        after_access = await http.post(f"{base}/introspect", data={"token": token["access_token"]}, auth=auth)
        junk = await http.post(f"{base}/revoke", data={"token": "not-a-token"}, auth=auth)
    assert list(active) == [
        "active",
        "token_type",
        "scope",
        "client_id",
        "username",
        "exp",
        "iat",
        "sub",
        "aud",
        "iss",
        "jti",
        "uid",
    ]
    assert active["active"] is True and active["username"] == creds["admin_login"]
    assert (
        active["aud"] == "api://default" and active["scope"] == WEB_SCOPES and active["jti"].startswith("AT.")
    )
    assert refresh["active"] is True and refresh["client_id"] == creds["web_app_client_id"]
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert unauthenticated.status_code == 401
    assert revoked.status_code == 200 and revoked.content == b""
    assert after_refresh.json() == {"active": False} and after_access.json() == {"active": False}
    assert junk.status_code == 200


async def test_userinfo_by_scope_and_its_errors(
    org_url: str, creds: dict[str, Any], client: httpx.AsyncClient
) -> None:
    token, _ = await sign_in_code(org_url, creds, scope="openid email")
    url = f"{org_url}/oauth2/default/v1/userinfo"
    await add_scope(client, "inventory:read")
    async with AsyncOAuth2Client(
        creds["service_app_client_id"], creds["service_app_client_secret"], scope="inventory:read"
    ) as oauth:
        machine = await oauth.fetch_token(
            f"{org_url}/oauth2/default/v1/token", grant_type="client_credentials"
        )
    async with httpx.AsyncClient() as http:
        info = await http.get(url, headers={"Authorization": f"Bearer {token['access_token']}"})
        bad = await http.get(url, headers={"Authorization": "Bearer abc.def.ghi"})
        none = await http.get(url)
        no_openid = await http.get(url, headers={"Authorization": f"Bearer {machine['access_token']}"})
    assert info.status_code == 200
    body = info.json()
    assert set(body) == {"sub", "email", "email_verified"} and body["email_verified"] is True
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]
    assert none.status_code == 401 and "www-authenticate" in none.headers
    assert no_openid.status_code in (401, 403)


async def test_userinfo_with_profile_scope(org_url: str, creds: dict[str, Any], okta_app: FastAPI) -> None:
    token, _ = await sign_in_code(org_url, creds, scope="openid profile")
    async with httpx.AsyncClient() as http:
        info = (
            await http.get(
                f"{org_url}/oauth2/default/v1/userinfo",
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
        ).json()
    admin = org(okta_app)["users"].get(org(okta_app).meta["admin_user_id"])
    assert admin is not None
    assert info["sub"] == admin["id"] and info["preferred_username"] == creds["admin_login"]
    assert info["given_name"] == admin["profile"]["firstName"] and "email" not in info


async def test_logout_ends_the_session_and_redirects(org_url: str, creds: dict[str, Any]) -> None:
    _, challenge = pkce()
    params = {
        "client_id": creds["web_app_client_id"],
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": CALLBACK,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    authorize = f"{org_url}/oauth2/default/v1/authorize"
    token, _ = await sign_in_code(org_url, creds, scope="openid")
    async with httpx.AsyncClient() as browser:
        signed = await browser.get(authorize, params={**params, "twin_login": creds["admin_login"]})
        assert signed.status_code == 302 and browser.cookies.get("sid")
        bad = await browser.get(
            f"{org_url}/oauth2/default/v1/logout",
            params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
        )
        out = await browser.get(
            f"{org_url}/oauth2/default/v1/logout",
            params={
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": "http://127.0.0.1:8400/",
                "state": "bye",
            },
        )
        form = await browser.get(authorize, params=params)
    assert bad.status_code == 400
    assert out.status_code == 302 and out.headers["location"] == "http://127.0.0.1:8400/?state=bye"
    assert form.status_code == 200 and 'name="password"' in form.text


# --- keys -----------------------------------------------------------------------------------------
async def test_key_rotation_keeps_old_tokens_verifiable(
    org_url: str, creds: dict[str, Any], client: httpx.AsyncClient
) -> None:
    await add_scope(client, "inventory:read")
    keys_url = f"{org_url}/oauth2/default/v1/keys"

    async def fetch() -> dict[str, Any]:
        async with AsyncOAuth2Client(
            creds["service_app_client_id"], creds["service_app_client_secret"], scope="inventory:read"
        ) as oauth:
            return dict(
                await oauth.fetch_token(f"{org_url}/oauth2/default/v1/token", grant_type="client_credentials")
            )

    before = await fetch()
    old_kid = jwt.decode(before["access_token"], await jwks(keys_url)).header["kid"]
    async with httpx.AsyncClient() as http:
        listed = (
            await http.get(
                f"{org_url}/api/v1/authorizationServers/default/credentials/keys",
                headers={"Authorization": f"SSWS {creds['api_token']}"},
            )
        ).json()
        next_kid = next(k["kid"] for k in listed if k["status"] == "NEXT")
        rotated = await http.post(f"{org_url}/_twin/okta/keys/rotate", params={"server": "default"})
    assert rotated.status_code == 200
    assert {k["kid"]: k["status"] for k in rotated.json()["keys"]}[old_kid] == "EXPIRED"
    await verify(before["access_token"], keys_url)  # still published, still verifies
    after = await fetch()
    assert jwt.decode(after["access_token"], await jwks(keys_url)).header["kid"] == next_kid
    published = {k.kid for k in (await jwks(keys_url)).keys}
    assert old_kid in published and next_kid in published and len(published) == 3

    # Okta's own rotation API: the previous EXPIRED key is removed.
    response = await client.post(
        "/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate", json={"use": "sig"}
    )
    assert response.status_code == 200
    assert [k["status"] for k in response.json()] == ["ACTIVE", "NEXT", "EXPIRED"]
    assert old_kid not in {k.kid for k in (await jwks(keys_url)).keys}


async def test_same_seed_gives_the_same_keys(okta_app: FastAPI) -> None:
    from tests.okta.conftest import make_app

    other = make_app()
    try:
        mine = sorted((k["id"], k["private_pem"]) for k in org(okta_app)["keys"])
        theirs = sorted((k["id"], k["private_pem"]) for k in org(other)["keys"])
        assert mine == theirs and len(mine) == 4
        assert len({pem for _, pem in mine}) == 4  # four distinct keys
    finally:
        other.state.twin.store.stop()


def test_keys_are_real_rsa_2048() -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from twins.okta import keys

    pool = keys.prime_pool()
    pem, numbers = keys.build_key(pool[3], pool[7])
    private = load_pem_private_key(pem.encode(), None)  # OpenSSL checks the primes
    assert private.key_size == 2048 and numbers["e"] == "AQAB"
    assert all(p.bit_length() == 1024 for p in pool) and len(set(pool)) == 64


async def test_unknown_errors_are_oauth_json(org_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{org_url}/oauth2/default/v1/token", data={})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_client_secret_jwt_and_a_public_client(org_url: str, client: httpx.AsyncClient) -> None:
    from joserfc.jwk import OctKey

    await add_scope(client, "inventory:read")
    secret = "s" * 40
    body = {
        "name": "oidc_client",
        "label": "HMAC robot",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {
            "oauthClient": {"token_endpoint_auth_method": "client_secret_jwt", "client_secret": secret}
        },
        "settings": {
            "oauthClient": {
                "grant_types": ["client_credentials"],
                "response_types": ["token"],
                "application_type": "service",
            }
        },
    }
    created = await client.post("/api/v1/apps", json=body)
    assert created.status_code == 200, created.text
    client_id = created.json()["credentials"]["oauthClient"]["client_id"]
    token_url = f"{org_url}/oauth2/default/v1/token"
    async with httpx.AsyncClient() as http:
        now = int((await http.get(f"{org_url}/_twin/clock")).json()["now"])
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": token_url,
            "iat": now,
            "exp": now + 60,
            "jti": "h-1",
        }
        assertion = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(secret))
        hmac_token = await http.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "scope": "inventory:read",
                "client_assertion": assertion,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            },
        )
        basic = await http.post(
            token_url,
            data={"grant_type": "client_credentials", "scope": "inventory:read"},
            auth=(client_id, secret),
        )
    assert hmac_token.status_code == 200, hmac_token.text
    assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"

    spa = {
        "name": "oidc_client",
        "label": "SPA",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "none"}},
        "settings": {
            "oauthClient": {
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "application_type": "browser",
                "redirect_uris": [CALLBACK],
            }
        },
    }
    created = await client.post("/api/v1/apps", json=spa)
    assert created.status_code == 200, created.text
    app = created.json()
    everyone = (await client.get("/api/v1/groups", params={"q": "Everyone"})).json()[0]["id"]
    assigned = await client.put(f"/api/v1/apps/{app['id']}/groups/{everyone}", json={})
    assert assigned.status_code == 200, assigned.text
    spa_id = app["credentials"]["oauthClient"]["client_id"]
    users = (await client.get("/api/v1/users", params={"limit": 1})).json()
    verifier, challenge = pkce()
    params = {
        "client_id": spa_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": CALLBACK,
        "twin_login": users[0]["profile"]["login"],
    }
    async with httpx.AsyncClient() as http:
        no_pkce = await http.get(f"{org_url}/oauth2/default/v1/authorize", params=params)
        signed = await http.get(
            f"{org_url}/oauth2/default/v1/authorize",
            params={**params, "code_challenge": challenge, "code_challenge_method": "S256"},
        )
        code = query_of(signed.headers["location"])["code"]
        token = await http.post(
            token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CALLBACK,
                "code_verifier": verifier,
                "client_id": spa_id,
            },
        )
    assert query_of(no_pkce.headers["location"])["error"] == "invalid_request"
    assert token.status_code == 200, token.text
    await verify(token.json()["id_token"], f"{org_url}/oauth2/default/v1/keys")
