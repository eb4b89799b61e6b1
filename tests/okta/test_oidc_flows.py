"""OAuth 2.0 / OIDC user flows over real HTTP with authlib: authorization code + PKCE, refresh,
introspect, revoke, userinfo, logout."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from fastapi import FastAPI

from tests.okta.oidc_support import (
    CALLBACK,
    WEB_SCOPES,
    add_scope,
    pkce,
    query_of,
    sign_in_code,
    verify,
    web_client,
)
from tests.okta.org_support import org
from twins.okta.seed import DEFAULT_PASSWORD


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
    ctx = okta_app.state.twin
    await ctx.store.run(ctx.settings.default_tenant, lambda st: st["apps"].update(app_id, data=data))


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
