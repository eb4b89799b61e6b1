"""Projects, issue link types and links, worklogs by id, changelogs, components and versions changed
and removed, resolutions and status categories by id: through `jira` and `atlassian-python-api`."""

from __future__ import annotations

import httpx
import pytest
from atlassian import Jira
from jira import JIRA, JIRAError
from requests import HTTPError

from tests.jira.conftest import JiraSite


def test_a_project_is_created_and_takes_issues(cloud: Jira, jira: JIRA, jira_site: JiraSite) -> None:
    lead = jira_site.creds["account_id"]
    made = cloud.create_project_from_raw_json(
        {"key": "NEWP", "name": "New Product", "projectTypeKey": "software", "leadAccountId": lead}
    )
    assert made["key"] == "NEWP" and isinstance(made["id"], int)
    assert made["self"].endswith(f"/rest/api/2/project/{made['id']}")
    project = jira.project("NEWP")
    assert (project.name, project.projectTypeKey, project.lead.accountId) == ("New Product", "software", lead)
    issue = jira.create_issue(project="NEWP", summary="First", issuetype={"name": "Story"})
    assert issue.key == "NEWP-1"


def test_a_bad_project_gets_every_field_error(jira_site: JiraSite) -> None:
    answer = httpx.post(
        f"{jira_site.url}/rest/api/3/project",
        json={"key": "app", "name": "Apollo App", "projectTypeKey": "service_desk"},
        auth=jira_site.auth,
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "errorMessages": [],
        "errors": {
            "projectKey": "Project keys must start with an uppercase letter, followed by one or more "
            "uppercase alphanumeric characters.",
            "projectName": "A project with that name already exists.",
            "projectTypeKey": "The project type 'service_desk' is not available on this site.",
            "projectLead": "You must specify a valid project lead.",
        },
    }
    taken = httpx.post(
        f"{jira_site.url}/rest/api/2/project",
        json={"key": "APP", "name": "Another", "leadAccountId": jira_site.creds["account_id"]},
        auth=jira_site.auth,
    )
    assert taken.json()["errors"] == {"projectKey": "Project 'Apollo App' uses this project key."}


def test_issue_link_types_crud(cloud: Jira, jira: JIRA) -> None:
    seeded = cloud.get_issue_link_types_names()
    assert seeded == ["Blocks", "Cloners", "Duplicate", "Relates"]
    made = cloud.create_issue_link_type("Causes", "is caused by", "causes")
    assert (made["name"], made["inward"], made["outward"]) == ("Causes", "is caused by", "causes")
    assert jira.issue_link_type(made["id"]).outward == "causes"
    cloud.update_issue_link_type(made["id"], {"name": "Triggers", "outward": "triggers"})
    changed = cloud.get_issue_link_type(made["id"])
    assert [changed[k] for k in ("name", "inward", "outward")] == ["Triggers", "is caused by", "triggers"]
    with pytest.raises(HTTPError) as clash:
        cloud.create_issue_link_type_by_json({"name": "Blocks", "inward": "a", "outward": "b"})
    assert clash.value.response.status_code == 400
    one = jira.create_issue(project="APP", summary="Cause", issuetype={"name": "Task"})
    two = jira.create_issue(project="APP", summary="Effect", issuetype={"name": "Task"})
    jira.create_issue_link("Triggers", one.key, two.key)
    assert [link.type.name for link in jira.issue(two.key).fields.issuelinks] == ["Triggers"]
    cloud.delete_issue_link_type(made["id"])  # its links go with it
    assert jira.issue(two.key).fields.issuelinks == []
    with pytest.raises(JIRAError) as gone:
        jira.issue_link_type(made["id"])
    assert gone.value.status_code == 404
    assert gone.value.text == f"No issue link type with id '{made['id']}' exists."


def test_an_issue_link_is_read_and_removed(cloud: Jira, jira: JIRA) -> None:
    one = jira.create_issue(project="APP", summary="Blocker", issuetype={"name": "Task"})
    two = jira.create_issue(project="APP", summary="Blocked", issuetype={"name": "Task"})
    jira.create_issue_link("Blocks", one.key, two.key)
    link_id = jira.issue(one.key).fields.issuelinks[0].id
    link = cloud.get_issue_link(link_id)
    assert (link["type"]["name"], link["inwardIssue"]["key"], link["outwardIssue"]["key"]) == (
        "Blocks",
        one.key,
        two.key,
    )
    jira.delete_issue_link(link_id)
    assert jira.issue(one.key).fields.issuelinks == []
    with pytest.raises(HTTPError) as gone:
        cloud.remove_issue_link(link_id)
    assert gone.value.response.status_code == 404


def test_a_worklog_is_read_changed_and_deleted(jira: JIRA) -> None:
    issue = jira.create_issue(project="APP", summary="Measured", issuetype={"name": "Task"})
    added = jira.add_worklog(issue, timeSpent="2h", comment="First pass")
    log = jira.worklog(issue.key, added.id)
    assert (log.timeSpentSeconds, log.comment) == (7200, "First pass")
    log.update(fields={"timeSpent": "3h"})
    assert jira.worklog(issue.key, added.id).timeSpentSeconds == 10800
    assert jira.issue(issue.key).fields.timespent == 10800
    log.delete()
    assert jira.worklogs(issue.key) == []
    with pytest.raises(JIRAError) as gone:
        jira.worklog(issue.key, added.id)
    assert gone.value.status_code == 404


def test_the_changelog_of_an_issue_pages(cloud: Jira, jira: JIRA) -> None:
    issue = jira.create_issue(project="APP", summary="Moving", issuetype={"name": "Task"})
    for summary in ("Moving on", "Moved"):
        issue.update(summary=summary)
    page = cloud.get_issue_changelog(issue.key, start=0, limit=1)
    assert (page["total"], page["maxResults"], page["isLast"]) == (2, 1, False)
    assert page["values"][0]["items"][0]["toString"] == "Moving on"
    rest = cloud.get_issue_changelog(issue.key, start=1, limit=1)
    assert rest["isLast"] and rest["values"][0]["items"][0]["toString"] == "Moved"


def test_components_and_versions_change_and_go(cloud: Jira, jira: JIRA) -> None:
    component = jira.create_component("Billing", "APP")
    other = jira.create_component("Payments", "APP")
    version = jira.create_version("9.0", "APP")
    later = jira.create_version("9.1", "APP")
    issue = jira.create_issue(
        project="APP",
        summary="Invoices",
        issuetype={"name": "Task"},
        components=[{"id": component.id}],
        fixVersions=[{"id": version.id}],
    )
    cloud.update_component({"name": "Invoicing", "description": "Bills"}, component.id)
    assert jira.component(component.id).name == "Invoicing"
    cloud.update_version(version.id, name="9.0.1", is_released=True)
    renamed = jira.version(version.id)
    assert (renamed.name, renamed.released) == ("9.0.1", True)
    jira.component(component.id).delete(moveIssuesTo=other.id)
    jira.version(version.id).delete(moveFixIssuesTo=later.id)
    fields = jira.issue(issue.key).fields
    assert [c.name for c in fields.components] == ["Payments"]
    assert [v.name for v in fields.fixVersions] == ["9.1"]
    cloud.delete_version(later.id)
    assert jira.issue(issue.key).fields.fixVersions == []


def test_a_resolution_and_a_status_category_by_id(jira: JIRA) -> None:
    assert jira.resolution("10001").name == "Won't Do"
    assert jira.statuscategory(3).key == "done"
    with pytest.raises(JIRAError) as missing:
        jira.resolution("99")
    assert missing.value.status_code == 404
