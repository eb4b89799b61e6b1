"""Public and private reports, JUnit XML, Markdown, and the SQLite history with its SVG chart."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from holdout import history, report
from holdout.engine import ScenarioResult, SuiteResult, TrialResult
from holdout.rules import Outcome
from holdout.scenario import parse
from tests.holdout.test_scenario import GOOD


def suite(passes: list[bool], threshold: float = 0.9, name: str = "secret story") -> SuiteResult:
    scenario = parse(GOOD.replace("name: tiny", f"name: {name}"), "a.yaml")
    trials = [
        TrialResult(i, 100 + i, "none", ok, [Outcome("slack.message", ok, "wanted 'hi' in #general-2")])
        for i, ok in enumerate(passes)
    ]
    return SuiteResult([ScenarioResult(scenario, trials)], threshold, seconds=1.5)


def test_public_report_has_counts_and_tags_but_no_scenario_content() -> None:
    result = suite([True, True, False])
    text = report.to_json(report.public(result, "c0ffee"))
    data = json.loads(text)
    assert data["verdict"] == "fail" and data["trials"] == 3 and data["satisfied"] == 2 and data["flaky"] == 1
    assert data["tags"]["t"]["satisfaction"] == 0.6667 and data["by_scenario"][0]["flaky"] is True
    for secret in ("secret story", "general-2", "wanted", "ann", "a.yaml"):
        assert secret not in text
    private = report.private(result, "c0ffee", ["a log line"])
    assert private["by_scenario"][0]["name"] == "secret story" and private["log"] == ["a log line"]
    assert private["by_scenario"][0]["trial_results"][2]["outcomes"][0]["detail"].startswith("wanted")


def test_junit_and_markdown() -> None:
    result = suite([True, False])
    root = ET.fromstring(report.junit(result))
    assert root.attrib["tests"] == "1" and root.attrib["failures"] == "1"
    assert root.find("testcase/failure") is not None and "secret" not in report.junit(result)
    md = report.markdown(result)
    assert md.startswith("## ❌ Holdout: satisfaction 50.0% (threshold 90.0%)") and "flaky" in md
    assert "✅" in report.markdown(suite([True, True]))


def test_history_charts_satisfaction_per_scenario_across_commits(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    for commit, passes in (("aaa111", [True, False]), ("bbb222", [True, True]), ("ccc333", [False, False])):
        history.record(db, suite(passes, name="alpha story"), commit)
        history.record(db, suite([True], name="beta story"), commit)
    runs, series = history.load(db)
    assert [r.commit for r in runs] == ["aaa111", "aaa111", "bbb222", "bbb222", "ccc333", "ccc333"]
    assert len(series) == 2
    page = history.render_html(runs, series)
    assert page.count("<svg") == 1 and page.count("<polyline") == 4  # threshold, 2 scenarios, suite
    points, per_commit = history.by_commit(runs, series)
    assert [p.label for p in points] == ["aaa111", "bbb222", "ccc333"]
    assert [round(p.satisfaction, 3) for p in points] == [0.667, 1.0, 0.333]  # both runs of a commit
    assert sorted(len(v) for v in per_commit.values()) == [3, 3]
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "alpha story" not in page and "beta story" not in page  # opaque ids only
