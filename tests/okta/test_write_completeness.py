"""Response completeness of write operations against Okta's official specs: each write the twin
serves is called on a seeded org, in an order that keeps the objects it needs valid, and every
property the spec's success schema or example defines must be in the twin's answer, or be declared
in LIMITATIONS.md ("Response completeness"), as for the reads (test_completeness.py). A write the
twin gains is toured too, or declared in NOT_TOURED with the reason, or the test fails."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.okta.conftest import make_app
from tests.okta.test_completeness import HOOK, LIMITATIONS, RULE, SPEC_FILES, object_ids
from tests.support.completeness import declared, report, success_paths
from tests.support.specs import load_spec
from twins._runtime.coverage import operations, route_matcher

pytestmark = pytest.mark.reference

WRITE_VERBS = ("POST", "PUT", "PATCH")
NOT_TOURED = {
    "POST /api/v1/sessions/{sessionId}/lifecycle/refresh": "needs a session made from an authn sessionToken",
    "POST /api/v1/eventHooks/{eventHookId}/lifecycle/verify": "calls the hook's URL (test_eventhooks.py)",
    "POST /api/v1/users/{id}/lifecycle/reactivate": "needs a user in PROVISIONED whose activation was sent",
    "POST /api/v1/users/{userId}/credentials/forgot_password_recovery_question": "needs the answer to "
    "the user's recovery question",
    "POST /api/v1/meta/schemas/user/linkedObjects": "linked objects are not implemented (answers 404)",
    "POST /api/v1/users/{id}/lifecycle/unlock": "needs a LOCKED_OUT user (test_lifecycle.py)",
}
NOT_TOURED.update(
    {
        f"POST /oauth2/{server}v1/{name}": "a form-encoded OAuth endpoint (test_oidc*.py)"
        for server in ("", "{authorizationServerId}/")
        for name in ("authorize", "introspect", "logout", "revoke", "token")
    }
)
PROFILE = {"firstName": "Wren", "lastName": "Tour", "email": "wren@example.com", "login": "wren@example.com"}
OIDC_APP = {
    "name": "oidc_client",
    "label": "Tour",
    "signOnMode": "OPENID_CONNECT",
    "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}},
    "settings": {
        "oauthClient": {
            "redirect_uris": ["https://example.com/cb"],
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "application_type": "web",
        }
    },
}
SERVER = {"name": "Tour", "description": "Tour", "audiences": ["api://tour"]}
POLICY = {
    "type": "OAUTH_AUTHORIZATION_POLICY",
    "name": "Tour",
    "description": "Tour",
    "priority": 1,
    "conditions": {"clients": {"include": ["ALL_CLIENTS"]}},
}
POLICY_RULE = {
    "type": "RESOURCE_ACCESS",
    "name": "Tour",
    "priority": 1,
    "conditions": {
        "people": {"groups": {"include": ["EVERYONE"]}},
        "grantTypes": {"include": ["authorization_code"]},
        "scopes": {"include": ["*"]},
    },
    "actions": {"token": {"accessTokenLifetimeMinutes": 60, "refreshTokenWindowMinutes": 10080}},
}
CLAIM = {
    "name": "tour",
    "status": "ACTIVE",
    "claimType": "RESOURCE",
    "valueType": "EXPRESSION",
    "value": "user.login",
}
SCOPE = {"name": "tour:read", "description": "Tour", "consent": "IMPLICIT", "metadataPublish": "NO_CLIENTS"}


RULE_PATH = "POST /api/v1/authorizationServers/{authServerId}/policies/{policyId}/rules/{ruleId}"


def steps(
    ids: dict[str, str], password: str
) -> list[tuple[str, dict[str, Any] | list[Any] | None, dict[str, str]]]:
    """(operation, body, query) in the order they run; ids made by earlier steps are added to `ids`."""
    rule = {**RULE, "name": "Tour rule", "actions": {"assignUserToGroups": {"groupIds": [ids["groupId"]]}}}
    return [
        ("POST /api/v1/users", {"profile": PROFILE}, {"activate": "false"}),
        ("POST /api/v1/users/{id}/lifecycle/activate", None, {"sendEmail": "false"}),
        ("POST /api/v1/users/{id}", {"profile": {"nickName": "Wren"}}, {}),
        ("PUT /api/v1/users/{id}", {"profile": {**PROFILE, "title": "Tourist"}}, {}),
        ("POST /api/v1/users/{id}/lifecycle/deactivate", None, {}),
        # A seeded user who is not the API token's owner, whose password is known.
        ("POST /api/v1/users/{id}/lifecycle/suspend", None, {"@id": "memberId"}),
        ("POST /api/v1/users/{id}/lifecycle/unsuspend", None, {"@id": "memberId"}),
        (
            "POST /api/v1/users/{userId}/credentials/change_password",
            {"oldPassword": {"value": password}, "newPassword": {"value": password + "Tour9!"}},
            {"@userId": "memberId"},
        ),
        (
            "POST /api/v1/users/{userId}/credentials/change_recovery_question",
            {
                "password": {"value": password + "Tour9!"},
                "recovery_question": {"question": "Favourite tour?", "answer": "the long one"},
            },
            {"@userId": "memberId"},
        ),
        (
            "POST /api/v1/users/{userId}/credentials/forgot_password",
            None,
            {"sendEmail": "false", "@userId": "memberId"},
        ),
        ("POST /api/v1/users/{id}/lifecycle/expire_password", None, {"@id": "memberId"}),
        ("POST /api/v1/users/{id}/lifecycle/expire_password_with_temp_password", None, {"@id": "memberId"}),
        ("POST /api/v1/users/{id}/lifecycle/reset_password", None, {"sendEmail": "false", "@id": "memberId"}),
        ("POST /api/v1/groups", {"profile": {"name": "Tourists", "description": "Tour"}}, {}),
        ("PUT /api/v1/groups/{groupId}", {"profile": {"name": "Tourists 2", "description": "Tour"}}, {}),
        ("POST /api/v1/groups/rules", rule, {}),
        ("PUT /api/v1/groups/rules/{groupRuleId}", {**rule, "name": "Tour rule 2"}, {}),
        ("POST /api/v1/groups/rules/{groupRuleId}/lifecycle/activate", None, {}),
        ("POST /api/v1/groups/rules/{groupRuleId}/lifecycle/deactivate", None, {}),
        ("PUT /api/v1/groups/{groupId}/users/{userId}", None, {}),
        ("POST /api/v1/apps", OIDC_APP, {}),
        ("PUT /api/v1/apps/{appId}", {**OIDC_APP, "label": "Tour 2"}, {}),
        ("POST /api/v1/apps/{appId}/lifecycle/deactivate", None, {}),
        ("POST /api/v1/apps/{appId}/lifecycle/activate", None, {}),
        ("POST /api/v1/apps/{appId}/credentials/secrets", {}, {}),
        ("POST /api/v1/apps/{appId}/credentials/secrets/{secretId}/lifecycle/deactivate", None, {}),
        ("POST /api/v1/apps/{appId}/credentials/secrets/{secretId}/lifecycle/activate", None, {}),
        ("POST /api/v1/apps/{appId}/users", {"id": ids["userId"]}, {}),
        ("POST /api/v1/apps/{appId}/users/{userId}", {"profile": {}}, {}),
        ("PUT /api/v1/apps/{appId}/groups/{groupId}", {"priority": 0}, {}),
        (
            "PATCH /api/v1/apps/{appId}/groups/{groupId}",
            [{"op": "replace", "path": "/priority", "value": 1}],
            {},
        ),
        ("POST /api/v1/authorizationServers", SERVER, {}),
        ("PUT /api/v1/authorizationServers/{authServerId}", {**SERVER, "name": "Tour 2"}, {}),
        ("POST /api/v1/authorizationServers/{authServerId}/lifecycle/deactivate", None, {}),
        ("POST /api/v1/authorizationServers/{authServerId}/lifecycle/activate", None, {}),
        (
            "POST /api/v1/authorizationServers/{authServerId}/credentials/lifecycle/keyRotate",
            {"use": "sig"},
            {},
        ),
        ("POST /api/v1/authorizationServers/{authServerId}/scopes", SCOPE, {}),
        (
            "PUT /api/v1/authorizationServers/{authServerId}/scopes/{scopeId}",
            {**SCOPE, "description": "2"},
            {},
        ),
        ("POST /api/v1/authorizationServers/{authServerId}/claims", CLAIM, {}),
        (
            "PUT /api/v1/authorizationServers/{authServerId}/claims/{claimId}",
            {**CLAIM, "value": "user.email"},
            {},
        ),
        ("POST /api/v1/authorizationServers/{authServerId}/policies", POLICY, {}),
        (
            "PUT /api/v1/authorizationServers/{authServerId}/policies/{policyId}",
            {**POLICY, "name": "Tour 2"},
            {},
        ),
        (
            "POST /api/v1/authorizationServers/{authServerId}/policies/{policyId}/lifecycle/deactivate",
            None,
            {},
        ),
        ("POST /api/v1/authorizationServers/{authServerId}/policies/{policyId}/lifecycle/activate", None, {}),
        ("POST /api/v1/authorizationServers/{authServerId}/policies/{policyId}/rules", POLICY_RULE, {}),
        (
            "PUT /api/v1/authorizationServers/{authServerId}/policies/{policyId}/rules/{ruleId}",
            {**POLICY_RULE, "name": "Tour 2"},
            {},
        ),
        (
            RULE_PATH + "/lifecycle/deactivate",
            None,
            {},
        ),
        (
            RULE_PATH + "/lifecycle/activate",
            None,
            {},
        ),
        ("POST /api/v1/eventHooks", HOOK, {}),
        ("PUT /api/v1/eventHooks/{eventHookId}", {**HOOK, "name": "Tour 2"}, {}),
        ("POST /api/v1/eventHooks/{eventHookId}/lifecycle/deactivate", None, {}),
        ("POST /api/v1/eventHooks/{eventHookId}/lifecycle/activate", None, {}),
        (
            "POST /api/v1/meta/schemas/user/{schemaId}",
            {
                "definitions": {
                    "custom": {
                        "id": "#custom",
                        "type": "object",
                        "properties": {"tour": {"title": "Tour", "type": "string"}},
                    }
                }
            },
            {},
        ),
    ]


# What a created object's answer gives the steps after it (the id under that path parameter).
MADE = {
    "POST /api/v1/users": ("id", "id"),
    "POST /api/v1/groups": ("groupId", "id"),
    "POST /api/v1/groups/rules": ("groupRuleId", "id"),
    "POST /api/v1/apps": ("appId", "id"),
    "POST /api/v1/apps/{appId}/credentials/secrets": ("secretId", "id"),
    "POST /api/v1/authorizationServers": ("authServerId", "id"),
    "POST /api/v1/authorizationServers/{authServerId}/scopes": ("scopeId", "id"),
    "POST /api/v1/authorizationServers/{authServerId}/claims": ("claimId", "id"),
    "POST /api/v1/authorizationServers/{authServerId}/policies": ("policyId", "id"),
    "POST /api/v1/authorizationServers/{authServerId}/policies/{policyId}/rules": ("ruleId", "id"),
    "POST /api/v1/eventHooks": ("eventHookId", "id"),
}


def spec_writes() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    out = {}
    for file in SPEC_FILES:
        spec = load_spec(file)
        for op in operations(spec):
            if op.method in WRITE_VERBS:
                out[f"{op.method} {op.path}"] = (spec, spec["paths"][op.path][op.method.lower()])
    return out


@pytest.fixture(scope="module")
async def answers() -> AsyncIterator[dict[str, list[Any]]]:
    """The answer of each write of the tour (or its failure), on a fresh seeded org."""
    app = make_app()
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.default_state(), "")
    headers = {"Authorization": f"SSWS {creds['api_token']}", "Accept": "application/json"}
    out: dict[str, list[Any]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        ids = await object_ids(client)
        users = (await client.get("/api/v1/users")).json()
        ids["memberId"] = next(
            u["id"]
            for u in users
            if u["status"] == "ACTIVE"
            and u["profile"]["login"] != creds["admin_login"]
            and u["id"] != ids["userId"]
        )
        for name, body, query in steps(ids, creds["user_password"]):
            method, path = name.split(" ", 1)
            use = {k[1:]: ids[v] for k, v in query.items() if k.startswith("@")}  # {param} from another id
            url = re.sub(r"\{([^}]+)\}", lambda m, use=use: use.get(m[1]) or ids[m[1]], path)
            params = {k: v for k, v in query.items() if not k.startswith("@")}
            resp = await client.request(method, url, json=body, params=params)
            if resp.status_code // 100 != 2:
                out[f"{name} (failed)"] = [resp.status_code, resp.text[:300]]
                continue
            out[name] = [resp.json()] if resp.content else [None]
            if name in MADE:
                param, key = MADE[name]
                ids[param] = str(resp.json()[key])
    ctx.store.stop()
    yield out


def test_every_write_operation_is_toured(answers: dict[str, list[Any]]) -> None:
    app = make_app()
    implemented = route_matcher(app)
    app.state.twin.store.stop()
    served = {name for name in spec_writes() if implemented(*name.split(" ", 1))}
    failed = {k.removesuffix(" (failed)"): v for k, v in answers.items() if k.endswith("(failed)")}
    assert not failed, failed
    untoured = served - set(answers) - set(NOT_TOURED)
    assert not untoured, f"write operations neither toured nor in NOT_TOURED: {sorted(untoured)}"
    assert not set(NOT_TOURED) & set(answers), "NOT_TOURED lists operations the tour now makes"
    assert set(NOT_TOURED) <= served, f"NOT_TOURED lists operations not served: {set(NOT_TOURED) - served}"


def test_no_property_of_a_write_is_dropped_undeclared(answers: dict[str, list[Any]]) -> None:
    writes = spec_writes()
    toured = [k for k in answers if not k.endswith("(failed)") and k in writes]
    defined = {name: success_paths(*writes[name]) for name in toured}
    rows = [r for r in declared(LIMITATIONS) if r.operation.split(" ", 1)[0] in (*WRITE_VERBS, "*")]
    found = report(defined, answers, rows)
    assert not any(found.undeclared.values()), "not returned and not in LIMITATIONS.md:\n" + found.text()
    stale = [u for u in found.unused if not u.startswith("*:")]  # `*` rows are the reads' too
    assert not stale, f"LIMITATIONS.md declares properties the twin now returns: {stale}"
    assert all(r.reason.strip() for r in rows), "every declared difference needs its reason"
