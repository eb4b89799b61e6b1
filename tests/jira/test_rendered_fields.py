"""`expand=renderedFields`: through `jira`, and its shape against a recorded Jira answer."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from jira import JIRA

from tests.parity.conftest import REFERENCE
from twins.jira.issue_rendered import absolute, duration, relative, size

RECORDED = (
    REFERENCE
    / "jira/connector-jira/connector_jira_tempo/tests/fixtures/cassettes/test_import_worklog_status.yaml"
)
MOMENT = re.compile(
    r"^(Today|Yesterday|[2-6] days ago) \d{1,2}:\d\d [AP]M$|^\d\d/[A-Z][a-z]{2}/\d\d \d{1,2}:\d\d [AP]M$"
)


def test_dates_durations_and_sizes_as_jira_writes_them() -> None:
    now = datetime(2026, 3, 18, 15, 0, tzinfo=UTC).timestamp()
    at = lambda day, hour, minute=0: datetime(2026, 3, day, hour, minute, tzinfo=UTC).timestamp()  # noqa: E731
    assert relative(at(18, 9, 31), now) == "Today 9:31 AM"
    assert relative(at(17, 12, 19), now) == "Yesterday 12:19 PM"
    assert relative(at(14, 13, 51), now) == "4 days ago 1:51 PM"
    assert relative(at(4, 0, 5), now) == "04/Mar/26 12:05 AM"
    assert relative(at(19, 9), now) == "19/Mar/26 9:00 AM"  # a future moment: in full
    assert relative(None, now) is None
    assert absolute(datetime(2019, 4, 4, 9, 31, tzinfo=UTC)) == "04/Apr/19 9:31 AM"
    assert duration(3600) == "1 hour" and duration(0) == "0 minutes"
    assert duration(8 * 3600 * 2 + 3 * 3600 + 60) == "2 days, 3 hours, 1 minute"
    assert size(14) == "0.0 kB" and size(22 * 1024) == "22 kB"


def test_every_field_is_rendered(jira: JIRA) -> None:
    issue = jira.create_issue(
        project="APP",
        summary="Rendered",
        description="It *breaks* on pay",
        environment="Safari _17_",
        issuetype={"name": "Bug"},
        duedate="2026-03-20",
    )
    jira.add_comment(issue, "Seen *twice*")
    jira.add_worklog(issue, timeSpent="1h", comment="Looked into it")
    jira.add_attachment(issue=issue.key, attachment=io.BytesIO(b"x" * 2048), filename="a.log")
    got = jira.issue(issue.key, expand="renderedFields")
    raw, shown = got.raw["fields"], got.raw["renderedFields"]
    assert list(shown) == list(raw)
    assert shown["description"] == "<p>It <b>breaks</b> on pay</p>"
    assert shown["environment"] == "<p>Safari <em>17</em></p>"
    assert shown["summary"] is None and shown["status"] is None and shown["labels"] is None
    assert MOMENT.match(shown["created"]) and MOMENT.match(shown["updated"])
    assert shown["duedate"] == "20/Mar/26"
    assert shown["timespent"] == "1 hour" and shown["timetracking"]["timeSpent"] == "1 hour"
    assert shown["timetracking"]["timeSpentSeconds"] == 3600
    [note] = shown["comment"]["comments"]
    assert note["body"] == "<p>Seen <b>twice</b></p>" and MOMENT.match(note["created"])
    assert shown["comment"]["total"] == 1 and "self" not in shown["comment"]
    [log] = shown["worklog"]["worklogs"]
    assert log["comment"] == "<p>Looked into it</p>" and log["timeSpent"] == "1 hour"
    assert MOMENT.match(log["started"]) and "timeSpentSeconds" not in log
    [attached] = shown["attachment"]
    assert attached["size"] == "2.0 kB" and MOMENT.match(attached["created"])
    assert got.renderedFields.description == "<p>It <b>breaks</b> on pay</p>"
    assert got.renderedFields.worklog.worklogs[0].timeSpent == "1 hour"
    searched = jira.search_issues(f"key = {issue.key}", expand="renderedFields", fields="description,created")
    assert searched[0].raw["renderedFields"] == {
        "description": shown["description"],
        "created": shown["created"],
    }


def _recorded() -> dict[str, Any]:
    for exchange in yaml.safe_load(RECORDED.read_text())["interactions"]:
        text = exchange["response"]["body"].get("string") or ""
        if '"renderedFields":{"' in text:
            rendered: dict[str, Any] = json.loads(text)["renderedFields"]
            return rendered
    raise AssertionError("no renderedFields in the recording")


def _kind(value: Any) -> str:
    return type(value).__name__


@pytest.mark.skipif(not RECORDED.exists(), reason="reference recordings are not present")
def test_the_shape_is_the_recorded_one(jira: JIRA) -> None:
    """An issue with a worklog, as the recording's: each field the twin also has renders to the
    same kind of value (text, null, object, list), and comments and worklogs to the same keys."""
    recorded = _recorded()
    issue = jira.create_issue(project="APP", summary="Shape", issuetype={"name": "Task"})
    jira.add_worklog(issue, timeSpent="1h", comment="testing this thing")
    shown = jira.issue(issue.key, expand="renderedFields").raw["renderedFields"]
    common = [k for k in recorded if k in shown and not k.startswith("customfield_")]
    assert len(common) >= 30
    differ = {
        k: (_kind(recorded[k]), _kind(shown[k])) for k in common if _kind(recorded[k]) != _kind(shown[k])
    }
    # the twin keeps no remaining estimate, nor when its caller last viewed an issue: its raw
    # fields hold null there, so the rendered ones do
    assert differ == {
        "timeestimate": ("str", "NoneType"),
        "aggregatetimeestimate": ("str", "NoneType"),
        "lastViewed": ("str", "NoneType"),
    }
    assert set(shown["comment"]) == set(recorded["comment"])
    assert set(shown["worklog"]) == set(recorded["worklog"])
    server_only = {"name", "key"}  # Jira Server users; Cloud's have account ids
    log, mine = recorded["worklog"]["worklogs"][0], shown["worklog"]["worklogs"][0]
    assert set(mine) == set(log)
    assert mine["comment"] == log["comment"].replace("\n", " ") == "<p>testing this thing</p>"
    assert {k for k in log["author"] if k not in server_only} <= set(mine["author"])
    assert mine["timeSpent"] == log["timeSpent"] == "1 hour"
    assert set(shown["timetracking"]) <= set(recorded["timetracking"])
