"""Vendor routes answer in the service's error style, also for FastAPI's own errors and crashes."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from starlette.responses import JSONResponse

from tests.runtime.conftest import CustomError, Twin, extended_service


async def test_unknown_path_is_the_vendors_404(unchanged_twin: Twin) -> None:
    resp = await unchanged_twin.http.get("/v2/nothing/here")
    assert resp.status_code == 404
    assert resp.json() == {"code": "not_found", "message": "Not Found"}


async def test_wrong_method_is_the_vendors_405(unchanged_twin: Twin) -> None:
    resp = await unchanged_twin.http.put("/v1/notes")
    assert resp.status_code == 405
    assert resp.json() == {"code": "method_not_allowed", "message": "Method Not Allowed"}
    assert "GET" in resp.headers["allow"]  # the header HTTP requires on a 405 is kept


@pytest.mark.parametrize(
    ("kw", "where"),
    [
        ({"json": {}}, "title"),
        ({"json": {"title": 5}}, "title"),
        ({"json": {"title": "t", "tags": "not a list"}}, "tags"),
        ({"content": b"{broken", "headers": {"Content-Type": "application/json"}}, ""),
    ],
)
async def test_invalid_body_is_the_vendors_422(
    unchanged_twin: Twin, kw: dict[str, object], where: str
) -> None:
    resp = await unchanged_twin.http.post("/v1/notes", **kw)  # type: ignore[arg-type]
    assert resp.status_code == 422
    body = resp.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == "invalid_body"
    assert where in body["message"]
    assert "detail" not in resp.text


@pytest.mark.parametrize(
    "kw",
    [
        {"json": {}},
        {"json": {"title": 5}},
        {"content": b"{broken", "headers": {"Content-Type": "application/json"}},
    ],
)
async def test_body_fastapi_validates_fails_with_the_vendors_422(twin: Twin, kw: dict[str, object]) -> None:
    """`retitle` declares a pydantic body, so FastAPI validates it: its 422 is rendered by the twin."""
    auth = await twin.auth()
    note = (await twin.http.post("/v1/notes", json={"title": "a"}, headers=auth)).json()["id"]
    headers = {**auth, **kw.pop("headers", {})}  # type: ignore[dict-item]
    resp = await twin.http.put(f"/v1/notes/{note}/title", headers=headers, **kw)  # type: ignore[arg-type]
    assert resp.status_code == 422
    assert set(resp.json()) == {"code", "message"}
    assert resp.json()["code"] == "invalid_body"
    assert "detail" not in resp.text
    ok = await twin.http.put(f"/v1/notes/{note}/title", json={"title": "b"}, headers=auth)
    assert ok.status_code == 200 and ok.json()["title"] == "b"


async def test_invalid_query_is_the_vendors_422(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    resp = await twin.http.get("/v1/notes", params={"limit": "lots"}, headers=await twin.auth())
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_body"
    assert resp.json()["message"].startswith("query.limit:")


async def test_vendor_errors_raised_by_the_domain(unchanged_twin: Twin) -> None:
    twin = unchanged_twin
    auth = await twin.auth()
    resp = await twin.http.get("/v1/notes/missing", headers=auth)
    assert resp.status_code == 404
    assert resp.json() == {"code": "not_found", "message": "no note missing"}
    resp = await twin.http.get("/v1/notes", params={"after": "nope"}, headers=auth)
    assert resp.status_code == 400
    assert resp.json() == {"code": "invalid_cursor", "message": "bad cursor"}
    resp = await twin.http.delete("/v1/notes/missing", headers=auth)
    assert resp.status_code == 404


async def test_crash_is_the_vendors_500_and_logged(
    make_twin: Callable[..., Twin], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="twins")
    twin = make_twin(extended_service(), raise_app_exceptions=False)
    resp = await twin.http.get("/v1/crash")
    assert resp.status_code == 500
    assert resp.json() == {"code": "server_error", "message": "internal error"}
    assert "kaboom" not in resp.text  # no internals on the vendor surface
    assert "unhandled error on GET /v1/crash" in caplog.text
    # The app keeps serving.
    assert (await twin.http.get("/v1/notes", headers=await twin.auth())).status_code == 200


async def test_thin_endpoints_errors_are_answered_as_fastapis_would(
    make_twin: Callable[..., Twin], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="twins")
    twin = make_twin(extended_service(), raise_app_exceptions=False)
    # A crash reaches the server error handler: the vendor's 500, logged.
    resp = await twin.http.get("/v1/thin/crash")
    assert resp.status_code == 500
    assert resp.json() == {"code": "server_error", "message": "internal error"}
    assert "unhandled error on GET /v1/thin/crash" in caplog.text
    # An HTTP exception goes to the app's handler for it, with its status.
    resp = await twin.http.get("/v1/thin/http/409")
    assert resp.status_code == 409
    assert resp.json()["message"] == "thin 409"
    # A handler added to the app later, even a synchronous one, answers its exception.
    twin.app.add_exception_handler(
        CustomError, lambda _request, exc: JSONResponse({"custom": str(exc)}, status_code=418)
    )
    resp = await twin.http.get("/v1/thin/custom")
    assert resp.status_code == 418
    assert resp.json() == {"custom": "custom"}


async def test_exhausted_write_conflict_is_a_vendor_503(make_twin: Callable[..., Twin]) -> None:
    twin = make_twin(extended_service(), raise_app_exceptions=False)
    resp = await twin.http.post("/v1/conflict", headers=await twin.auth())
    assert resp.status_code == 503
    assert resp.json() == {"code": "server_error", "message": "the tenant is busy; retry"}


async def test_paging_of_the_sample_service(twin: Twin) -> None:
    auth = await twin.auth()
    for i in range(3):
        await twin.create_note(f"p{i}", auth)
    first = (await twin.http.get("/v1/notes", params={"limit": 2}, headers=auth)).json()
    assert first["more"] is True and len(first["notes"]) == 2
    rest = (
        await twin.http.get("/v1/notes", params={"limit": 2, "after": first["notes"][-1]["id"]}, headers=auth)
    ).json()
    assert rest["more"] is False
    assert [n["title"] for n in first["notes"] + rest["notes"]] == ["note 0", "p0", "p1", "p2"]
