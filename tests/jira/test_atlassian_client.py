"""`atlassian-python-api` against the twin: the Cloud client (v2 and v3 search), the legacy
offset search of a client without `cloud=True`, and ADF bodies on REST v3."""

from __future__ import annotations

import httpx
import pytest
from atlassian import Jira
from requests import HTTPError

from tests.jira.conftest import JiraSite
from twins.jira.markup.adf import NOT_A_DOCUMENT as NOT_ADF


def test_issue_life_through_the_cloud_client(cloud: Jira) -> None:
    created = cloud.issue_create(
        fields={
            "project": {"key": "OPS"},
            "issuetype": {"name": "Task"},
            "summary": "Order chairs",
            "description": "Six, blue",
        }
    )
    key = created["key"]
    assert cloud.get_issue_status(key) == "To Do"
    cloud.issue_add_comment(key, "Supplier found")
    assert cloud.issue_get_comments(key)["total"] == 1
    cloud.set_issue_status(key, "In Progress")
    assert cloud.get_issue_status(key) == "In Progress"
    cloud.update_issue_field(key, {"summary": "Order six chairs"})
    assert cloud.issue(key)["fields"]["summary"] == "Order six chairs"
    found = cloud.jql(f"key = {key}")
    assert [i["key"] for i in found["issues"]] == [key]
    assert cloud.issue_exists(key)
    cloud.delete_issue(key)
    assert not cloud.issue_exists(key)


def test_people_and_projects(cloud: Jira) -> None:
    people = cloud.user_find_by_user_string(query="chloe")
    assert [p["emailAddress"] for p in people] == ["chloe@example.com"]
    assert cloud.user(account_id=people[0]["accountId"])["displayName"] == "Chloe Chen"
    assert {p["key"] for p in cloud.projects()} == {"APP", "OPS"}


def test_legacy_offset_search(jira_site: JiraSite) -> None:
    server_style = Jira(url=jira_site.url, username=jira_site.auth[0], password=jira_site.auth[1])
    page = server_style.jql("project = APP ORDER BY key", start=2, limit=3)
    assert page["startAt"] == 2 and page["maxResults"] == 3 and len(page["issues"]) == 3
    assert page["total"] >= 5


def test_unauthorized_message_depends_on_the_exact_content_type(jira_site: JiraSite) -> None:
    wrong = Jira(url=jira_site.url, username=jira_site.auth[0], password="nope", cloud=True)
    with pytest.raises(HTTPError) as denied:
        wrong.myself()
    assert "Client must be authenticated" in str(denied.value)


def test_v3_speaks_atlassian_document_format(jira_site: JiraSite) -> None:
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "Bold", "marks": [{"type": "strong"}]},
                    {"type": "text", "text": " move"},
                ],
            }
        ],
    }
    with httpx.Client(base_url=jira_site.url, auth=jira_site.auth) as http:
        made = http.post(
            "/rest/api/3/issue",
            json={
                "fields": {
                    "project": {"key": "APP"},
                    "summary": "ADF",
                    "issuetype": {"id": "10001"},
                    "description": doc,
                }
            },
        )
        assert made.status_code == 201, made.text
        v3 = http.get(f"/rest/api/3/issue/{made.json()['key']}").json()
        v2 = http.get(f"/rest/api/2/issue/{made.json()['key']}").json()
        assert v3["fields"]["description"] == doc
        assert v2["fields"]["description"] == "*Bold* move"
        bad = http.post(
            "/rest/api/3/issue",
            json={
                "fields": {
                    "project": {"key": "APP"},
                    "summary": "x",
                    "issuetype": {"id": "10001"},
                    "description": "plain",
                }
            },
        )
        assert bad.status_code == 400
        assert bad.json() == {
            "errorMessages": [],
            "errors": {"description": NOT_ADF},
        }
        assert http.get("/rest/api/latest/serverInfo").json()["deploymentType"] == "Cloud"
