"""The pytest plugin: session-scoped twins, a fresh tenant per test, official clients, admin API."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

import twins.okta
import twins.slack
from twins.testing import JiraTwin, OktaTwin, SlackTwin

# Imported here so that pytester's in-process runs find the twins' table definitions already loaded
# (it unloads the modules a run imported, and SQLModel's metadata would see the tables twice).
TWIN_MODULES = (twins.okta, twins.slack)

SEEN_TENANTS: list[str] = []


def test_slack_twin_gives_a_ready_web_client(slack_twin: SlackTwin) -> None:
    reply = slack_twin.client.chat_postMessage(channel="#general", text="hello from the plugin")
    assert reply["ok"]
    assert slack_twin.texts("#general")[-1] == "hello from the plugin"
    posted = slack_twin.messages("general")[-1]
    assert posted["ts"] == reply["ts"] and posted["channel"] == slack_twin.channel_id("#general")
    calls = slack_twin.admin.journal(path="chat.postMessage")
    assert [c["request"]["method"] for c in calls] == ["POST"]
    assert slack_twin.env()["SLACK_API_URL"] == slack_twin.api_url
    assert slack_twin.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("round", [1, 2])
def test_every_test_gets_a_fresh_tenant(slack_twin: SlackTwin, round: int) -> None:
    assert slack_twin.tenant not in SEEN_TENANTS
    SEEN_TENANTS.append(slack_twin.tenant)
    assert "left by an earlier test" not in slack_twin.texts("#general")
    slack_twin.client.chat_postMessage(channel="#general", text="left by an earlier test")


def test_the_tenant_is_dropped_after_the_test(slack_twin: SlackTwin) -> None:
    tenants = slack_twin.admin.call("GET", "tenants")["tenants"]
    ids = {t["id"] for t in tenants}
    assert slack_twin.tenant in ids
    assert not ids & set(SEEN_TENANTS)


@pytest.mark.twin(seed=7, size=3, frozen_at=1_800_000_000)
def test_the_marker_seeds_the_tenant_and_freezes_its_clock(
    slack_twin: SlackTwin, okta_twin: OktaTwin
) -> None:
    for twin in (slack_twin, okta_twin):
        described = describe(twin)
        assert (described["seed"], described["size"]) == (7, 3)
        assert twin.admin.clock()["frozen"] is True
    sent = slack_twin.client.chat_postMessage(channel="#general", text="frozen")
    assert sent["ts"].startswith("1800000000.")


@pytest.mark.twin("okta", size=4)
def test_a_marker_can_name_one_twin(slack_twin: SlackTwin, okta_twin: OktaTwin) -> None:
    sizes = {twin.service: describe(twin)["size"] for twin in (slack_twin, okta_twin)}
    assert sizes == {"slack": 1, "okta": 4}


def test_faults_reach_the_official_client(slack_twin: SlackTwin) -> None:
    slack_twin.admin.add_fault(path="/api/chat.postMessage", action="error", status=500, times=1)
    with pytest.raises(SlackApiError):
        slack_twin.client.chat_postMessage(channel="#general", text="lost")
    assert slack_twin.client.chat_postMessage(channel="#general", text="kept")["ok"]
    assert slack_twin.texts("#general")[-1] == "kept"
    assert "lost" not in slack_twin.texts("#general")


async def test_okta_twin_gives_a_ready_sdk_client(okta_twin: OktaTwin) -> None:
    from okta import models as m

    body = m.AddGroupRequest.from_dict({"profile": {"name": "Ops"}})
    group, _, err = await okta_twin.client.add_group(body)
    assert err is None
    admin_login = okta_twin.credentials["admin_login"]
    admin = okta_twin.users(login=admin_login)[0]
    result = await okta_twin.client.assign_user_to_group(group.id, admin["id"])
    assert result[-1] is None
    assert okta_twin.members("Ops") == {admin_login}
    assert okta_twin.members(group.id) == {admin_login}
    assert okta_twin.env()["OKTA_CLIENT_ORGURL"] == okta_twin.org_url


INNER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

INNER = """
import pytest
from twins.testing import TwinModeError


def test_asgi(slack_twin):
    assert slack_twin.url == "http://testserver"
    reply = slack_twin.http.post(
        "/api/chat.postMessage",
        data={"channel": "#general", "text": "no port"},
        headers={"Authorization": "Bearer " + slack_twin.bot_token},
    )
    assert reply.json()["ok"], reply.text
    assert slack_twin.texts("#general")[-1] == "no port"
    with pytest.raises(TwinModeError, match="--twins-mode=http"):
        slack_twin.client


@pytest.mark.twin(colour="blue")
def test_bad_marker(slack_twin):
    pass
"""


def test_asgi_mode_serves_in_process_without_a_port(pytester: pytest.Pytester) -> None:
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_inner=textwrap.dedent(INNER))
    result = pytester.runpytest_inprocess("--twins-mode=asgi", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown option(s) colour*"])


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In your tests: the pytest plugin", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_readme=example)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def describe(twin: Any) -> dict[str, Any]:
    tenants: dict[str, Any] = {t["id"]: t for t in twin.admin.call("GET", "tenants")["tenants"]}
    return dict(tenants[twin.tenant])


def test_jira_twin_gives_a_ready_jira_client(jira_twin: JiraTwin) -> None:
    issue = jira_twin.client.create_issue(
        project="APP", summary="From the plugin", issuetype={"name": "Task"}
    )
    assert jira_twin.keys(f"key = {issue.key}") == [issue.key]
    assert [row["summary"] for row in jira_twin.issues(key=issue.key)] == ["From the plugin"]
