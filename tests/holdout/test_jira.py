"""Jira in the engine: users, projects and issues seeded through the Jira twin's REST API; a person
creates, comments on, transitions and assigns issues; issue, JQL-count and journal expectations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from holdout.engine import Lane, Options, run_suite
from holdout.scenario import ScenarioError, parse
from holdout.twinset import TwinSet, start_local
from tests.holdout.test_lanes import view

STORY = """\
version: 1
name: {name}
twins: [jira]
people:
  ann: {{}}
  bo: {{}}
seed:
  jira:
    users: [{{person: ann}}, {{person: bo}}]
    projects:
      - key: ACC
        name: Access requests
        lead: bo
        issues:
          - ref: old
            summary: Old request
            status: In Progress
            assignee: bo
            labels: [perm]
            comments: [seen]
          - {{summary: Other request, reporter: ann}}
steps:
  - jira.create_issue: {{as: ann, project: ACC, ref: new, summary: VPN for ann, labels: [perm, vpn]}}
  - jira.comment: {{issue: new, body: Please hurry}}
  - jira.transition: {{issue: new, status: In Progress}}
  - jira.assign: {{issue: new, to: bo}}
  - jira.assign: {{issue: old, to: null}}
  - wait: {{until: {{jira.issue: {{issue: new, status: In Progress}}}}, timeout: 5}}
expect:
{expect}
"""
PASSING = """\
  - jira.issue:
      {issue: new, status: In Progress, assignee: bo, labels: [vpn], comment_contains: hurry, comments: 1}
  - jira.issue: {issue: old, status: In Progress, assignee: null, comments: 1}
  - jira.issue: {jql: project = ACC AND summary ~ Other, status: To Do}
  - jira.count: {jql: project = ACC AND labels = perm, count: 2}
  - jira.count: {jql: project = ACC, min: 3, max: 3}
  - jira.count: {jql: project = APP AND labels = vpn, count: 0}
  - jira.no_other_changes: {}
  - journal: {twin: jira, count: 0}
"""


@pytest.fixture(scope="module")
async def twins() -> AsyncIterator[TwinSet]:
    running = await start_local(["jira"])
    yield running
    await running.close()


async def test_seed_steps_and_expectations_on_jira(twins: TwinSet) -> None:
    scenario = parse(STORY.format(name="jira ok", expect=PASSING), "ok.yaml")
    result = await run_suite(twins, [scenario], Options(trials=2, parallel=1, settle=0), threshold=1.0)
    details = [(o.kind, o.detail) for t in result.scenarios[0].trials for o in t.outcomes if not o.passed]
    assert [t.error for t in result.scenarios[0].trials] == ["", ""]
    assert details == [] and result.satisfied == 2


@pytest.mark.parametrize(
    ("expect", "fragment"),
    [
        ("  - jira.issue: {issue: new, status: Done}\n", "status 'In Progress'"),
        ("  - jira.issue: {issue: new, assignee: ann}\n", "assignee"),
        ("  - jira.issue: {issue: new, labels: [urgent]}\n", "lack ['urgent']"),
        ("  - jira.issue: {issue: new, comment_contains: approved}\n", "no comment contains"),
        ("  - jira.issue: {jql: project = ACC AND labels = nothing}\n", "no issue matches"),
        ("  - jira.count: {jql: project = ACC, count: 1}\n", "found 3, wanted exactly 1"),
        ("  - jira.count: {jql: project = ACC AND labels = access}\n", "surround 'access' in quotation"),
    ],
)
async def test_a_wrong_jira_expectation_fails_with_its_detail(
    twins: TwinSet, expect: str, fragment: str
) -> None:
    scenario = parse(STORY.format(name="jira bad", expect=expect), "bad.yaml")
    result = await run_suite(twins, [scenario], Options(trials=1, settle=0), threshold=1.0)
    (trial,) = result.scenarios[0].trials
    assert trial.error == "" and not trial.satisfied
    assert fragment in trial.outcomes[0].detail


async def test_app_writes_to_jira_are_other_changes_unless_allowed(twins: TwinSet) -> None:
    """A write the engine did not make (here: a request without the stimulus mark) is the app's."""
    text = STORY.format(name="jira app", expect="  - jira.no_other_changes: {}\n")
    scenario = parse(text, "app.yaml")
    lane = Lane(scenario, "jira-app", 5)
    world = await lane.prepare(twins)
    from holdout.jira_driver import jira_auth

    twin = twins["jira"]
    body = {"body": {"type": "doc", "version": 1, "content": []}}
    resp = await twin.client.post(
        "/rest/api/3/issue/ACC-1/comment",
        json=body,
        headers={"Authorization": jira_auth(world), "X-Twin-Tenant": world.tenant},
    )
    assert resp.status_code == 201
    from holdout import rules

    outcome = await rules.evaluate(twins, world, {"jira.no_other_changes": {}})
    assert not outcome.passed and "POST /rest/api/3/issue/ACC-1/comment" in outcome.detail
    comments = {"method": "POST", "path": "/rest/api/*/issue/*/comment"}
    allowed = {"jira.no_other_changes": {"allow": [comments]}}
    assert (await rules.evaluate(twins, world, allowed)).passed
    await lane.drop(twins)


async def test_a_jira_lane_resets_to_its_seeded_world(twins: TwinSet) -> None:
    scenario = parse(STORY.format(name="jira lane", expect=PASSING), "lane.yaml")
    lane = Lane(scenario, "jira-lane", 11)
    first = await lane.prepare(twins)
    built = await view(twins["jira"], "jira-lane")
    from holdout import steps

    for step in scenario.data["steps"]:
        await steps.run_step(twins, first, step)
    assert (await view(twins["jira"], "jira-lane"))["state"] != built["state"]
    await lane.prepare(twins)
    now = await view(twins["jira"], "jira-lane")
    assert now["state"] == built["state"] and now["journal"] == []
    await lane.drop(twins)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("lead: bo", "lead: cy", "'cy' is not declared in people"),
        ("jira.transition: {issue: new, status: In Progress}", "jira.transition: {issue: new}", "'status'"),
        ("{person: bo}", "{person: bo, admin: true}", "admin"),
        ("key: ACC", "key: acc", "does not match"),
    ],
)
def test_bad_jira_parts_fail_validation(old: str, new: str, fragment: str) -> None:
    text = STORY.format(name="jira v", expect=PASSING).replace(old, new, 1)
    with pytest.raises(ScenarioError) as caught:
        parse(text, "v.yaml")
    assert fragment in caught.value.message
