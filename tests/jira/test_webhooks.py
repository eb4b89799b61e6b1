"""Jira webhooks: JQL-filtered, signed, with the changelog of an update; admin and dynamic."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

from tests.jira.conftest import JiraSite
from tests.kit.receiver import Receiver
from tests.support.servers import serve_app


def wait_for(receiver: Receiver, count: int, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_admin_webhook_filters_by_jql_and_signs(jira_site: JiraSite) -> None:
    receiver = Receiver()
    with serve_app(receiver) as hook_url, httpx.Client(base_url=jira_site.url, auth=jira_site.auth) as http:
        made = http.post(
            "/rest/webhooks/1.0/webhook",
            json={
                "name": "app only",
                "url": hook_url,
                "secret": "s3cret",
                "events": ["jira:issue_created", "jira:issue_updated", "comment_created"],
                "filters": {"issue-related-events-section": "project = APP AND issuetype = Bug"},
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["filters"]["issue-related-events-section"] == "project = APP AND issuetype = Bug"
        bug = http.post(
            "/rest/api/2/issue",
            json={"fields": {"project": {"key": "APP"}, "issuetype": {"name": "Bug"}, "summary": "Hooked"}},
        ).json()
        http.post(
            "/rest/api/2/issue",
            json={
                "fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "Not hooked"}
            },
        )
        http.post(f"/rest/api/2/issue/{bug['key']}/transitions", json={"transition": {"id": "41"}})
        http.post(f"/rest/api/2/issue/{bug['key']}/comment", json={"body": "done"})
        wait_for(receiver, 3)
        kinds = [r.json()["webhookEvent"] for r in receiver.requests]
        assert kinds == ["jira:issue_created", "jira:issue_updated", "comment_created"]
        created, updated, commented = (r.json() for r in receiver.requests)
        assert created["issue"]["key"] == bug["key"] and created["issue_event_type_name"] == "issue_created"
        assert created["user"]["emailAddress"] == "admin@example.com"
        status_change = next(i for i in updated["changelog"]["items"] if i["field"] == "status")
        assert (status_change["fromString"], status_change["toString"]) == ("To Do", "Done")
        assert commented["comment"]["body"] == "done" and commented["issue"]["key"] == bug["key"]
        first = receiver.requests[0]
        expected = hmac.new(b"s3cret", first.body, hashlib.sha256).hexdigest()
        assert first.headers["x-hub-signature"] == f"sha256={expected}"
        hook_id = made.json()["self"].rsplit("/", 1)[1]
        assert http.delete(f"/rest/webhooks/1.0/webhook/{hook_id}").status_code == 204


def test_dynamic_webhooks_report_their_ids(jira_site: JiraSite) -> None:
    receiver = Receiver()
    with serve_app(receiver) as hook_url, httpx.Client(base_url=jira_site.url, auth=jira_site.auth) as http:
        made = http.post(
            "/rest/api/2/webhook",
            json={
                "url": hook_url,
                "webhooks": [
                    {"events": ["jira:issue_created"], "jqlFilter": "project = OPS"},
                    {"events": ["jira:issue_created"], "jqlFilter": "project = = OPS"},
                ],
            },
        )
        results = made.json()["webhookRegistrationResult"]
        assert "createdWebhookId" in results[0] and "errors" in results[1]
        http.post(
            "/rest/api/2/issue",
            json={"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "Dynamic"}},
        )
        wait_for(receiver, 1)
        assert receiver.requests[0].json()["matchedWebhookIds"] == [results[0]["createdWebhookId"]]
        listed = http.get("/rest/api/2/webhook").json()
        assert [w["id"] for w in listed["values"]] == [results[0]["createdWebhookId"]]
        gone = http.request(
            "DELETE", "/rest/api/2/webhook", json={"webhookIds": [results[0]["createdWebhookId"]]}
        )
        assert gone.status_code == 202
        assert http.get("/rest/api/2/webhook").json()["values"] == []
