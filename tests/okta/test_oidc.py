"""OAuth 2.0 / OIDC against the twin over real HTTP: discovery, client credentials, keys.

Every token is checked against the key set fetched from the server's /keys over HTTP.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from fastapi import FastAPI
from joserfc import jwt

from tests.okta.oidc_support import (
    CALLBACK,
    add_scope,
    client_key,
    jwks,
    pkce,
    private_key_client,
    query_of,
    verify,
)
from tests.okta.org_support import org


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


async def test_same_seed_gives_the_same_keys() -> None:
    from tests.okta.conftest import make_app

    one, other = make_app(), make_app()  # two installations, the same org and seed
    try:
        mine = sorted((k["id"], k["private_pem"]) for k in org(one)["keys"])
        theirs = sorted((k["id"], k["private_pem"]) for k in org(other)["keys"])
        assert mine == theirs and len(mine) == 4
        assert len({pem for _, pem in mine}) == 4  # four distinct keys
    finally:
        one.state.twin.store.stop()
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


async def test_token_endpoint_refuses_bad_forms_in_oauth_shape(okta_app: FastAPI) -> None:
    """A form the endpoint cannot read, or no grant at all: OAuth's body, never a 500 or
    FastAPI's; token answers are not to be cached."""
    transport = httpx.ASGITransport(app=okta_app)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anon:
        unreadable = await anon.post("/oauth2/default/v1/token", content=b"grant_type=\xff", headers=form)
        empty = await anon.post("/oauth2/default/v1/token", headers=form)
        wrong_verb = await anon.get("/oauth2/default/v1/token")
    for response in (unreadable, empty):
        assert response.status_code in (400, 401), response.text
        assert set(response.json()) == {"error", "error_description"}
    assert unreadable.json()["error"] == "invalid_request"
    assert empty.headers["cache-control"] == "no-store" and empty.headers["x-okta-request-id"]
    assert wrong_verb.status_code == 405 and wrong_verb.json()["errorCode"] == "E0000022"
