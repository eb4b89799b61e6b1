"""`SharedTwin`: one in-process app for many recordings, each on the default tenant made afresh, so
every recording sees what a new app's default tenant shows (the same seed, ids and credentials)."""

from __future__ import annotations

import json

import pytest

from recorder.parity import SharedTwin, okta, verify_async
from recorder.parity.session import Session, open_session
from recorder.trace import Body, Exchange, Request, Response
from tests.okta.conftest import make_app as make_okta

ORG = "https://acme.okta.com"
GROUP = {"profile": {"name": "Parity replayers", "description": ""}}


def exchange(method: str, path: str, status: int, request: object, answer: object) -> Exchange:
    return Exchange(
        service="okta",
        request=Request(
            method=method,
            url=ORG + path,
            headers=[("Authorization", "SSWS REDACTED"), ("Content-Type", "application/json")],
            body=Body(text=json.dumps(request) if request is not None else ""),
        ),
        response=Response(status=status, body=Body(text=json.dumps(answer))),
    )


async def new_group(session: Session) -> tuple[str, list[str]]:
    """A group made through the vendor API, and the names of the groups listed after it."""
    headers = {"Authorization": f"SSWS {(await session.credentials())['api_token']}"}
    made = await session.client.post("/api/v1/groups", json=GROUP, headers=headers)
    assert made.status_code == 200, made.text
    listed = await session.client.get("/api/v1/groups", headers=headers)
    return made.json()["id"], [g["profile"]["name"] for g in listed.json()]


async def test_each_session_has_the_default_tenant_as_a_new_app_has_it() -> None:
    async with SharedTwin(make_okta) as twin:
        async with open_session(twin) as first:
            first_id, first_names = await new_group(first)
            token = (await first.credentials())["api_token"]
        async with open_session(twin) as second:
            second_id, second_names = await new_group(second)
            assert (await second.credentials())["api_token"] == token
    async with open_session(make_okta) as fresh:
        fresh_id, fresh_names = await new_group(fresh)
    assert first_names.count("Parity replayers") == second_names.count("Parity replayers") == 1
    assert first_id == second_id == fresh_id  # ids depend on the tenant's id: the same one
    assert first_names == second_names == fresh_names


async def test_a_shared_twin_reports_what_an_app_per_recording_reports() -> None:
    recording = [
        exchange("POST", "/api/v1/groups", 200, GROUP, {"id": "00g1recordedAAAAAAAA", **GROUP}),
        exchange("GET", "/api/v1/groups?q=Parity", 200, None, [{"id": "00g1recordedAAAAAAAA", **GROUP}]),
    ]
    traces = [("one", recording), ("two", recording), ("three", recording)]
    apart = await verify_async(make_okta, traces, profile=okta.PROFILE)
    async with SharedTwin(make_okta) as twin:
        shared = await verify_async(twin, traces, profile=okta.PROFILE)
    assert [o.to_dict() for o in shared.outcomes] == [o.to_dict() for o in apart.outcomes]
    assert all(o.passed for o in shared.outcomes), shared.to_markdown()


async def test_a_shared_twin_serves_only_inside_its_block() -> None:
    twin = SharedTwin(make_okta)
    with pytest.raises(RuntimeError, match="inside `async with`"):
        async with open_session(twin):
            pass
