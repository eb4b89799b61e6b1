"""Attachments, worklogs, votes, groups, components, versions and create meta, through `jira`."""

from __future__ import annotations

import io

import pytest
from jira import JIRA, JIRAError


def test_attachments_round_trip(jira: JIRA) -> None:
    issue = jira.create_issue(project="APP", summary="Logs attached", issuetype={"name": "Bug"})
    added = jira.add_attachment(
        issue=issue.key, attachment=io.BytesIO(b"line 1\nline 2\n"), filename="app.log"
    )
    assert added.filename == "app.log" and added.size == 14
    assert added.get() == b"line 1\nline 2\n"
    assert [a.filename for a in jira.issue(issue.key).fields.attachment] == ["app.log"]
    jira.delete_attachment(added.id)
    assert jira.issue(issue.key).fields.attachment == []


def test_worklogs_and_votes(jira: JIRA) -> None:
    issue = jira.create_issue(project="APP", summary="Timed work", issuetype={"name": "Task"})
    jira.add_worklog(issue, timeSpent="1d 2h", comment="Investigation")
    logs = jira.worklogs(issue.key)
    assert [(w.timeSpent, w.timeSpentSeconds, w.comment) for w in logs] == [("1d 2h", 36000, "Investigation")]
    with pytest.raises(JIRAError) as own:
        jira.add_vote(issue.key)  # the reporter may not vote
    assert own.value.status_code == 404
    ben_issue = jira.search_issues("reporter != currentUser() AND project = APP", maxResults=1)[0]
    jira.add_vote(ben_issue.key)
    assert jira.votes(ben_issue.key).votes == 1


def test_groups_components_versions(jira: JIRA) -> None:
    members = jira.group_members("developers")
    assert sorted(m["fullname"] for m in members.values()) == ["Ben Baker", "Chloe Chen", "Dev Desai"]
    assert {c.name for c in jira.project_components("APP")} == {"Backend", "Frontend", "Mobile"}
    made = jira.create_component("Payments", "APP", description="Money")
    assert made.name == "Payments"
    with pytest.raises(JIRAError) as twice:
        jira.create_component("Payments", "APP")
    assert twice.value.status_code == 400
    version = jira.create_version("3.0", "APP", released=False)
    assert "3.0" in [v.name for v in jira.project_versions("APP")]
    issue = jira.create_issue(
        project="APP",
        summary="Versioned",
        issuetype={"name": "Task"},
        components=[{"name": "Payments"}],
        fixVersions=[{"id": version.id}],
    )
    assert [c.name for c in issue.fields.components] == ["Payments"]
    assert [v.name for v in issue.fields.fixVersions] == ["3.0"]


def test_create_meta(jira: JIRA) -> None:
    meta = jira.createmeta(projectKeys="APP", expand="projects.issuetypes.fields")
    project = meta["projects"][0]
    assert project["key"] == "APP"
    bug = next(t for t in project["issuetypes"] if t["name"] == "Bug")
    assert bug["fields"]["summary"]["required"] is True
    assert bug["fields"]["priority"]["allowedValues"][0]["name"] == "Highest"
