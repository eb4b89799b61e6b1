"""The `jira` library (pycontribs) against the twin over HTTP, in Cloud mode."""

from __future__ import annotations

import pytest
from jira import JIRA, JIRAError

from tests.jira.conftest import JiraSite


def test_construction_reads_a_cloud_server(jira: JIRA) -> None:
    info = jira.server_info()
    assert info["deploymentType"] == "Cloud" and info["versionNumbers"][0] >= 1000
    assert jira.myself()["emailAddress"] == "admin@example.com"


def test_projects_and_issue_types(jira: JIRA) -> None:
    assert [p.key for p in jira.projects()] == ["APP", "OPS"]
    app = jira.project("APP")
    assert {t.name for t in app.issueTypes} == {"Task", "Bug", "Story", "Epic", "Subtask"}
    assert {f["id"] for f in jira.fields()} >= {"summary", "status", "customfield_10016"}


def test_create_read_edit_delete(jira: JIRA) -> None:
    issue = jira.create_issue(
        project="APP",
        summary="Checkout fails",
        description="It *breaks* on pay",
        issuetype={"name": "Bug"},
        labels=["payments"],
        priority={"name": "High"},
    )
    assert issue.key.startswith("APP-")
    assert issue.fields.status.name == "To Do" and issue.fields.status.statusCategory.key == "new"
    assert issue.fields.description == "It *breaks* on pay"
    assert issue.fields.priority.name == "High" and issue.fields.reporter.displayName == "Ada Admin"
    issue.update(
        fields={"summary": "Checkout fails on Safari"},
        update={"labels": [{"add": "safari"}, {"remove": "payments"}]},
    )
    again = jira.issue(issue.key, expand="changelog,renderedFields")
    assert again.fields.summary == "Checkout fails on Safari"
    assert again.fields.labels == ["safari"]
    assert again.renderedFields.description == "<p>It <b>breaks</b> on pay</p>"
    fields_changed = [item.field for h in again.changelog.histories for item in h.items]
    assert "summary" in fields_changed and "labels" in fields_changed
    again.delete()
    with pytest.raises(JIRAError) as gone:
        jira.issue(issue.key)
    assert gone.value.status_code == 404
    assert "Issue does not exist" in gone.value.text


def test_create_names_every_bad_field(jira: JIRA) -> None:
    with pytest.raises(JIRAError) as bad:
        jira.create_issue(
            fields={"project": {"key": "APP"}, "issuetype": {"name": "Nope"}, "labels": ["a b"]}
        )
    assert bad.value.status_code == 400
    errors = bad.value.response.json()["errors"]
    assert errors == {
        "issuetype": "The issue type selected is invalid.",
        "summary": "You must specify a summary of the issue.",
        "labels": "The label 'a b' contains spaces which is invalid.",
    }


def test_comments_transitions_and_resolution(jira: JIRA) -> None:
    issue = jira.create_issue(project="APP", summary="Flaky test", issuetype={"name": "Task"})
    comment = jira.add_comment(issue, "Seen twice today")
    assert [c.body for c in jira.comments(issue)] == ["Seen twice today"]
    comment.update(body="Seen three times today")
    assert jira.comment(issue.key, comment.id).body == "Seen three times today"
    names = [t["name"] for t in jira.transitions(issue)]
    assert names == ["In Progress", "In Review", "Done"]
    jira.transition_issue(issue, "Done", comment="Fixed by retrying")
    done = jira.issue(issue.key)
    assert done.fields.status.name == "Done" and done.fields.resolution.name == "Done"
    assert done.fields.resolutiondate is not None
    assert [c.body for c in jira.comments(issue)][-1] == "Fixed by retrying"
    jira.transition_issue(issue, "To Do")
    assert jira.issue(issue.key).fields.resolution is None


def test_search_pages_and_errors(jira: JIRA) -> None:
    first = jira.search_issues("project = APP ORDER BY created DESC", maxResults=5)
    assert len(first) == 5
    everything = jira.enhanced_search_issues("project = APP ORDER BY key ASC", maxResults=0)
    keys = [i.key for i in everything]
    assert len(keys) == len(set(keys)) > 5
    assert keys == sorted(keys, key=lambda k: int(k.split("-")[1]))
    with pytest.raises(JIRAError) as bad:
        jira.search_issues("project = NOPE")
    assert bad.value.status_code == 400
    assert bad.value.text == "The value 'NOPE' does not exist for the field 'project'."


def test_assign_watch_and_link(jira: JIRA, jira_site: JiraSite) -> None:
    one = jira.create_issue(project="APP", summary="Blocker", issuetype={"name": "Task"})
    two = jira.create_issue(project="APP", summary="Blocked", issuetype={"name": "Task"})
    jira.assign_issue(one, "ben@example.com")
    assert jira.issue(one.key).fields.assignee.emailAddress == "ben@example.com"
    jira.assign_issue(one, None)
    assert jira.issue(one.key).fields.assignee is None
    assert jira.issue(one.key).fields.watches.isWatching  # Jira has the creator watch the issue
    jira.add_watcher(one, "chloe@example.com")
    watchers = jira.watchers(one)
    assert watchers.watchCount == 2
    assert [w.displayName for w in watchers.watchers] == ["Ada Admin", "Chloe Chen"]
    jira.create_issue_link("Blocks", one.key, two.key)
    links = jira.issue(two.key).fields.issuelinks
    assert links[0].type.name == "Blocks" and links[0].inwardIssue.key == one.key


def test_a_wrong_token_is_refused(jira_site: JiraSite) -> None:
    with pytest.raises(JIRAError) as denied:
        JIRA(server=jira_site.url, basic_auth=(jira_site.auth[0], "wrong"), max_retries=0).myself()
    assert denied.value.status_code == 401
    assert denied.value.response.headers["Content-Type"] == "application/json;charset=UTF-8"
