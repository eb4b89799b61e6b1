"""Creating users, and projects for them (POST /user, POST /project): with the jira library and raw HTTP,
Jira's field errors for bad input, and the admin scopes they need."""

from __future__ import annotations

import httpx
import pytest
from jira import JIRA

from tests.jira.conftest import JiraSite


def test_a_new_user_and_project_take_issues(jira_site: JiraSite, jira: JIRA) -> None:
    with httpx.Client(base_url=jira_site.url, auth=jira_site.auth) as http:
        made = http.post(
            "/rest/api/3/user", json={"emailAddress": "new.person@example.com", "displayName": "New"}
        )
        assert made.status_code == 201, made.text
        user = made.json()
        assert user["emailAddress"] == "new.person@example.com" and user["accountId"].startswith("712020:")
        body = {
            "key": "NEWP",
            "name": "New project",
            "projectTypeKey": "business",
            "leadAccountId": user["accountId"],
        }
        project = http.post("/rest/api/3/project", json=body)
        assert project.status_code == 201, project.text
        assert project.json()["key"] == "NEWP" and project.json()["self"].endswith(
            f"/project/{project.json()['id']}"
        )
    assert [u.displayName for u in jira.search_users(query="new.person@example.com")] == ["New"]
    assert jira.project("NEWP").lead.accountId == user["accountId"]
    issue = jira.create_issue(project="NEWP", summary="first", issuetype={"name": "Task"})
    assert issue.key == "NEWP-1"
    jira.assign_issue(issue.key, user["accountId"])
    assert jira.issue(issue.key).fields.assignee.accountId == user["accountId"]


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        ("/user", {"emailAddress": "admin@example.com"}, "emailAddress", "already exists"),
        ("/user", {"displayName": "nobody"}, "emailAddress", "valid email"),
        ("/project", {"key": "APP", "name": "Other"}, "projectKey", "uses this project key"),
        ("/project", {"key": "lower", "name": "Other"}, "projectKey", "uppercase letter"),
        ("/project", {"key": "ZZZ", "name": "Apollo App"}, "projectName", "already exists"),
        (
            "/project",
            {"key": "ZZZ", "name": "Z", "projectTypeKey": "service_desk"},
            "projectTypeKey",
            "not available",
        ),
        (
            "/project",
            {"key": "ZZZ", "name": "Z", "leadAccountId": "nobody"},
            "projectLead",
            "valid project lead",
        ),
    ],
)
def test_bad_input_gets_jiras_field_errors(
    jira_site: JiraSite, path: str, body: dict[str, str], field: str, message: str
) -> None:
    resp = httpx.post(f"{jira_site.url}/rest/api/3{path}", json=body, auth=jira_site.auth)
    assert resp.status_code == 400
    errors = resp.json()
    assert errors["errorMessages"] == [] and message in errors["errors"][field]


def test_a_token_without_the_admin_scopes_is_refused(jira_site: JiraSite) -> None:
    """An OAuth bearer token of read scopes only (Ben's): creating a user or a project is refused
    and nothing is made (API tokens in Basic auth carry no scopes, as in Jira Cloud)."""
    with httpx.Client(base_url=jira_site.url) as http:
        admin = httpx.BasicAuth(*jira_site.auth)
        tokens = http.get(
            "/_twin/state",
            params={"collection": "jira_tokens"},
            headers={"Authorization": "Bearer jira-admin-token-0123"},
        ).json()["collections"]["jira_tokens"]
        ben = next(t for t in tokens if t["email"] == "ben@example.com")
        bearer = {"Authorization": f"Bearer {ben['token']}"}
        for path, body in (
            ("/user", {"emailAddress": "bearer@example.com"}),
            ("/project", {"key": "XX", "name": "X"}),
        ):
            resp = http.post(f"/rest/api/3{path}", json=body, headers=bearer)
            assert resp.status_code in (401, 403), resp.text
        assert http.get("/rest/api/3/project/XX", auth=admin).status_code == 404
