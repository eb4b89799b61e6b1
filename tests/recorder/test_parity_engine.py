"""The parity engine end to end: small recordings replayed against real twins on fresh tenants."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from recorder.parity import Report, okta, slack, verify, verify_async
from recorder.parity.report import Outcome
from recorder.trace import Body, Exchange, Request, Response, TraceWriter
from tests.okta.conftest import make_app as make_okta
from tests.slack.conftest import make_app as make_slack
from tests.support.servers import serve_app

ORG = "https://acme.okta.com"
INVALID = '{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorCauses":[]}'


def okta_exchange(
    method: str,
    path: str,
    status: int,
    body: object,
    *,
    auth: str | None = "SSWS REDACTED",
    link: str | None = None,
) -> Exchange:
    headers = [("Link", link)] if link else []
    return Exchange(
        service="okta",
        request=Request(method=method, url=ORG + path, headers=[("Authorization", auth)] if auth else []),
        response=Response(status=status, headers=headers, body=Body(text=json.dumps(body))),
    )


def slack_exchange(method: str, body: dict[str, object], form: str = "") -> Exchange:
    return Exchange(
        service="slack",
        request=Request(
            method="POST",
            url=f"https://slack.com/api/{method}",
            headers=[
                ("Authorization", "Bearer <SLACK_API_TOKEN>"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body=Body(text=form),
        ),
        response=Response(status=200, body=Body(text=json.dumps(body))),
    )


def only(report: Report) -> list[Outcome]:
    assert all(r.served for r in report.recordings), report.to_markdown()
    return report.outcomes


async def test_page_two_of_a_recorded_listing_replays_through_the_cursor_map() -> None:
    page = "/api/v1/groups?limit=1"
    next_link = f'<{ORG}/api/v1/groups?after=recordedCursorXyz&limit=1>; rel="next"'
    recording = [
        okta_exchange("GET", page, 200, [{"id": "00g1recordedAAAAAAAA"}], link=next_link),
        okta_exchange(
            "GET", "/api/v1/groups?after=recordedCursorXyz&limit=1", 200, [{"id": "00g2recordedBBBBBBBB"}]
        ),
    ]
    report = await verify_async(make_okta, [("paging", recording)], profile=okta.PROFILE)
    first, second = only(report)
    assert first.exact, first.to_dict()
    assert second.exact, second.to_dict()  # unmapped, the twin reads an unknown cursor: an empty page


async def test_a_recorded_page_the_twin_does_not_continue_is_reported() -> None:
    next_link = f'<{ORG}/api/v1/groups?after=recordedCursorXyz&limit=200>; rel="next"'
    recording = [
        okta_exchange(
            "GET", "/api/v1/groups?limit=200", 200, [{"id": "00g1recordedAAAAAAAA"}], link=next_link
        )
    ]
    (outcome,) = only(await verify_async(make_okta, [("one page", recording)], profile=okta.PROFILE))
    assert (
        "`(next page)`: next-page cursor a recorded, none from the twin" in outcome.to_dict()["differences"]
    )


async def test_recorded_credential_classes_are_replayed() -> None:
    recording = [
        okta_exchange("GET", "/api/v1/users/me", 401, json.loads(INVALID)),
        okta_exchange("GET", "/api/v1/groups?q=Everyone", 200, [{"id": "00g1recordedAAAAAAAA"}]),
        okta_exchange("GET", "/oauth2/default/.well-known/openid-configuration", 200, {}, auth=None),
    ]
    invalid, valid, anonymous = only(
        await verify_async(make_okta, [("creds", recording)], profile=okta.PROFILE)
    )
    assert invalid.status == (401, 401) and invalid.exact, invalid.to_dict()
    assert valid.status == (200, 200) and valid.exact, valid.to_dict()
    assert anonymous.status == (200, 200)


async def test_a_wrong_value_from_the_twin_is_a_mismatch_end_to_end() -> None:
    recording = [
        okta_exchange("GET", "/api/v1/users?limit=200", 200, []),
        okta_exchange(
            "GET", "/api/v1/groups?q=Everyone", 200, [{"id": "00g1recordedAAAAAAAA", "type": "BUILT_IN"}]
        ),
        okta_exchange(
            "GET",
            "/api/v1/groups/00g1recordedAAAAAAAA",
            200,
            {"id": "00g1recordedAAAAAAAA", "type": "APP_GROUP"},
        ),
    ]
    users, listing, group = only(await verify_async(make_okta, [("values", recording)], profile=okta.PROFILE))
    assert users.undeclared and users.undeclared[0].what == "count", users.to_dict()
    assert listing.exact, listing.to_dict()
    assert [d.explain() for d in group.undeclared] == [
        "`type`: 'APP_GROUP' recorded, 'BUILT_IN' from the twin"
    ]


async def test_slack_credential_classes_paging_and_coverage(tmp_path: Path) -> None:
    recording = [
        slack_exchange("auth.test", {"ok": False, "error": "invalid_auth"}),
        slack_exchange(
            "users.list", {"ok": False, "error": "missing_scope", "needed": "users:read"}, "limit=1"
        ),
        slack_exchange(
            "conversations.list",
            {
                "ok": True,
                "channels": [{"id": "C0RECORDED1"}],
                "response_metadata": {"next_cursor": "cmVjb3JkZWQ="},
            },
            "limit=1",
        ),
        slack_exchange(
            "conversations.list",
            {
                "ok": True,
                "channels": [{"id": "C0RECORDED2"}],
                "response_metadata": {"next_cursor": "cmVjb3JkZWQy"},
            },
            "limit=1&cursor=cmVjb3JkZWQ%3D",
        ),
    ]
    # Every `/api/<method>` is routed (an unknown method gets Slack's own error); a page is not.
    unserved = [slack_exchange("auth.test", {"ok": True}).model_copy(deep=True)]
    unserved[0].request.url = "https://slack.com/team/U012AB3CD"
    trace = tmp_path / "slack.jsonl"
    with TraceWriter(trace) as writer:
        for session, exchanges in (("flows", recording), ("admin", unserved)):
            for seq, item in enumerate(exchanges):
                writer.write(item.model_copy(update={"session": session, "seq": seq}))
    report = await verify_async(make_slack, [trace], profile=slack.PROFILE)
    invalid, scoped, page_one, page_two = report.outcomes
    assert invalid.exact and scoped.exact, (invalid.to_dict(), scoped.to_dict())
    assert page_one.exact and page_two.exact, (page_one.to_dict(), page_two.to_dict())
    assert report.figures()["recordings_served"] == 1
    assert "1/2 recordings served, 4/5 exchanges served" in report.coverage()
    assert "`POST /team/U012AB3CD` (1 recordings)" in report.to_markdown()


def test_verify_runs_against_a_served_twin_on_a_fresh_tenant(tmp_path: Path) -> None:
    recording = [
        okta_exchange("GET", "/api/v1/users/me", 401, json.loads(INVALID)),
        okta_exchange(
            "GET", "/api/v1/groups?q=Everyone", 200, [{"id": "00g1recordedAAAAAAAA", "type": "BUILT_IN"}]
        ),
    ]
    trace = tmp_path / "okta.jsonl"
    with TraceWriter(trace) as writer:
        writer.write_all(recording)
    app = make_okta()
    with serve_app(app) as base_url:
        report = verify(base_url, [trace])
        tenants = httpx.get(f"{base_url}/_twin/tenants").json()
    assert report.service == "okta"
    assert [o.exact for o in report.outcomes] == [True, True], report.to_markdown()
    assert all(not t["id"].startswith("parity-") for t in tenants["tenants"]), "the tenant is left behind"
