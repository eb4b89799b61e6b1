"""Team-managed (next-gen) projects: made from a team-managed template, with issue types of their
own; through `atlassian-python-api` and `jira`."""

from __future__ import annotations

import httpx
import pytest
from atlassian import Jira
from jira import JIRA

from tests.jira.conftest import JiraSite

SCRUM = "com.pyxis.greenhopper.jira:gh-simplified-agility-scrum"


@pytest.fixture(scope="module")
def team(cloud: Jira, jira_site: JiraSite) -> dict[str, object]:
    made: dict[str, object] = cloud.create_project_from_raw_json(
        {
            "key": "TEAM",
            "name": "Team Board",
            "projectTemplateKey": SCRUM,
            "leadAccountId": jira_site.creds["account_id"],
        }
    )
    return made


def test_a_team_managed_project_is_simplified_with_types_of_its_own(
    team: dict[str, object], cloud: Jira, jira: JIRA
) -> None:
    project = cloud.get_project("TEAM")
    assert project["simplified"] is True and project["style"] == "next-gen"
    assert project["projectTypeKey"] == "software"
    pid = str(team["id"])
    types = project["issueTypes"]
    assert [t["name"] for t in types] == ["Task", "Bug", "Story", "Epic", "Subtask"]
    assert all(t["id"] not in ("10001", "10002", "10003", "10004", "10005") for t in types)
    assert all(len(t["entityId"]) == 36 for t in types)
    classic = jira.project("APP")
    assert classic.raw["simplified"] is False and classic.raw["style"] == "classic"
    listed = [t for t in cloud.get_issue_types() if t.get("scope")]
    assert {t["id"] for t in listed} >= {t["id"] for t in types}
    assert all(
        t["scope"] == {"type": "PROJECT", "project": {"id": pid}}
        for t in listed
        if t["id"] in {x["id"] for x in types}
    )
    one = jira.issue_type(types[0]["id"])
    assert one.name == "Task" and one.raw["scope"]["project"]["id"] == pid


def test_createmeta_scopes_its_types_and_offers_restriction(team: dict[str, object], jira: JIRA) -> None:
    meta = jira.createmeta(projectKeys="TEAM", expand="projects.issuetypes.fields")
    [project] = meta["projects"]
    task = next(t for t in project["issuetypes"] if t["name"] == "Task")
    assert task["scope"] == {"type": "PROJECT", "project": {"id": str(team["id"])}}
    assert "entityId" not in task
    assert task["fields"]["issuerestriction"]["schema"] == {
        "type": "issuerestriction",
        "system": "issuerestriction",
    }
    assert task["fields"]["project"]["allowedValues"][0]["simplified"] is True
    assert len(task["fields"]["issuetype"]["allowedValues"][0]["entityId"]) == 36
    classic = jira.createmeta(projectKeys="APP", expand="projects.issuetypes.fields")["projects"][0]
    assert all("scope" not in t and "issuerestriction" not in t["fields"] for t in classic["issuetypes"])


def test_issues_take_the_projects_own_types(team: dict[str, object], jira: JIRA, cloud: Jira) -> None:
    issue = jira.create_issue(project="TEAM", summary="Next-gen work", issuetype={"name": "Task"})
    assert issue.key == "TEAM-1"
    got = jira.issue(issue.key)
    own = got.fields.issuetype
    assert own.name == "Task" and own.id != "10001" and len(own.raw["entityId"]) == 36
    assert got.raw["fields"]["issuerestriction"] == {"issuerestrictions": {}, "shouldDisplay": True}
    assert got.fields.project.raw["simplified"] is True
    assert "issuerestriction" not in jira.issue("APP-1").raw["fields"]
    epic = cloud.issue_create(
        {"project": {"key": "TEAM"}, "summary": "Big thing", "issuetype": {"name": "Epic"}}
    )
    assert [i.key for i in jira.search_issues("project = TEAM AND issuetype = Task")] == ["TEAM-1"]
    assert [i.key for i in jira.search_issues("project = TEAM AND issuetype = Epic")] == [epic["key"]]
    assert jira.search_issues("project = TEAM AND issuetype = Bug") == []


def test_a_site_type_is_not_one_of_a_team_managed_projects(
    team: dict[str, object], jira_site: JiraSite
) -> None:
    answer = httpx.post(
        f"{jira_site.url}/rest/api/2/issue",
        json={"fields": {"project": {"key": "TEAM"}, "summary": "x", "issuetype": {"id": "10001"}}},
        auth=jira_site.auth,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"issuetype": "The issue type selected is invalid."}
    wrong = httpx.post(
        f"{jira_site.url}/rest/api/3/project",
        json={
            "key": "TEAMB",
            "name": "Team Business",
            "projectTypeKey": "business",
            "projectTemplateKey": SCRUM,
            "leadAccountId": jira_site.creds["account_id"],
        },
        auth=jira_site.auth,
    )
    assert wrong.status_code == 400
    assert "projectTemplateKey" in wrong.json()["errors"]
