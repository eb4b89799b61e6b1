"""Arguments the twin does not serve are refused as Okta refuses an invalid argument (400
E0000001, `Api validation failed: <name>`): an `expand` value Okta does not know, an `after`
cursor that is no Okta id, a boolean that is neither `true` nor `false`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def refused(response: httpx.Response, name: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert body["errorSummary"] == f"Api validation failed: {name}"
    assert body["errorCauses"] and body["errorCauses"][0]["errorSummary"].startswith(f"{name}: ")
    assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}


async def ids(client: httpx.AsyncClient) -> dict[str, str]:
    users = (await client.get("/api/v1/users")).json()
    groups = (await client.get("/api/v1/groups")).json()
    apps = (await client.get("/api/v1/apps")).json()
    return {"user": users[0]["id"], "group": groups[0]["id"], "app": apps[0]["id"]}


async def test_unknown_expand_values_are_refused(client: httpx.AsyncClient) -> None:
    found = await ids(client)
    app, group, user = found["app"], found["group"], found["user"]
    for path in (
        "/api/v1/groups",
        f"/api/v1/groups/{group}",
        "/api/v1/groups/rules",
        "/api/v1/apps",
        f"/api/v1/apps/{app}",
        f"/api/v1/apps/{app}/users",
        f"/api/v1/apps/{app}/groups",
        "/api/v1/users",
        f"/api/v1/users/{user}",
    ):
        refused(await client.get(path, params={"expand": "everything"}), "expand")
    refused(await client.get("/api/v1/groups", params={"expand": "stats,bogus"}), "expand")
    refused(await client.get(f"/api/v1/apps/{app}", params={"expand": "user/"}), "expand")


@pytest.mark.parametrize(
    ("path", "expand"),
    [
        ("/api/v1/groups", "stats,app"),  # app: known to Okta, not modelled (LIMITATIONS.md)
        ("/api/v1/groups/rules", "groupIdToGroupNameMap"),
        ("/api/v1/users", "classification"),
        ("/api/v1/apps", "user/00u00000000000000000"),
    ],
)
async def test_supported_and_known_expand_values_are_served(
    client: httpx.AsyncClient, path: str, expand: str
) -> None:
    assert (await client.get(path, params={"expand": expand})).status_code == 200


async def test_a_cursor_never_handed_out_is_refused(client: httpx.AsyncClient) -> None:
    found = await ids(client)
    for path in ("/api/v1/users", "/api/v1/groups", f"/api/v1/apps/{found['app']}/users"):
        refused(await client.get(path, params={"after": "not-a-cursor"}), "after")
    # The shape of an id that is not (or no longer) there: an empty last page, as before.
    response = await client.get("/api/v1/users", params={"after": "00u" + "0" * 17})
    assert response.status_code == 200 and response.json() == []
    assert 'rel="next"' not in response.headers["link"]


async def test_booleans_are_true_or_false(client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
    body = {
        "profile": {"firstName": "A", "lastName": "B", "email": "ab@example.com", "login": "ab@example.com"}
    }
    for value in ("0", "no", "yes", "1"):
        refused(await client.post("/api/v1/users", params={"activate": value}, json=body), "activate")
    created = await client.post("/api/v1/users", params={"activate": "FALSE"}, json=body)
    assert created.status_code == 200 and created.json()["status"] == "STAGED"
