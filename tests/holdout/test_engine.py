"""The engine against in-process twins, without an app: tenants, seed, steps, faults, assertions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from holdout.engine import Options, run_suite
from holdout.judge import Provider
from holdout.scenario import parse
from holdout.twinset import TwinsError, TwinSet, check_available, start_local

STORY = """\
version: 1
name: {name}
tags: [engine]
twins: [slack, okta]
people:
  ann: {{}}
  bo: {{}}
seed:
  slack:
    channels: [{{name: ops, members: [ann, bo]}}]
  okta:
    users: [{{person: ann}}, {{person: bo, status: SUSPENDED}}]
    groups: [{{name: vpn, members: [bo]}}]
steps:
  - slack.post: {{as: ann, channel: ops, text: deploy is done}}
  - okta.add_to_group: {{user: ann, group: vpn}}
expect:
{expect}
"""
PASSING = """\
  - slack.message: {channel: ops, contains: deploy, from: ann, count: 1}
  - slack.message: {channel: ops, contains: rollback, count: 0}
  - okta.member: {user: ann, group: vpn}
  - okta.member: {user: bo, group: vpn}
  - okta.user_status: {user: bo, status: SUSPENDED}
  - okta.no_other_changes: {}
  - journal: {twin: okta, method: PUT, count: 0}
"""


@pytest.fixture
async def twins() -> AsyncIterator[TwinSet]:
    running = await start_local(["slack", "okta"])
    yield running
    await running.close()


async def test_trials_run_in_parallel_tenants_and_are_satisfied(twins: TwinSet) -> None:
    scenario = parse(STORY.format(name="ok", expect=PASSING), "ok.yaml")
    result = await run_suite(twins, [scenario], Options(trials=3, parallel=3, settle=0), threshold=1.0)
    trials = result.scenarios[0].trials
    assert [t.error for t in trials] == ["", "", ""]
    assert result.passed and result.satisfaction == 1.0 and not result.scenarios[0].flaky
    assert len({t.seed for t in trials}) == 3
    tenants = await twins["slack"].admin("GET", "/tenants", "default")
    assert [t["id"] for t in tenants["tenants"]] == ["default"]  # trial tenants are dropped


async def test_a_broken_expectation_fails_every_trial_with_its_detail(twins: TwinSet) -> None:
    expect = "  - okta.not_member: {user: ann, group: vpn}\n  - slack.message: {channel: ops, count: 5}\n"
    scenario = parse(STORY.format(name="bad", expect=expect), "bad.yaml")
    result = await run_suite(twins, [scenario], Options(trials=2, parallel=2, settle=0), threshold=0.5)
    assert not result.passed and result.satisfied == 0
    outcome = result.scenarios[0].trials[0].outcomes
    assert [o.passed for o in outcome] == [False, False]
    assert "found 1, wanted exactly 5" in outcome[1].detail


async def test_app_writes_are_told_apart_from_stimuli_and_faults_apply(twins: TwinSet) -> None:
    """A fault on the stimulus path makes the step fail: the trial is unsatisfied, not crashed."""
    text = STORY.format(name="faulty", expect=PASSING).replace(
        "steps:\n",
        "faults:\n  - {twin: okta, method: PUT, path: /api/v1/groups/*/users/*, action: error, status: 500}\n"
        "steps:\n",
    )
    result = await run_suite(twins, [parse(text, "f.yaml")], Options(trials=1, settle=0), threshold=1.0)
    trial = result.scenarios[0].trials[0]
    assert not trial.satisfied and "500" in trial.error


async def test_trials_cycle_through_fault_profiles_and_stimuli_ride_them_out(twins: TwinSet) -> None:
    scenario = parse(
        STORY.format(name="profiles", expect=PASSING.replace("  - okta.no_other_changes: {}\n", "")), "p.yaml"
    )
    opts = Options(trials=4, parallel=4, settle=0, profiles=["none", "429", "5xx", "latency"])
    result = await run_suite(twins, [scenario], opts, threshold=1.0)
    trials = result.scenarios[0].trials
    assert [t.profile for t in trials] == ["none", "429", "5xx", "latency"]
    assert all(t.satisfied for t in trials), [t.error or t.outcomes for t in trials]


class FakeJudge(Provider):
    """A provider whose model answers from a fixed verdict, recording the prompt it was given."""

    def __init__(self, verdict: str) -> None:
        super().__init__("openai", "k", "m", "http://127.0.0.1:9/v1")
        self.verdict, self.prompts = verdict, []

    async def ask(self, prompt: str, client: Any = None) -> str:
        self.prompts.append(prompt)
        return json.dumps({"verdict": self.verdict, "reason": "as told"})


async def test_judge_expectations_count_only_with_a_provider(twins: TwinSet) -> None:
    expect = PASSING + "  - judge: {criterion: Ann announces the deploy, channels: [ops]}\n"
    scenario = parse(STORY.format(name="judged", expect=expect), "j.yaml")
    skipped = await run_suite(twins, [scenario], Options(trials=1, settle=0), threshold=1.0)
    assert skipped.passed and skipped.scenarios[0].trials[0].outcomes[-1].skipped
    judge = FakeJudge("fail")
    failed = await run_suite(twins, [scenario], Options(trials=1, settle=0, provider=judge), threshold=1.0)
    assert not failed.passed
    assert "Ann announces the deploy" in judge.prompts[0] and "#ops ann: deploy is done" in judge.prompts[0]
    passed = await run_suite(twins, [scenario], Options(trials=1, settle=0, provider=FakeJudge("pass")), 1.0)
    assert passed.passed


async def test_an_app_that_cannot_start_is_a_failed_trial_not_a_crash(twins: TwinSet) -> None:
    text = STORY.format(name="no app", expect=PASSING).replace(
        "steps:\n", "app: {command: [/nonexistent/holdout-app], ready_timeout: 1}\nsteps:\n"
    )
    result = await run_suite(twins, [parse(text, "n.yaml")], Options(trials=1, settle=0), threshold=1.0)
    assert not result.passed and "FileNotFoundError" in result.scenarios[0].trials[0].error


def test_jira_scenarios_are_refused_until_a_jira_twin_exists() -> None:
    import importlib.util

    if importlib.util.find_spec("twins.jira") is not None:
        pytest.skip("this install has a Jira twin")
    with pytest.raises(TwinsError, match="no Jira twin in this install"):
        check_available("jira")
