"""Fields outside the API's control: learnt from reads of the same thing that differ with no write
in between, listed in LIMITATIONS.md, and compared by type only, each relaxed comparison counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.fidelity import app_factory, profile_of, report_for
from agent_runner.model import ServiceModel
from recorder.parity import verify
from recorder.parity.relax import REASON, relaxer
from recorder.parity.values import Difference
from recorder.trace import Exchange
from tests.agent_runner.conftest import generated
from tests.agent_runner.traffic import GITHUB, exchange
from twins.twin_dir import load_service

REPO = "/repositories/77"
AUTH = "token REDACTED"


def repo(stars: int, description: str, watchers: int = 3, license_: Any = None) -> dict[str, Any]:
    return {
        "id": 77,
        "name": "hello",
        "url": f"{GITHUB}{REPO}",
        "description": description,
        "stargazers_count": stars,
        "watchers": watchers,
        "license": license_,
    }


def get(body: Any) -> Exchange:
    return exchange(GITHUB, "GET", REPO, 200, body, auth=AUTH)


def training() -> dict[str, list[Exchange]]:
    label = {"id": 1, "name": "bug"}
    return {
        "a": [get(repo(5, "x")), get(repo(5, "x"))],
        "b": [
            get(repo(9, "y", license_={"key": "mit"})),  # other users starred it since
            exchange(GITHUB, "PATCH", REPO, 200, repo(9, "z"), {"description": "z"}, auth=AUTH),
            get(repo(9, "z")),
        ],
        # a count that changes only across a write of the recording
        "c": [
            get(repo(9, "y")),
            exchange(GITHUB, "POST", f"{REPO}/labels", 201, label, {"name": "bug"}, auth=AUTH),
            get(repo(9, "y", watchers=4)),
            exchange(GITHUB, "GET", "/repositories/78", 200, {**repo(1, "w"), "id": 78}, auth=AUTH),
            # repositories of the same kind, read once
            exchange(GITHUB, "GET", f"{REPO}/forks", 200, [{**repo(1, "f"), "id": 80}], auth=AUTH),
        ],
    }


def test_fields_that_change_on_their_own_are_learnt(tmp_path: Path) -> None:
    folder = generated(tmp_path, "github", training())
    volatile = ServiceModel.load(folder / "model.json").volatile
    fields = volatile["GET /repositories/{repositoryId}"]
    assert fields["stargazers_count"] == ["a number"]
    assert fields["license"] == ["an object", "null"]
    assert "description" not in fields  # a write sends it: a write elsewhere may have changed it
    assert "watchers" not in fields  # it changed only across a write
    assert "name" not in fields and "id" not in fields
    # and in repositories of the same kind, with the types the field shows anywhere
    assert volatile["GET /repositories/{repositoryId}/forks"] == {
        "[].license": ["an object", "null"],
        "[].stargazers_count": ["a number"],
    }
    limits = (folder / "LIMITATIONS.md").read_text(encoding="utf-8")
    assert "## Fields compared by type" in limits and "`stargazers_count`" in limits


def test_they_are_compared_by_type_only() -> None:
    relax = relaxer(
        {
            "GET /repositories/{repositoryId}": {
                "stargazers_count": ["a number"],
                "license": ["an object", "null"],
            }
        },
        ["GET /repositories/{repositoryId}", "GET /repositories/{repositoryId}/forks"],
    )
    read, forks = get(repo(5, "x")), exchange(GITHUB, "GET", f"{REPO}/forks", 200, [])
    assert relax(read, Difference("stargazers_count", "value", 5, 9)) == REASON
    assert relax(read, Difference("license", "type", "an object", "null")) == REASON
    assert relax(read, Difference("stargazers_count", "value", 5, None)) is None  # never null
    assert relax(read, Difference("stargazers_count", "value", 5, "9")) is None
    assert relax(read, Difference("stargazers_count", "missing")) is None
    assert relax(read, Difference("description", "value", "x", "y")) is None
    assert relax(forks, Difference("stargazers_count", "value", 5, 9)) is None


def test_a_held_out_read_matches_by_type_and_the_relaxing_is_counted(tmp_path: Path) -> None:
    folder = generated(tmp_path, "github", training())
    held_out = [("later", [get(repo(12, "x"))]), ("other", [get(repo(12, "x", watchers=7))])]
    report = report_for(folder, held_out, fresh=True)
    later, other = (r.outcomes[0] for r in report.recordings)
    assert later.passed and not later.exact
    assert [(d.path, why) for d, why in later.declared] == [("stargazers_count", REASON)]
    assert not other.passed  # what is not learnt to change is still compared by value
    strict = verify(lambda: app_factory(load_service(folder)), held_out, profile=profile_of("github"))
    assert not strict.recordings[0].outcomes[0].passed
