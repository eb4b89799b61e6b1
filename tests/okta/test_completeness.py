"""Response completeness against Okta's official specs: every read operation the twin serves is called
on a seeded org (with ids of its own objects), and every property the spec's success schema or
example defines must be in the twin's answer, or be declared in LIMITATIONS.md ("Response
completeness") with the reason. A read operation the twin gains is toured too, or the test fails.
Write operations are toured by test_write_completeness.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.okta.conftest import make_app
from tests.support.completeness import declared, report, success_paths
from tests.support.specs import load_spec
from twins._runtime.coverage import operations, route_matcher

pytestmark = pytest.mark.reference

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT.parent / "shared" / "reference" / "okta" / "okta-management-openapi-spec" / "dist" / "current"
SPEC_FILES = [SPECS / "management-minimal.yaml", SPECS / "oauth-minimal.yaml"]
if not all(f.is_file() for f in SPEC_FILES):
    pytest.skip(f"{SPECS} is not here", allow_module_level=True)

LIMITATIONS = ROOT / "twins" / "okta" / "LIMITATIONS.md"
# Read operations the tour cannot answer with a 200, and why (their properties are not checked).
NOT_TOURED = {
    "GET /api/v1/sessions/{sessionId}": "needs a session made from an authn sessionToken",
    "GET /api/v1/meta/schemas/user/linkedObjects": "linked objects are not implemented (answers 404)",
    "GET /oauth2/v1/authorize": "answers with a redirect, not a body",
    "GET /oauth2/{authorizationServerId}/v1/authorize": "answers with a redirect, not a body",
    "GET /oauth2/v1/logout": "answers with a redirect, not a body",
    "GET /oauth2/{authorizationServerId}/v1/logout": "answers with a redirect, not a body",
    "GET /oauth2/v1/userinfo": "needs an access token from a user's sign-in",
    "GET /oauth2/{authorizationServerId}/v1/userinfo": "needs an access token from a user's sign-in",
}
# The expand values the twin supports, passed where an operation takes one, so `_embedded` is seen.
EXPAND = {
    "GET /api/v1/groups": "stats",
    "GET /api/v1/groups/{groupId}": "stats",
    "GET /api/v1/groups/rules": "groupIdToGroupNameMap",
    "GET /api/v1/groups/rules/{groupRuleId}": "groupIdToGroupNameMap",
    "GET /api/v1/apps/{appId}": "user/{userId}",
    "GET /api/v1/apps/{appId}/users": "user",
    "GET /api/v1/apps/{appId}/users/{userId}": "user",
    "GET /api/v1/apps/{appId}/groups": "group",
    "GET /api/v1/apps/{appId}/groups/{groupId}": "group",
}
HOOK = {
    "name": "Completeness",
    "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"]},
    "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://127.0.0.1:9/hook"}},
}
RULE = {
    "type": "group_rule",
    "name": "Engineers",
    "conditions": {"expression": {"type": "urn:okta:expression:1.0", "value": 'user.title=="Engineer"'}},
    "actions": {"assignUserToGroups": {"groupIds": ["{groupId}"]}},
}


def spec_reads() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """ "GET path" -> (spec, operation) for every read operation of both specs."""
    out = {}
    for file in SPEC_FILES:
        spec = load_spec(file)
        for op in operations(spec):
            if op.method == "GET":
                out[f"GET {op.path}"] = (spec, spec["paths"][op.path]["get"])
    return out


async def first(client: httpx.AsyncClient, path: str, key: str = "id", **match: str) -> str:
    items = (await client.get(path)).json()
    found = next(i for i in items if all(i.get(k) == v for k, v in match.items()))
    return str(found[key])


async def object_ids(client: httpx.AsyncClient) -> dict[str, str]:
    """An id of the seeded org for each path parameter (a hook and a group rule are made)."""
    ids = {
        "userId": await first(client, "/api/v1/users"),
        "groupId": await first(client, "/api/v1/groups", type="OKTA_GROUP"),
        "appId": await first(client, "/api/v1/apps", signOnMode="OPENID_CONNECT"),
        "authServerId": "default",
        "authorizationServerId": "default",
        "schemaId": "default",
        "sessionId": "102nosuchsession",  # not toured (NOT_TOURED)
    }
    ids["id"] = ids["userId"]
    server = "/api/v1/authorizationServers/default"
    ids["policyId"] = await first(client, f"{server}/policies")
    ids["ruleId"] = await first(client, f"{server}/policies/{ids['policyId']}/rules")
    ids["claimId"] = await first(client, f"{server}/claims")
    ids["scopeId"] = await first(client, f"{server}/scopes")
    ids["keyId"] = await first(client, f"{server}/credentials/keys", key="kid")
    ids["secretId"] = await first(client, f"/api/v1/apps/{ids['appId']}/credentials/secrets")
    ids["typeId"] = await first(client, "/api/v1/meta/types/user")
    hook = await client.post("/api/v1/eventHooks", json=HOOK)
    ids["eventHookId"] = hook.json()["id"]
    rule = {**RULE, "actions": {"assignUserToGroups": {"groupIds": [ids["groupId"]]}}}
    ids["groupRuleId"] = (await client.post("/api/v1/groups/rules", json=rule)).json()["id"]
    user, group = ids["userId"], ids["groupId"]
    await client.put(f"/api/v1/groups/{group}/users/{user}")
    await client.post(f"/api/v1/apps/{ids['appId']}/users", json={"id": user})
    await client.put(f"/api/v1/apps/{ids['appId']}/groups/{group}", json={})
    return ids


@pytest.fixture(scope="module")
async def answers() -> AsyncIterator[dict[str, list[Any]]]:
    """One 200 answer per read operation the twin serves, from a fresh seeded org."""
    app = make_app()
    ctx = app.state.twin
    token = ctx.service.credentials(ctx.default_state(), "")["api_token"]
    implemented = route_matcher(app)
    out: dict[str, list[Any]] = {}
    headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        ids = await object_ids(client)
        for name in sorted(spec_reads()):
            path = name.split(" ", 1)[1]
            if not implemented("GET", path):
                continue
            url = re.sub(r"\{([^}]+)\}", lambda m: ids[m[1]], path)
            expand = EXPAND.get(name, "").replace("{userId}", ids["userId"])
            resp = await client.get(url, params={"expand": expand} if expand else None)
            if resp.status_code == 200:
                out[name] = [resp.json()]
            else:
                out[f"{name} (failed)"] = [resp.status_code, resp.text[:300]]
    ctx.store.stop()
    yield out


def test_every_read_operation_is_toured(answers: dict[str, list[Any]]) -> None:
    failed = {k.removesuffix(" (failed)"): v for k, v in answers.items() if k.endswith("(failed)")}
    assert set(failed) - set(NOT_TOURED) == set(), failed
    assert set(NOT_TOURED) - set(failed) == set(), "NOT_TOURED lists operations the tour now answers"


def test_no_property_is_dropped_undeclared(answers: dict[str, list[Any]]) -> None:
    reads = spec_reads()
    toured = [k for k in answers if not k.endswith("(failed)")]
    defined = {name: success_paths(*reads[name]) for name in toured}
    rows = [r for r in declared(LIMITATIONS) if r.operation == "*" or r.operation.startswith("GET ")]
    found = report(defined, answers, rows)
    assert not any(found.undeclared.values()), "not returned and not in LIMITATIONS.md:\n" + found.text()
    assert not found.unused, f"LIMITATIONS.md declares properties the twin now returns: {found.unused}"
    assert all(r.reason.strip() for r in rows), "every declared difference needs its reason"
