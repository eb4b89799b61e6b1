"""Jira Software's agile API through the `jira` library: boards, sprints, backlog, moves."""

from __future__ import annotations

import pytest
from jira import JIRA, JIRAError

from tests.jira.conftest import JiraSite


def test_boards_and_seeded_sprints(jira: JIRA) -> None:
    boards = jira.boards()
    assert [b.name for b in boards] == ["APP board"]
    sprints = jira.sprints(boards[0].id)
    assert [(s.name, s.state) for s in sprints] == [
        ("APP Sprint 1", "closed"),
        ("APP Sprint 2", "active"),
        ("APP Sprint 3", "future"),
    ]
    active = jira.search_issues("sprint in openSprints()", maxResults=100)
    assert active and all(i.key.startswith("APP-") for i in active)
    assert {s.name for i in active for s in i.fields.customfield_10020} == {"APP Sprint 2"}


def test_sprint_life(jira: JIRA) -> None:
    board = jira.boards()[0]
    sprint = jira.create_sprint("Hardening", board.id, goal="Fix the flaky tests")
    assert sprint.state == "future" and sprint.goal == "Fix the flaky tests"
    one = jira.create_issue(project="APP", summary="Flaky login test", issuetype={"name": "Task"})
    two = jira.create_issue(project="APP", summary="Flaky upload test", issuetype={"name": "Task"})
    jira.add_issues_to_sprint(sprint.id, [one.key, two.key])
    in_sprint = jira.search_issues(f"sprint = {sprint.id}")
    assert {i.key for i in in_sprint} == {one.key, two.key}
    with pytest.raises(JIRAError) as undated:
        jira.update_sprint(sprint.id, state="active")
    assert undated.value.status_code == 400
    jira.update_sprint(
        sprint.id, state="active", startDate="2026-12-01T09:00:00.000Z", endDate="2026-12-15T17:00:00.000Z"
    )
    assert jira.sprint(sprint.id).state == "active"
    jira.transition_issue(one, "Done")
    jira.update_sprint(sprint.id, state="closed")
    closed = jira.sprint(sprint.id)
    assert closed.state == "closed" and closed.completeDate
    assert [i.key for i in jira.search_issues(f"sprint = {sprint.id}")] == [one.key]
    backlog = {i.key for i in jira.search_issues(f"key in ({one.key}, {two.key}) AND sprint is EMPTY")}
    assert backlog == {two.key}


def test_board_issues_and_backlog(jira_site: JiraSite, jira: JIRA) -> None:
    board = jira.boards()[0]
    issues = jira._get_json(f"board/{board.id}/issue", params={"maxResults": 5}, base=jira.AGILE_BASE_URL)
    assert issues["maxResults"] == 5 and issues["total"] > 5 and len(issues["issues"]) == 5
    backlog = jira._get_json(
        f"board/{board.id}/backlog", params={"maxResults": 100}, base=jira.AGILE_BASE_URL
    )
    for issue in backlog["issues"]:
        assert issue["fields"]["status"]["statusCategory"]["key"] != "done"
        assert not any(
            s["state"] in ("active", "future") for s in issue["fields"].get("customfield_10020") or []
        )


def test_epic_children_move_in_and_out(jira_site: JiraSite, jira: JIRA) -> None:
    epic = jira.create_issue(
        project="APP", summary="Checkout", issuetype={"name": "Epic"}, customfield_10011="Checkout"
    )
    one = jira.create_issue(project="APP", summary="Cart page", issuetype={"name": "Task"})
    two = jira.create_issue(project="APP", summary="Pay button", issuetype={"name": "Story"})
    moved = jira._session.post(
        f"{jira_site.url}/rest/agile/1.0/epic/{epic.id}/issue", json={"issues": [one.key, two.id]}
    )
    assert moved.status_code == 204
    children = jira._get_json(f"epic/{epic.key}/issue", base=jira.AGILE_BASE_URL)
    assert children["total"] == 2 and {i["key"] for i in children["issues"]} == {one.key, two.key}
    assert all(i["fields"]["parent"]["key"] == epic.key for i in children["issues"])
    assert jira.issue(one.key).fields.parent.key == epic.key
    out = jira._session.post(f"{jira_site.url}/rest/agile/1.0/epic/none/issue", json={"issues": [one.key]})
    assert out.status_code == 204
    left = jira._get_json(f"epic/{epic.id}/issue", base=jira.AGILE_BASE_URL)
    assert [i["key"] for i in left["issues"]] == [two.key]
    with pytest.raises(JIRAError) as not_epic:
        jira._get_json(f"epic/{one.key}/issue", base=jira.AGILE_BASE_URL)
    assert not_epic.value.status_code == 404
    with pytest.raises(JIRAError) as itself:
        jira._session.post(
            f"{jira_site.url}/rest/agile/1.0/epic/{epic.key}/issue", json={"issues": [epic.key]}
        )
    assert itself.value.status_code == 400


def test_agile_issue_lists_show_epic_sprint_and_every_field(jira_site: JiraSite, jira: JIRA) -> None:
    epic = jira.create_issue(
        project="APP", summary="Search", issuetype={"name": "Epic"}, customfield_10011="Find"
    )
    child = jira.create_issue(project="APP", summary="Index", issuetype={"name": "Task"})
    jira._session.post(f"{jira_site.url}/rest/agile/1.0/epic/{epic.key}/issue", json={"issues": [child.key]})
    board = jira.boards()[0]
    active = next(s for s in jira.sprints(board.id) if s.state == "active")
    jira.add_issues_to_sprint(active.id, [child.key])
    page = jira._get_json(f"epic/{epic.key}/issue", base=jira.AGILE_BASE_URL)
    assert page["expand"] == "schema,names" and page["total"] == 1
    fields = page["issues"][0]["fields"]
    assert (
        fields["epic"]["key"] == epic.key
        and fields["epic"]["name"] == "Find"
        and fields["epic"]["done"] is False
    )
    assert fields["sprint"]["id"] == active.id and fields["flagged"] is False
    assert {"comment", "worklog", "attachment", "timetracking"} <= set(fields)  # every field by default
    narrowed = jira._get_json(
        f"epic/{epic.key}/issue", params={"fields": "summary,epic"}, base=jira.AGILE_BASE_URL
    )
    assert set(narrowed["issues"][0]["fields"]) == {"summary", "epic"}
