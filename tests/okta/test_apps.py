"""Applications through the official async `okta` SDK over real HTTP, plus raw wire checks."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx
from fastapi import FastAPI
from okta import models as m
from okta.pagination import paginate_all

from tests.okta.org_support import active_users, events, group_named
from tests.okta.org_support import org as tenant
from twins.okta.backend import apps as backend

JWK = {"kty": "RSA", "kid": "client-key", "e": "AQAB", "n": "owfoXNHcAlAVpIO41840ZU2tZraLGw3yEr3xZvAti7oE"}


async def no_content(call: Awaitable[Any]) -> tuple[int, Any]:
    """(HTTP status, error) of a 204-typed SDK call: it returns a 3-tuple on success, 2 on error."""
    result = await call
    resp = result[-2]
    return int(getattr(resp, "status_code", None) or resp.status), result[-1]


def bookmark(label: str = "Handbook", url: str = "https://handbook.example.com") -> Any:
    return m.Application.from_dict(
        {"name": "bookmark", "label": label, "signOnMode": "BOOKMARK", "settings": {"app": {"url": url}}}
    )


def oidc(
    label: str,
    grants: list[str],
    redirects: list[str],
    method: str,
    app_type: str = "web",
    **oauth_settings: Any,
) -> Any:
    return m.Application.from_dict(
        {
            "name": "oidc_client",
            "label": label,
            "signOnMode": "OPENID_CONNECT",
            "credentials": {"oauthClient": {"token_endpoint_auth_method": method}},
            "settings": {
                "oauthClient": {
                    "grant_types": grants,
                    "redirect_uris": redirects,
                    "application_type": app_type,
                    **oauth_settings,
                }
            },
        }
    )


# --- create, per sign-on mode ---------------------------------------------------------------------
async def test_create_bookmark_basic_auth_and_auto_login(okta_client: Any, okta_app: FastAPI) -> None:
    app, resp, err = await okta_client.create_application(bookmark())
    assert err is None and resp.status_code == 200
    assert type(app).__name__ == "BookmarkApplication"
    assert app.id.startswith("0oa") and app.status.value == "ACTIVE" and app.name == "bookmark"
    assert app.settings.app.url == "https://handbook.example.com"
    assert app.visibility.app_links == {"login": True}
    assert events(okta_app, "application.lifecycle.create")[-1]["target"][0]["id"] == app.id

    basic = m.Application.from_dict(
        {
            "name": "template_basic_auth",
            "label": "Intranet",
            "signOnMode": "BASIC_AUTH",
            "settings": {
                "app": {"url": "https://intra.example.com", "authURL": "https://intra.example.com/auth"}
            },
        }
    )
    created, _, err = await okta_client.create_application(basic)
    assert err is None and type(created).__name__ == "BasicAuthApplication"
    assert created.settings.app.auth_url == "https://intra.example.com/auth"

    auto = m.Application.from_dict(
        {
            "label": "Legacy Portal",
            "signOnMode": "AUTO_LOGIN",
            "settings": {"signOn": {"loginUrl": "https://legacy.example.com/login"}},
        }
    )
    created, _, err = await okta_client.create_application(auto, activate=False)
    assert err is None and type(created).__name__ == "AutoLoginApplication"
    assert created.status.value == "INACTIVE"
    assert created.name.endswith("_legacyportal_1")
    assert created.visibility.app_links == {f"{created.name}_link": True}


async def test_create_saml(okta_client: Any) -> None:
    saml = m.Application.from_dict(
        {
            "label": "Expenses",
            "signOnMode": "SAML_2_0",
            "settings": {
                "signOn": {
                    "ssoAcsUrl": "https://expenses.example.com/sso/saml",
                    "audience": "https://expenses.example.com",
                    "subjectNameIdTemplate": "${user.userName}",
                    "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                }
            },
        }
    )
    app, _, err = await okta_client.create_application(saml)
    assert err is None and type(app).__name__ == "SamlApplication"
    sign_on = app.settings.sign_on
    assert sign_on.sso_acs_url == "https://expenses.example.com/sso/saml"
    assert sign_on.recipient == sign_on.destination == "https://expenses.example.com/sso/saml"
    assert sign_on.signature_algorithm == "RSA_SHA256"
    assert app.credentials.signing.kid
    missing = m.Application.from_dict(
        {"label": "Broken", "signOnMode": "SAML_2_0", "settings": {"signOn": {"audience": "x"}}}
    )
    _, _, err = await okta_client.create_application(missing)
    assert err.status == 400 and err.error_code == "E0000001"
    assert err.error_causes[0]["errorSummary"] == "signOn.ssoAcsUrl: The field cannot be left blank"


async def test_create_oidc_clients(client: httpx.AsyncClient, okta_client: Any, okta_app: FastAPI) -> None:
    web, _, err = await okta_client.create_application(
        oidc(
            "Portal",
            ["authorization_code", "refresh_token"],
            ["https://portal.example.com/cb"],
            "client_secret_post",
        )
    )
    assert err is None and type(web).__name__ == "OpenIdConnectApplication"
    oauth = web.credentials.oauth_client
    assert oauth.client_id == web.id
    assert oauth.client_secret and len(oauth.client_secret) == 64  # shown once, at creation
    assert web.settings.oauth_client.response_types[0].value == "code"
    fetched, _, _ = await okta_client.get_application(web.id)
    assert fetched.credentials.oauth_client.client_secret is None  # GET hides it

    state = tenant(okta_app)
    row = backend.find_client(state, web.id)
    assert row is not None and backend.client_secret(row) == oauth.client_secret
    assert backend.client_jwks(row) is None

    spa, _, err = await okta_client.create_application(
        oidc("SPA", ["authorization_code"], ["https://spa.example.com/cb"], "none", "browser")
    )
    assert err is None and spa.credentials.oauth_client.client_secret is None
    assert spa.credentials.oauth_client.pkce_required is True
    assert backend.client_secret(backend.find_client(tenant(okta_app), spa.id) or {}) is None

    robot = oidc("Robot", ["client_credentials"], [], "private_key_jwt", "service").to_dict()
    robot["settings"]["oauthClient"]["jwks"] = {"keys": [JWK]}  # the SDK's JWK model wants an id
    created = await client.post("/api/v1/apps", json=robot)
    assert created.status_code == 200, created.json()
    service, _, err = await okta_client.get_application(created.json()["id"])
    assert err is None and len(service.settings.oauth_client.jwks.keys) == 1
    assert created.json()["settings"]["oauthClient"]["jwks"]["keys"][0]["use"] == "sig"
    jwks = backend.client_jwks(backend.find_client(tenant(okta_app), service.id) or {})
    assert jwks is not None and jwks["keys"][0]["kid"] == "client-key"
    assert jwks["keys"][0]["id"].startswith("pks")


async def test_oidc_settings_must_agree(okta_client: Any) -> None:
    cases = [
        (oidc("A", ["authorization_code"], [], "client_secret_basic"), "redirect_uris"),
        (
            oidc("B", ["authorization_code"], ["https://b.example.com"], "client_secret_basic", "service"),
            "grant_types",
        ),
        (oidc("C", ["client_credentials"], [], "private_key_jwt", "service"), "jwks"),
        (oidc("D", ["refresh_token"], ["https://d.example.com"], "client_secret_basic"), "grant_types"),
    ]
    for body, field in cases:
        _, _, err = await okta_client.create_application(body)
        assert err is not None and err.error_code == "E0000001", body.label
        assert err.error_summary == f"Api validation failed: {field}", body.label


async def test_mode_specific_validation(client: httpx.AsyncClient) -> None:
    cases = [
        ({"name": "bookmark", "label": "B", "signOnMode": "BOOKMARK", "settings": {"app": {}}}, "app.url"),
        (
            {
                "name": "bookmark",
                "label": "B",
                "signOnMode": "BOOKMARK",
                "settings": {"app": {"url": "not a url"}},
            },
            "app.url",
        ),
        (
            {
                "name": "template_basic_auth",
                "label": "B",
                "signOnMode": "BASIC_AUTH",
                "settings": {"app": {"url": "https://x.example.com"}},
            },
            "app.authURL",
        ),
        ({"label": "A", "signOnMode": "AUTO_LOGIN", "settings": {"signOn": {}}}, "signOn.loginUrl"),
        ({"label": "X", "signOnMode": "WS_FEDERATION"}, "signOnMode"),
        ({"signOnMode": "BOOKMARK", "settings": {"app": {"url": "https://x.example.com"}}}, "label"),
    ]
    for body, field in cases:
        resp = await client.post("/api/v1/apps", json=body)
        assert resp.status_code == 400, body
        assert resp.json()["errorSummary"] == f"Api validation failed: {field}", resp.json()


async def test_custom_client_id_and_secret(client: httpx.AsyncClient) -> None:
    body = oidc(
        "Custom", ["authorization_code"], ["https://c.example.com/cb"], "client_secret_basic"
    ).to_dict()
    body["credentials"]["oauthClient"].update(client_id="my-custom-client", client_secret="s" * 40)
    resp = await client.post("/api/v1/apps", json=body)
    assert resp.status_code == 200
    oauth = resp.json()["credentials"]["oauthClient"]
    assert oauth == {**oauth, "client_id": "my-custom-client", "client_secret": "s" * 40}
    again = await client.post("/api/v1/apps", json=body)
    assert again.json()["errorCauses"] == [
        {"errorSummary": "client_id: An object with this field already exists in the current organization"}
    ]
    body["credentials"]["oauthClient"].update(client_id="another-client", client_secret="short")
    short = await client.post("/api/v1/apps", json=body)
    assert short.json()["errorSummary"] == "Api validation failed: client_secret"


# --- read, list, replace, lifecycle, delete ----------------------------------------------------------
async def test_list_q_filter_and_paging(okta_client: Any, okta_app: FastAPI) -> None:
    everything, _, err = await okta_client.list_applications()
    assert err is None
    assert {a.label for a in everything} == {"Twin Web App", "Twin Service App", "Company Wiki"}
    found, _, _ = await okta_client.list_applications(q="Company")
    assert [a.label for a in found] == ["Company Wiki"]
    await okta_client.create_application(bookmark("Offline"), activate=False)
    active, _, err = await okta_client.list_applications(filter='status eq "ACTIVE"')
    assert err is None and "Offline" not in {a.label for a in active} and len(active) == 3
    named, _, _ = await okta_client.list_applications(filter='name eq "bookmark"')
    assert {a.label for a in named} == {"Company Wiki", "Offline"}

    engineering = group_named(okta_app, "Engineering")
    by_group, _, err = await okta_client.list_applications(filter=f'group.id eq "{engineering["id"]}"')
    assert err is None and {a.label for a in by_group} == {"Twin Web App", "Company Wiki"}
    admin = tenant(okta_app).meta["admin_user_id"]
    by_user, _, err = await okta_client.list_applications(filter=f'user.id eq "{admin}"')
    assert err is None and "Twin Web App" in {a.label for a in by_user}

    _, _, err = await okta_client.list_applications(filter='label eq "x"')
    assert err.error_code == "E0000031"

    page, resp, _ = await okta_client.list_applications(limit=2)
    assert len(page) == 2 and 'rel="next"' in resp.headers["Link"]
    all_apps = [a async for a in paginate_all(okta_client.list_applications, limit=2)]
    assert len(all_apps) == 4


async def test_replace_activate_deactivate_delete(okta_client: Any, okta_app: FastAPI) -> None:
    app, _, _ = await okta_client.create_application(bookmark())
    updated = bookmark("Staff handbook", "https://handbook.example.com/v2")
    replaced, _, err = await okta_client.replace_application(app.id, updated)
    assert err is None and replaced.label == "Staff handbook"
    assert replaced.settings.app.url == "https://handbook.example.com/v2"
    assert events(okta_app, "application.lifecycle.update")[-1]["target"][0]["id"] == app.id

    _, err = await no_content(okta_client.delete_application(app.id))
    assert err.status == 403 and err.error_code == "E0000056"
    assert err.error_summary == "Delete application forbidden."

    _, resp, err = await okta_client.deactivate_application(app.id)
    assert err is None and resp.status_code == 200
    fetched, _, _ = await okta_client.get_application(app.id)
    assert fetched.status.value == "INACTIVE"
    assert events(okta_app, "application.lifecycle.deactivate")[-1]["target"][0]["id"] == app.id
    _, _, err = await okta_client.activate_application(app.id)
    assert err is None
    await okta_client.deactivate_application(app.id)

    status, err = await no_content(okta_client.delete_application(app.id))
    assert err is None and status == 204
    _, _, err = await okta_client.get_application(app.id)
    assert err.status == 404 and err.error_summary == f"Not found: Resource not found: {app.id} (AppInstance)"
    assert events(okta_app, "application.lifecycle.delete")[-1]["target"][0]["id"] == app.id


async def test_replace_keeps_oidc_credentials(okta_client: Any, okta_app: FastAPI) -> None:
    body = oidc("Keeper", ["authorization_code"], ["https://k.example.com/cb"], "client_secret_basic")
    app, _, _ = await okta_client.create_application(body)
    secret = app.credentials.oauth_client.client_secret
    body.settings.oauth_client.redirect_uris = ["https://k.example.com/new"]
    replaced, _, err = await okta_client.replace_application(app.id, body)
    assert err is None and replaced.settings.oauth_client.redirect_uris == ["https://k.example.com/new"]
    assert replaced.credentials.oauth_client.client_id == app.id
    row = backend.find_client(tenant(okta_app), app.id)
    assert row is not None and backend.client_secret(row) == secret


# --- user and group assignments ---------------------------------------------------------------------
async def test_user_assignments(okta_client: Any, okta_app: FastAPI) -> None:
    app, _, _ = await okta_client.create_application(bookmark())
    user = active_users(okta_app)[2]
    request = m.AppUserAssignRequest.from_dict({"id": user["id"], "scope": "USER"})
    assigned, resp, err = await okta_client.assign_user_to_application(app.id, request)
    assert err is None and resp.status_code == 200
    assert assigned.id == user["id"] and assigned.scope == "USER" and assigned.status.value == "ACTIVE"
    assert assigned.credentials.user_name == user["profile"]["login"]
    assert events(okta_app, "application.user_membership.add")[-1]["target"][0]["id"] == user["id"]

    listed, _, err = await okta_client.list_application_users(app.id)
    assert err is None and [u.id for u in listed] == [user["id"]]
    one, _, err = await okta_client.get_application_user(app.id, user["id"], expand="user")
    assert err is None and one.embedded["user"]["id"] == user["id"]

    change = m.AppUserUpdateRequest(
        m.AppUserCredentialsRequestPayload.from_dict({"credentials": {"userName": "ada.l"}})
    )
    updated, _, err = await okta_client.update_application_user(app.id, user["id"], change)
    assert err is None and updated.credentials.user_name == "ada.l"
    assert events(okta_app, "application.user_membership.change_username")

    status, err = await no_content(okta_client.unassign_user_from_application(app.id, user["id"]))
    assert err is None and status == 204
    _, _, err = await okta_client.get_application_user(app.id, user["id"])
    assert err.status == 404
    assert events(okta_app, "application.user_membership.remove")[-1]["target"][0]["id"] == user["id"]

    missing = m.AppUserAssignRequest.from_dict({"id": "00umissingmissing000"})
    _, _, err = await okta_client.assign_user_to_application(app.id, missing)
    assert err.status == 404 and err.error_code == "E0000007"
    _, _, err = await okta_client.assign_user_to_application("0oamissingmissing000", request)
    assert err.status == 404


async def test_group_assignments_and_group_scoped_users(okta_client: Any, okta_app: FastAPI) -> None:
    app, _, _ = await okta_client.create_application(bookmark())
    sales = group_named(okta_app, "Sales")
    assignment = m.ApplicationGroupAssignment.from_dict({"priority": 0})
    created, resp, err = await okta_client.assign_group_to_application(app.id, sales["id"], assignment)
    assert err is None and resp.status_code == 200 and created.id == sales["id"] and created.priority == 0
    assert events(okta_app, "group.application_assignment.add")[-1]["target"][0]["id"] == sales["id"]

    listed, _, err = await okta_client.list_application_group_assignments(app.id)
    assert err is None and [a.id for a in listed] == [sales["id"]]
    one, _, err = await okta_client.get_application_group_assignment(app.id, sales["id"])
    assert err is None and one.links.group.href.endswith(sales["id"])

    members = {x["user_id"] for x in tenant(okta_app)["memberships"] if x["group_id"] == sales["id"]}
    users, _, err = await okta_client.list_application_users(app.id)
    assert err is None and {u.id for u in users} == members
    assert {u.scope for u in users} == {"GROUP"}

    newcomer = next(u for u in active_users(okta_app) if u["id"] not in members)
    await no_content(okta_client.assign_user_to_group(sales["id"], newcomer["id"]))
    users, _, _ = await okta_client.list_application_users(app.id)
    assert newcomer["id"] in {u.id for u in users}
    assert events(okta_app, "application.user_membership.add")[-1]["target"][0]["id"] == newcomer["id"]

    _, err = await no_content(okta_client.unassign_user_from_application(app.id, newcomer["id"]))
    assert err.status == 403  # a group-based assignment is removed through the group

    status, err = await no_content(okta_client.unassign_application_from_group(app.id, sales["id"]))
    assert err is None and status == 204
    users, _, _ = await okta_client.list_application_users(app.id)
    assert users == []
    _, _, err = await okta_client.get_application_group_assignment(app.id, sales["id"])
    assert err.status == 404


async def test_assign_group_wire(client: httpx.AsyncClient, okta_client: Any, okta_app: FastAPI) -> None:
    wiki = next(a for a in tenant(okta_app)["apps"] if a["label"] == "Company Wiki")
    sales = group_named(okta_app, "Sales")
    resp = await client.put(
        f"/api/v1/apps/{wiki['id']}/groups/{sales['id']}",
        content=b"",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert resp.status_code == 200
    assert resp.json()["priority"] == 1 and set(resp.json()["_links"]) == {"app", "self", "group"}
    again = await client.put(f"/api/v1/apps/{wiki['id']}/groups/{sales['id']}", json={"priority": 5})
    assert again.json()["priority"] == 5
    ops = [m.JsonPatchOperation.from_dict({"op": "replace", "path": "/profile", "value": {"role": "editor"}})]
    patched, _, err = await okta_client.update_group_assignment_to_application(wiki["id"], sales["id"], ops)
    assert err is None and patched.profile == {"role": "editor"} and patched.priority == 5
    raw = await client.patch(
        f"/api/v1/apps/{wiki['id']}/groups/{sales['id']}",
        json=[{"op": "replace", "path": "/priority", "value": 2}],
    )
    assert raw.json()["priority"] == 2
    wrong = await client.patch(
        f"/api/v1/apps/{wiki['id']}/groups/{sales['id']}", json=[{"op": "move", "path": "/x"}]
    )
    assert wrong.status_code == 400 and wrong.json()["errorCode"] == "E0000001"
    bad = await client.put(f"/api/v1/apps/{wiki['id']}/groups/00gmissingmissing000", json={})
    assert bad.status_code == 404


# --- OIDC client secrets and keys ---------------------------------------------------------------------
async def test_client_secret_rotation(okta_client: Any, okta_app: FastAPI) -> None:
    app, _, _ = await okta_client.create_application(
        oidc("Rotator", ["authorization_code"], ["https://r.example.com/cb"], "client_secret_basic")
    )
    first = app.credentials.oauth_client.client_secret
    secrets, _, err = await okta_client.list_o_auth2_client_secrets(app.id)
    assert err is None and [s.client_secret for s in secrets] == [first]
    assert secrets[0].id.startswith("ocs") and secrets[0].status == "ACTIVE" and secrets[0].secret_hash

    _, _, err = await okta_client.deactivate_o_auth2_client_secret(app.id, secrets[0].id)
    assert err.error_code == "E0000001"
    assert err.error_causes[0]["errorSummary"] == "You can't deactivate the only active client secret."

    second, resp, err = await okta_client.create_o_auth2_client_secret(app.id)
    assert err is None and resp.status_code == 201 and second.status == "ACTIVE"
    _, _, err = await okta_client.create_o_auth2_client_secret(app.id)
    assert (
        err.error_causes[0]["errorSummary"]
        == "You've reached the maximum number of client secrets per client."
    )
    row = backend.find_client(tenant(okta_app), app.id)
    assert row is not None and backend.client_secrets(row) == [second.client_secret, first]

    _, err = await no_content(okta_client.delete_o_auth2_client_secret(app.id, secrets[0].id))
    assert err.error_code == "E0000001"
    old, _, err = await okta_client.deactivate_o_auth2_client_secret(app.id, secrets[0].id)
    assert err is None and old.status == "INACTIVE"
    row = backend.find_client(tenant(okta_app), app.id)
    assert row is not None and backend.client_secrets(row) == [second.client_secret]
    status, err = await no_content(okta_client.delete_o_auth2_client_secret(app.id, secrets[0].id))
    assert err is None and status == 204
    remaining, _, _ = await okta_client.list_o_auth2_client_secrets(app.id)
    assert [s.id for s in remaining] == [second.id]
    _, _, err = await okta_client.get_o_auth2_client_secret(app.id, secrets[0].id)
    assert err.status == 404


async def test_keys_and_jwks(client: httpx.AsyncClient, okta_client: Any, okta_app: FastAPI) -> None:
    wiki = next(a for a in tenant(okta_app)["apps"] if a["label"] == "Company Wiki")
    keys, _, err = await okta_client.list_application_keys(wiki["id"])
    assert err is None and keys == []
    signer = oidc("Signer", ["client_credentials"], [], "private_key_jwt", "service").to_dict()
    signer["settings"]["oauthClient"]["jwks"] = {"keys": [JWK]}
    service = (await client.post("/api/v1/apps", json=signer)).json()
    resp = await client.get(f"/api/v1/apps/{service['id']}/credentials/jwks")
    assert [k["kid"] for k in resp.json()] == ["client-key"]
    bookmark_secrets = await client.get(f"/api/v1/apps/{wiki['id']}/credentials/secrets")
    assert bookmark_secrets.status_code == 404


# --- wire ---------------------------------------------------------------------------------------------
async def test_wire_shape(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    web_id = tenant(okta_app).meta["web_app_id"]
    resp = await client.get(f"/api/v1/apps/{web_id}")
    body = resp.json()
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    assert body["signOnMode"] == "OPENID_CONNECT" and body["status"] == "ACTIVE"
    assert "client_secret" not in body["credentials"]["oauthClient"]
    assert body["_links"]["clientCredentials"][0]["href"].endswith(
        f"/api/v1/apps/{web_id}/credentials/secrets"
    )
    assert body["_links"]["deactivate"]["href"].endswith(f"/api/v1/apps/{web_id}/lifecycle/deactivate")
    assert body["orn"].startswith("orn:okta:idp:00o")
    deactivated = await client.post(
        f"/api/v1/apps/{web_id}/lifecycle/deactivate",
        content=b"",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert deactivated.status_code == 200 and deactivated.json() == {}
    admin = tenant(okta_app).meta["admin_user_id"]
    expanded = await client.get(
        "/api/v1/apps", params={"filter": f'user.id eq "{admin}"', "expand": f"user/{admin}"}
    )
    assert {a["_embedded"]["user"]["id"] for a in expanded.json()} == {admin}
    users = await client.get(f"/api/v1/apps/{web_id}/users", params={"limit": 1})
    assert len(users.json()) == 1 and users.json()[0]["syncState"] == "DISABLED"
