"""/api/v1/authorizationServers through the official SDK over real HTTP, and raw wire checks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from okta.models import (
    AuthorizationServer,
    AuthorizationServerPolicy,
    AuthorizationServerPolicyRuleRequest,
    JwkUse,
    OAuth2Claim,
    OAuth2Scope,
)

from tests.okta.org_support import org

NO_POLICY = "Policy evaluation failed for this request, please check the policy configurations."
SERVER = {
    "name": "Inventory API",
    "description": "Tokens for the inventory service",
    "audiences": ["api://inventory"],
    "credentials": {"signing": {"rotationMode": "AUTO"}},
}


def events(app: FastAPI, prefix: str) -> list[str]:
    """Event types with `prefix` that the test caused (not the seed's, whose actor is the system)."""
    return [
        e["event_type"]
        for e in org(app)["log_events"]
        if e["event_type"].startswith(prefix) and e["data"]["actor"]["id"] != "system"
    ]


async def new_server(okta_client: Any) -> Any:
    server, _, err = await okta_client.create_authorization_server(AuthorizationServer.from_dict(SERVER))
    assert err is None
    return server


async def test_the_default_server_is_seeded(okta_client: Any, org_url: str) -> None:
    servers, _, err = await okta_client.list_authorization_servers()
    assert err is None and len(servers) == 1
    default = servers[0]
    assert default.name == "default" and default.audiences == ["api://default"]
    assert default.issuer == f"{org_url}/oauth2/default" and default.status == "ACTIVE"
    same, _, err = await okta_client.get_authorization_server("default")
    assert err is None and same.id == default.id and same.id.startswith("aus")
    keys, _, err = await okta_client.list_authorization_server_keys(default.id)
    assert err is None and [k.status for k in keys] == ["ACTIVE", "NEXT"]
    assert same.credentials.signing.kid == keys[0].kid
    policies, _, err = await okta_client.list_authorization_server_policies("default")
    assert err is None and [p.name for p in policies] == ["Default Policy"]
    rules, _, err = await okta_client.list_authorization_server_policy_rules("default", policies[0].id)
    assert err is None and [r.name for r in rules] == ["Default Policy Rule"]
    assert rules[0].actions.token.access_token_lifetime_minutes == 60


async def test_server_crud_and_lifecycle(okta_client: Any, okta_app: FastAPI, org_url: str) -> None:
    server = await new_server(okta_client)
    assert server.id.startswith("aus") and server.issuer == f"{org_url}/oauth2/{server.id}"
    assert server.credentials.signing.rotation_mode == "AUTO" and server.credentials.signing.next_rotation
    body = AuthorizationServer.from_dict({**SERVER, "description": "changed", "audiences": ["api://inv2"]})
    changed, _, err = await okta_client.replace_authorization_server(server.id, body)
    assert err is None and changed.description == "changed" and changed.audiences == ["api://inv2"]
    err = (await okta_client.deactivate_authorization_server(server.id))[-1]
    assert err is None
    got, _, _ = await okta_client.get_authorization_server(server.id)
    assert got.status == "INACTIVE"
    async with httpx.AsyncClient() as http:
        inactive = await http.get(f"{org_url}/oauth2/{server.id}/.well-known/openid-configuration")
    assert inactive.status_code == 404
    err = (await okta_client.activate_authorization_server(server.id))[-1]
    assert err is None
    err = (await okta_client.delete_authorization_server(server.id))[-1]
    assert err is None
    _, _, err = await okta_client.get_authorization_server(server.id)
    assert err.status == 404 and err.error_code == "E0000007"
    assert events(okta_app, "oauth2.as.") == [
        "oauth2.as.created",
        "oauth2.as.updated",
        "oauth2.as.deactivated",
        "oauth2.as.activated",
        "oauth2.as.deleted",
    ]
    assert not org(okta_app)["keys"].where("server_id", server.id)


async def test_server_validation_errors(okta_client: Any, client: httpx.AsyncClient) -> None:
    _, _, err = await okta_client.create_authorization_server(
        AuthorizationServer.from_dict({"name": "No audience"})
    )
    assert err.status == 400 and err.error_code == "E0000001"
    assert err.error_causes[0]["errorSummary"] == "audiences: The field cannot be left blank."
    _, _, err = await okta_client.create_authorization_server(
        AuthorizationServer.from_dict({**SERVER, "name": "default"})
    )
    assert err.error_code == "E0000001" and "already exists" in err.error_causes[0]["errorSummary"]
    malformed = await client.post(
        "/api/v1/authorizationServers", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["errorCode"] == "E0000003"


async def test_scopes_crud(okta_client: Any, okta_app: FastAPI) -> None:
    server = await new_server(okta_client)
    scopes, _, err = await okta_client.list_o_auth2_scopes(server.id)
    assert err is None and [s.name for s in scopes] == [
        "openid",
        "profile",
        "email",
        "address",
        "phone",
        "offline_access",
        "device_sso",
    ]
    assert all(s.system for s in scopes)
    body = OAuth2Scope.from_dict(
        {
            "name": "inventory:read",
            "displayName": "Read inventory",
            "description": "d",
            "consent": "REQUIRED",
            "metadataPublish": "ALL_CLIENTS",
            "default": True,
        }
    )
    scope, _, err = await okta_client.create_o_auth2_scope(server.id, body)
    assert (
        err is None and scope.id.startswith("scp") and scope.consent == "REQUIRED" and scope.default is True
    )
    _, _, err = await okta_client.create_o_auth2_scope(server.id, body)
    assert err.error_code == "E0000001"
    body = OAuth2Scope.from_dict(
        {"name": "inventory:read", "description": "changed", "metadataPublish": "NO_CLIENTS"}
    )
    changed, _, err = await okta_client.replace_o_auth2_scope(server.id, scope.id, body)
    assert err is None and changed.description == "changed" and changed.metadata_publish == "NO_CLIENTS"
    got, _, err = await okta_client.get_o_auth2_scope(server.id, scope.id)
    assert err is None and got.description == "changed"
    err = (await okta_client.delete_o_auth2_scope(server.id, scopes[0].id))[-1]
    assert err.error_code == "E0000001"  # system scopes stay
    err = (await okta_client.delete_o_auth2_scope(server.id, scope.id))[-1]
    assert err is None
    _, _, err = await okta_client.get_o_auth2_scope(server.id, scope.id)
    assert err.status == 404
    assert events(okta_app, "oauth2.scope.") == [
        "oauth2.scope.created",
        "oauth2.scope.updated",
        "oauth2.scope.deleted",
    ]


async def test_claims_crud_and_claims_in_tokens(
    okta_client: Any, org_url: str, creds: dict[str, Any]
) -> None:
    claims, _, err = await okta_client.list_o_auth2_claims("default")
    assert err is None and {"name", "email", "preferred_username", "sub"} <= {c.name for c in claims}
    body = OAuth2Claim.from_dict(
        {
            "name": "dept",
            "status": "ACTIVE",
            "claimType": "RESOURCE",
            "valueType": "EXPRESSION",
            "value": "user.department",
            "conditions": {"scopes": []},
            "alwaysIncludeInToken": True,
        }
    )
    claim, _, err = await okta_client.create_o_auth2_claim("default", body)
    assert err is None and claim.id.startswith("ocl") and claim.value == "user.department"
    groups = OAuth2Claim.from_dict(
        {
            "name": "groups",
            "status": "ACTIVE",
            "claimType": "RESOURCE",
            "valueType": "GROUPS",
            "value": "Adm",
            "group_filter_type": "STARTS_WITH",
            "conditions": {"scopes": []},
            "alwaysIncludeInToken": True,
        }
    )
    _, _, err = await okta_client.create_o_auth2_claim("default", groups)
    assert err is None
    from tests.okta.oidc_support import sign_in_code, verify

    token, _ = await sign_in_code(org_url, creds, scope="openid")
    access = await verify(token["access_token"], f"{org_url}/oauth2/default/v1/keys")
    assert access["groups"] == ["Admins"] and isinstance(access["dept"], str)

    body = OAuth2Claim.from_dict(
        {
            "name": "dept2",
            "status": "INACTIVE",
            "claimType": "RESOURCE",
            "valueType": "EXPRESSION",
            "value": '"x"',
            "conditions": {"scopes": []},
        }
    )
    changed, _, err = await okta_client.replace_o_auth2_claim("default", claim.id, body)
    assert err is None and changed.name == "dept2" and changed.status == "INACTIVE"
    got, _, err = await okta_client.get_o_auth2_claim("default", claim.id)
    assert err is None and got.value == '"x"'
    err = (await okta_client.delete_o_auth2_claim("default", claim.id))[-1]
    assert err is None
    _, _, err = await okta_client.get_o_auth2_claim("default", claim.id)
    assert err.status == 404 and err.error_code == "E0000007"
    bad = OAuth2Claim.from_dict({"name": "x", "claimType": "RESOURCE", "valueType": "EXPRESSION"})
    _, _, err = await okta_client.create_o_auth2_claim("default", bad)
    assert err.error_code == "E0000001" and err.error_causes[0]["errorSummary"] == (
        "value: The field cannot be left blank."
    )


async def test_policies_and_rules_crud_and_evaluation(
    okta_client: Any, okta_app: FastAPI, org_url: str, creds: dict[str, Any]
) -> None:
    server = await new_server(okta_client)
    _, _, err = await okta_client.create_o_auth2_scope(
        server.id, OAuth2Scope.from_dict({"name": "inventory:read"})
    )
    assert err is None
    token_url = f"{org_url}/oauth2/{server.id}/v1/token"
    service = (creds["service_app_client_id"], creds["service_app_client_secret"])
    form = {"grant_type": "client_credentials", "scope": "inventory:read"}
    async with httpx.AsyncClient() as http:
        denied = await http.post(token_url, data=form, auth=service)
    assert denied.status_code == 400 and denied.json() == {
        "error": "access_denied",
        "error_description": NO_POLICY,
    }

    policy_body = {
        "type": "OAUTH_AUTHORIZATION_POLICY",
        "name": "Robots",
        "description": "machines",
        "priority": 1,
        "status": "ACTIVE",
        "conditions": {"clients": {"include": ["ALL_CLIENTS"]}},
    }
    policy, _, err = await okta_client.create_authorization_server_policy(
        server.id, AuthorizationServerPolicy.from_dict(policy_body)
    )
    assert err is None and policy.id.startswith("00p") and policy.priority == 1
    everyone = next(g["id"] for g in org(okta_app)["groups"] if g["type"] == "BUILT_IN")
    rule_body = {
        "type": "RESOURCE_ACCESS",
        "name": "cc",
        "priority": 1,
        "status": "ACTIVE",
        "conditions": {
            "people": {"groups": {"include": [everyone]}},
            "grantTypes": {"include": ["client_credentials"]},
            "scopes": {"include": ["inventory:read"]},
        },
        "actions": {
            "token": {
                "accessTokenLifetimeMinutes": 15,
                "refreshTokenLifetimeMinutes": 0,
                "refreshTokenWindowMinutes": 10080,
            }
        },
    }
    rule, _, err = await okta_client.create_authorization_server_policy_rule(
        server.id, policy.id, AuthorizationServerPolicyRuleRequest.from_dict(rule_body)
    )
    assert (
        err is None
        and rule.id.startswith("0pr")
        and rule.conditions.grant_types.include == ["client_credentials"]
    )
    async with httpx.AsyncClient() as http:
        granted = await http.post(token_url, data=form, auth=service)
    assert granted.status_code == 200 and granted.json()["expires_in"] == 900
    from tests.okta.oidc_support import verify

    claims = await verify(granted.json()["access_token"], f"{org_url}/oauth2/{server.id}/v1/keys")
    assert claims["aud"] == "api://inventory" and claims["iss"] == f"{org_url}/oauth2/{server.id}"

    changed_rule, _, err = await okta_client.replace_authorization_server_policy_rule(
        server.id,
        policy.id,
        rule.id,
        AuthorizationServerPolicyRuleRequest.from_dict({**rule_body, "name": "cc2"}),
    )
    assert err is None and changed_rule.name == "cc2"
    got_rule, _, err = await okta_client.get_authorization_server_policy_rule(server.id, policy.id, rule.id)
    assert err is None and got_rule.name == "cc2"
    err = (await okta_client.deactivate_authorization_server_policy_rule(server.id, policy.id, rule.id))[-1]
    assert err is None
    async with httpx.AsyncClient() as http:
        off = await http.post(token_url, data=form, auth=service)
    assert off.status_code == 400 and off.json()["error"] == "access_denied"
    err = (await okta_client.activate_authorization_server_policy_rule(server.id, policy.id, rule.id))[-1]
    assert err is None

    changed, _, err = await okta_client.replace_authorization_server_policy(
        server.id, policy.id, AuthorizationServerPolicy.from_dict({**policy_body, "name": "Robots 2"})
    )
    assert err is None and changed.name == "Robots 2"
    got, _, err = await okta_client.get_authorization_server_policy(server.id, policy.id)
    assert err is None and got.name == "Robots 2"
    err = (await okta_client.deactivate_authorization_server_policy(server.id, policy.id))[-1]
    assert err is None
    err = (await okta_client.activate_authorization_server_policy(server.id, policy.id))[-1]
    assert err is None
    err = (await okta_client.delete_authorization_server_policy_rule(server.id, policy.id, rule.id))[-1]
    assert err is None
    err = (await okta_client.delete_authorization_server_policy(server.id, policy.id))[-1]
    assert err is None
    _, _, err = await okta_client.get_authorization_server_policy(server.id, policy.id)
    assert err.status == 404 and err.error_code == "E0000007"
    assert events(okta_app, "policy.") == [
        "policy.lifecycle.create",
        "policy.rule.add",
        "policy.rule.update",
        "policy.rule.deactivate",
        "policy.rule.activate",
        "policy.lifecycle.update",
        "policy.lifecycle.deactivate",
        "policy.lifecycle.activate",
        "policy.rule.delete",
        "policy.lifecycle.delete",
    ]


async def test_rule_validation(okta_client: Any) -> None:
    policies, _, _ = await okta_client.list_authorization_server_policies("default")
    body = AuthorizationServerPolicyRuleRequest.from_dict(
        {
            "type": "RESOURCE_ACCESS",
            "name": "bad",
            "conditions": {
                "grantTypes": {"include": ["client_credentials"]},
                "people": {"groups": {"include": ["x"]}},
            },
            "actions": {"token": {"accessTokenLifetimeMinutes": 1}},
        }
    )
    _, _, err = await okta_client.create_authorization_server_policy_rule("default", policies[0].id, body)
    assert err.status == 400 and err.error_code == "E0000001"


async def test_keys_get_and_rotate(okta_client: Any, okta_app: FastAPI) -> None:
    keys, _, _ = await okta_client.list_authorization_server_keys("default")
    key, _, err = await okta_client.get_authorization_server_key("default", keys[0].kid)
    assert err is None and key.kid == keys[0].kid and key.status == "ACTIVE" and key.alg == "RS256"
    _, _, err = await okta_client.get_authorization_server_key("default", "nope")
    assert err.status == 404
    rotated, _, err = await okta_client.rotate_authorization_server_keys("default", JwkUse(use="sig"))
    assert err is None and [k.status for k in rotated] == ["ACTIVE", "NEXT", "EXPIRED"]
    assert rotated[0].kid == keys[1].kid and rotated[2].kid == keys[0].kid
    server, _, _ = await okta_client.get_authorization_server("default")
    assert server.credentials.signing.kid == keys[1].kid
    assert events(okta_app, "app.oauth2.as.key.rollover")


async def test_rotate_needs_use_sig(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/authorizationServers/default/credentials/lifecycle/keyRotate", json={"use": "enc"}
    )
    assert (
        response.status_code == 400 and response.json()["errorSummary"] == "Api validation failed: rotateKeys"
    )
    assert response.json()["errorCauses"] == [
        {"errorSummary": "Invalid value specified for key 'use' parameter"}
    ]


async def test_wire_shape_and_paging(client: httpx.AsyncClient, okta_client: Any) -> None:
    for n in range(3):
        await client.post("/api/v1/authorizationServers", json={**SERVER, "name": f"AS {n}"})
    first = await client.get("/api/v1/authorizationServers", params={"limit": 2})
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["link"]
    body = first.json()[0]
    assert list(body) == [
        "id",
        "name",
        "description",
        "audiences",
        "issuer",
        "issuerMode",
        "status",
        "created",
        "lastUpdated",
        "credentials",
        "default",
        "_links",
    ]
    assert body["_links"]["deactivate"]["hints"]["allow"] == ["POST"]
    searched = await client.get("/api/v1/authorizationServers", params={"q": "as 1"})
    assert [s["name"] for s in searched.json()] == ["AS 1"]
    unknown = await client.get("/api/v1/authorizationServers/ausNope/scopes")
    assert unknown.status_code == 404 and unknown.json()["errorSummary"] == (
        "Not found: Resource not found: ausNope (AuthorizationServer)"
    )
    none = await client.get("/api/v1/authorizationServers", headers={"Authorization": "SSWS wrong"})
    assert none.status_code == 401 and none.json()["errorCode"] == "E0000011"


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("conditions", {"conditions": -1.5}),
        ("conditions.clients", {"conditions": {"clients": "ALL_CLIENTS"}}),
    ],
)
async def test_policy_parts_of_the_wrong_type_are_a_400_not_a_crash(
    okta_client: Any, org_url: str, creds: dict[str, Any], field: str, body: dict[str, Any]
) -> None:
    server = await new_server(okta_client)
    policy = {"type": "OAUTH_AUTHORIZATION_POLICY", "name": "Robots", "priority": 1, **body}
    async with httpx.AsyncClient() as http:
        resp = await http.post(
            f"{org_url}/api/v1/authorizationServers/{server.id}/policies",
            json=policy,
            headers={"Authorization": f"SSWS {creds['api_token']}"},
        )
    assert resp.status_code == 400, resp.text
    assert resp.json()["errorCode"] == "E0000001"
    assert resp.json()["errorCauses"][0]["errorSummary"].startswith(f"{field}:")
