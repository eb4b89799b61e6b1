"""The example twin driven over ASGI: every kit feature as a client sees it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kit.conftest import ADMIN, Example, basic
from twins.kit.pagers import encode_cursor

PREFIXES = ("/rest/api/2", "/rest/api/3", "/rest/api/latest")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_one_operation_answers_under_every_prefix(example: Example, prefix: str) -> None:
    resp = await example.http.get(f"{prefix}/myself", headers=example.admin)
    assert resp.status_code == 200
    assert resp.json() == {"accountId": "U1", "emailAddress": "admin@example.test", "auth": "basic"}
    assert resp.headers["X-AREQUESTID"]


async def test_basic_auth_refuses_a_wrong_email_or_token_in_jiras_words(example: Example) -> None:
    for headers in (basic("reader@example.test", example.creds["U1_token"]), basic("x@y", "nope"), {}):
        resp = await example.http.get("/rest/api/2/myself", headers=headers)
        assert resp.status_code == 401
        assert resp.json() == {
            "errorMessages": ["Client must be authenticated to access this resource."],
            "errors": {},
        }


async def test_a_scope_the_caller_lacks_is_refused(example: Example) -> None:
    resp = await example.http.post("/rest/api/2/task", json={"title": "x"}, headers=example.reader)
    assert resp.status_code == 201  # Basic: the user's own rights
    bearer = {"Authorization": f"Bearer {example.creds['U2_token']}"}
    resp = await example.http.post("/rest/api/2/task", json={"title": "x"}, headers=bearer)
    assert resp.status_code == 401
    assert resp.json()["errorMessages"] == ["Unauthorized; scope does not match"]


async def test_writes_are_durable_and_read_back(example: Example) -> None:
    resp = await example.http.post("/rest/api/3/task", json={"title": "write docs"}, headers=example.admin)
    assert resp.status_code == 201, resp.text
    task = resp.json()
    assert task["title"] == "write docs" and task["owner"] == "U1"
    resp = await example.http.put(
        f"/rest/api/2/task/{task['id']}", json={"done": True}, headers=example.admin
    )
    assert resp.json()["done"] is True
    state = (await example.http.get("/_twin/state", headers=ADMIN)).json()
    assert any(t["id"] == task["id"] and t["done"] for t in state["collections"]["example_tasks"])
    resp = await example.http.delete(f"/rest/api/2/task/{task['id']}", headers=example.admin)
    assert (resp.status_code, resp.content) == (204, b"")
    resp = await example.http.get(f"/rest/api/2/task/{task['id']}", headers=example.admin)
    assert resp.status_code == 404
    assert resp.json() == {"errorMessages": [f"Task {task['id']} does not exist."], "errors": {}}


async def test_bad_bodies_and_arguments_get_the_vendors_400(example: Example) -> None:
    resp = await example.http.post(
        "/rest/api/2/task",
        content=b"{not json",
        headers={**example.admin, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.json() == {"errorMessages": ["The request body was not well-formed."], "errors": {}}
    resp = await example.http.post("/rest/api/2/task", json={}, headers=example.admin)
    assert resp.json() == {"errorMessages": [], "errors": {"title": "is required"}}
    resp = await example.http.get("/rest/api/2/task?done=maybe", headers=example.admin)
    assert (resp.status_code, resp.json()["errors"]) == (400, {"done": "must be a boolean"})
    resp = await example.http.get("/rest/api/2/search?orderBy=size", headers=example.admin)
    assert resp.json()["errors"] == {"orderBy": "must be one of created, title"}


async def test_start_at_pages_carry_totals(example: Example) -> None:
    seen: list[str] = []
    start = 0
    while True:
        resp = await example.http.get(f"/rest/api/2/task?startAt={start}", headers=example.admin)
        page = resp.json()
        assert (page["startAt"], page["maxResults"], page["total"]) == (start, 2, 5)
        seen += [t["id"] for t in page["values"]]
        if page["isLast"]:
            break
        start += 2
    assert len(seen) == len(set(seen)) == 5
    resp = await example.http.get("/rest/api/2/task?startAt=-1", headers=example.admin)
    assert resp.json()["errors"] == {"startAt": "must be at least 0"}


async def test_next_page_tokens_are_opaque_and_checked(example: Example) -> None:
    titles: list[str] = []
    token = ""
    while True:
        query = f"?orderBy=title&nextPageToken={token}" if token else "?orderBy=title"
        page = (await example.http.get("/rest/api/2/search" + query, headers=example.admin)).json()
        titles += [t["title"] for t in page["tasks"]]
        if page["isLast"]:
            assert "nextPageToken" not in page
            break
        token = page["nextPageToken"]
    assert titles == sorted(titles) and len(titles) == 5
    forged = encode_cursor("tasks", 2)  # a cursor of another list
    resp = await example.http.get(f"/rest/api/2/search?nextPageToken={forged}", headers=example.admin)
    assert resp.status_code == 400


async def test_the_rate_limit_answers_429_with_jiras_headers(example: Example) -> None:
    frozen = await example.http.post(
        "/_twin/clock", json={"freeze": True, "at": 1_800_000_000}, headers=ADMIN
    )
    assert frozen.status_code == 200  # one window for the whole burst, whatever the time of day
    codes = [
        (await example.http.get("/rest/api/2/search", headers=example.admin)).status_code for _ in range(8)
    ]
    assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}
    resp = await example.http.get("/rest/api/2/search", headers=example.admin)
    assert {"retry-after", "x-ratelimit-limit", "x-ratelimit-reset"} <= set(resp.headers.keys())
    assert (resp.headers["x-ratelimit-limit"], resp.headers["x-ratelimit-remaining"]) == ("5", "0")
    assert resp.json() == {"errorMessages": ["rate limit exceeded"], "errors": {}}
    await example.http.post("/_twin/clock", json={"advance": 61}, headers=ADMIN)
    assert (await example.http.get("/rest/api/2/search", headers=example.admin)).status_code == 200


async def test_the_rpc_flavour_reads_form_json_and_query_and_pages_by_body_cursor(example: Example) -> None:
    token = example.creds["U1_token"]
    ids: list[str] = []
    cursor = ""
    while True:
        resp = await example.http.post("/api/tasks.list", data={"token": token, "cursor": cursor})
        body = resp.json()
        assert body["ok"] is True
        ids += [t["id"] for t in body["tasks"]]
        cursor = body["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert len(ids) == 5
    resp = await example.http.get(f"/api/tasks.list?token={token}&cursor=bogus")
    assert (resp.status_code, resp.json()) == (200, {"ok": False, "error": "invalid_cursor"})
    headers = {"Authorization": f"Bearer {token}"}
    resp = await example.http.post("/api/tasks.complete", json={"task": ids[0]}, headers=headers)
    assert resp.json()["task"]["done"] is True and resp.headers["x-example"] == "completed"
    assert resp.headers["x-slack-req-id"]


async def test_rpc_errors_are_slacks(example: Example) -> None:
    resp = await example.http.post("/api/tasks.list")
    assert (resp.status_code, resp.json()) == (200, {"ok": False, "error": "not_authed"})
    resp = await example.http.post("/api/tasks.list", data={"token": "nope"})
    assert resp.json() == {"ok": False, "error": "invalid_auth"}
    reader = example.creds["U2_token"]
    resp = await example.http.post("/api/tasks.complete", data={"token": reader, "task": "T-1"})
    provided = "read:tasks,example.users.read"  # as the token lists them
    assert resp.json() == {
        "ok": False,
        "error": "missing_scope",
        "needed": "write:tasks",
        "provided": provided,
    }
    resp = await example.http.post("/api/tasks.nope", data={"token": reader})
    assert (resp.status_code, resp.json()["error"]) == (404, "unknown_method")
    resp = await example.http.post("/api/tasks.complete", data={"token": example.creds["U1_token"]})
    assert resp.json()["error"] == "invalid_arguments"


async def test_okta_style_ssws_paging_by_link_header(example: Example) -> None:
    ssws = {"Authorization": f"SSWS {example.creds['U1_token']}"}
    resp = await example.http.get("/api/v1/users", headers=ssws)
    assert [u["id"] for u in resp.json()] == ["U1"]
    assert resp.headers["x-okta-request-id"]
    links = resp.headers["link"]
    assert '<http://testserver/api/v1/users>; rel="self"' in links
    assert 'rel="next"' in links and "after=U1" in links
    resp = await example.http.get("/api/v1/users?after=U1", headers=ssws)
    assert [u["id"] for u in resp.json()] == ["U2"] and 'rel="next"' not in resp.headers["link"]
    resp = await example.http.get("/api/v1/users?limit=x", headers=ssws)
    assert resp.status_code == 400 and resp.json()["errorCode"] == "E0000001"


async def test_bearer_tokens_issued_through_an_extension(example: Example) -> None:
    resp = await example.http.post(
        "/oauth2/v1/token", data={"scope": "example.users.read"}, headers=example.admin
    )
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await example.http.get("/api/v1/users", headers=bearer)).status_code == 200
    resp = await example.http.post(
        "/api/v1/users", json={"profile": {"email": "n@example.test"}}, headers=bearer
    )
    assert resp.status_code == 403 and resp.json()["errorCode"] == "E0000006"
    resp = await example.http.get("/api/v1/users", headers={"Authorization": "Bearer forged.token"})
    assert (resp.status_code, resp.json()["errorCode"]) == (401, "E0000011")
    resp = await example.http.post("/oauth2/v1/token", data={"scope": "root"}, headers=example.admin)
    assert (resp.status_code, resp.json()["error"]) == (400, "invalid_scope")  # that registry's style


async def test_okta_user_create_with_flags(example: Example) -> None:
    ssws = {"Authorization": f"SSWS {example.creds['U1_token']}"}
    body: dict[str, Any] = {"profile": {"email": "new@example.test", "name": "New"}}
    resp = await example.http.post("/api/v1/users?activate=false", json=body, headers=ssws)
    assert resp.status_code == 200 and resp.json()["status"] == "STAGED"
    resp = await example.http.post("/api/v1/users?activate=0", json=body, headers=ssws)
    assert resp.status_code == 400  # Okta spells booleans true/false only
    resp = await example.http.post("/api/v1/users", json=body, headers=ssws)
    assert resp.json()["errorCauses"] == [{"errorSummary": "login: already exists"}]


async def test_open_operations_and_framework_errors_in_the_vendors_shape(example: Example) -> None:
    assert (await example.http.get("/status")).json() == {"tenant": "default", "tasks": 5}
    resp = await example.http.get("/status/anonymous")
    assert resp.json() == {"tenant": "default", "kind": "anonymous"}
    resp = await example.http.get("/rest/api/2/nothing-here")
    assert (resp.status_code, set(resp.json())) == (404, {"errorMessages", "errors"})
    resp = await example.http.patch("/rest/api/2/myself", headers=example.admin)
    assert resp.status_code == 405 and "errorMessages" in resp.json()


async def test_kit_endpoints_take_the_fast_lane(example: Example) -> None:
    from twins._runtime.routing import RouteIndex

    index = next(r for r in example.app.router.routes if isinstance(r, RouteIndex))
    kit_routes = [
        r for r in example.app.router.routes if getattr(r, "path", "").startswith(("/rest", "/api"))
    ]
    assert kit_routes and all(id(r) in index.direct for r in kit_routes)


async def test_openapi_document_is_built_from_the_table(example: Example) -> None:
    doc = (await example.http.get("/_twin/example/openapi.json", headers=ADMIN)).json()
    for prefix in PREFIXES:
        item = doc["paths"][f"{prefix}/task/{{taskId}}"]
        assert set(item) == {"get", "put", "delete"}
        assert item["get"]["parameters"][0] == {
            "name": "taskId", "in": "path", "required": True, "schema": {"type": "string"}
        }  # fmt: skip
        assert item["put"]["security"] == [{"jira": ["write:tasks"]}]
    assert doc["paths"]["/api/tasks.list"]["post"]["operationId"] == "rpc_list"
    assert {"startAt", "maxResults"} <= {
        p["name"] for p in doc["paths"]["/rest/api/2/task"]["get"]["parameters"]
    }


def test_coverage_matcher_reads_the_table() -> None:
    from tests.kit.example_twin import create_service

    implements = create_service().implements
    assert implements is not None
    assert implements("GET", "/rest/api/3/task/{id}")
    assert implements("POST", "/api/tasks.complete")
    assert not implements("GET", "/rest/api/3/project")
