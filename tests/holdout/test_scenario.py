"""Scenario files: the published schema, the example suite, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from holdout.scenario import ScenarioError, load_dir, parse, schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"

GOOD = """\
version: 1
name: tiny
tags: [t]
twins: [slack, okta]
people:
  ann: {}
seed:
  slack:
    channels: [{name: general-2, members: [ann]}]
steps:
  - slack.post: {as: ann, channel: general-2, text: hi}
expect:
  - slack.message: {channel: general-2, contains: hi, count: 1}
"""


def test_the_published_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_the_example_suite_is_valid_and_every_file_has_a_top_level_name() -> None:
    scenarios = load_dir(EXAMPLES)
    assert len(scenarios) >= 10
    for path in EXAMPLES.glob("*.yaml"):
        assert "name" in yaml.safe_load(path.read_text())
    tags = {t for s in scenarios for t in s.tags}
    assert {"faults", "negative"} <= tags


def test_a_good_scenario_parses() -> None:
    scenario = parse(GOOD, "tiny.yaml")
    assert scenario.name == "tiny" and scenario.twins == ["slack", "okta"] and scenario.people == ["ann"]
    assert scenario.key.startswith("s-") and "tiny" not in scenario.key


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (GOOD.replace("  - slack.post: {as: ann,", "  - slack.shout: {as: ann,"), 11, "slack.shout"),
        (GOOD.replace("contains: hi, count: 1", "contains: hi, count: -1"), 13, "count"),
        (GOOD.replace("{as: ann, channel", "{as: bob, channel"), 11, "'bob' is not declared in people"),
        (GOOD.replace("version: 1", "version: 7"), 1, "format version 7 is unknown"),
        (GOOD.replace("twins: [slack, okta]", "twins: [slack, okta, teams]"), 4, "teams"),
        (GOOD.replace("name: tiny\n", ""), 1, "'name' is a required property"),
        (GOOD.replace("  ann: {}", "  ann: {"), 8, "not valid YAML"),
        (GOOD.replace("twins: [slack, okta]", "twins: [okta]"), 8, "seed for slack, not in twins"),
    ],
)
def test_bad_scenarios_name_the_file_line_and_problem(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(text, "bad.yaml")
    assert caught.value.file == "bad.yaml"
    assert caught.value.line == line, str(caught.value)
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"bad.yaml:{line}: ")


def test_a_jira_scenario_validates(tmp_path: Path) -> None:
    text = GOOD.replace("twins: [slack, okta]", "twins: [slack, okta, jira]").replace(
        "seed:\n", "seed:\n  jira:\n    projects: [{key: ACC, name: Access, issues: [{summary: first}]}]\n"
    )
    assert parse(text, "jira.yaml").twins == ["slack", "okta", "jira"]


def test_a_directory_error_names_the_file_inside_it(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(GOOD)
    (tmp_path / "broken.yml").write_text(
        GOOD.replace("name: tiny", "name: other").replace("count: 1", "count: x")
    )
    with pytest.raises(ScenarioError) as caught:
        load_dir(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'broken.yml'}:13: ")


def test_duplicate_names_and_empty_directories_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no scenario files"):
        load_dir(tmp_path)
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(ScenarioError, match=r"also used by a\.yaml"):
        load_dir(tmp_path)
