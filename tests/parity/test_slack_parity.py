"""Parity with real Slack: the slack-ruby-client's VCR cassettes replayed against a fresh twin.

The engine (`recorder.parity`, Slack profile) sends each recorded request with the recorded ids,
cursors and credential class mapped to the twin's; ids first named in a request are chosen from
what the recording says about them (a channel the bot is in, a deactivated bot user...). Every
answer must have the recorded HTTP status, every recorded key path, and every value that is not
volatile (`ok`/`error`, enums, booleans, counts, strings the requests set). What differs is
declared in the profile (`recorder.parity.slack.DIFFERENCES`) with its reason, never edited out of
a recording.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recorder.parity import Report, SharedTwin, slack, verify_async
from tests.parity.conftest import REFERENCE
from tests.slack.conftest import make_app

CASSETTES = REFERENCE / "slack" / "slack-ruby-client" / "spec" / "fixtures" / "slack" / "web"


def cassettes() -> list[Any]:
    """Every cassette; `429_error.yml` holds a plain 200 auth.test (the Ruby spec stubs the 429
    itself), replayed as recorded like the rest."""
    found = sorted(CASSETTES.glob("*.yml")) if CASSETTES.is_dir() else []
    if not found:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{CASSETTES} is not here"))]
    return [pytest.param(path, id=path.stem) for path in found]


@pytest.mark.reference
@pytest.mark.parametrize("cassette", cassettes())
async def test_recording_replays_like_slack(cassette: Path, parity_reports: list[Report]) -> None:
    async with SharedTwin(make_app) as twin:  # one app for the route table and the replay
        report = await verify_async(twin, [cassette], profile=slack.PROFILE)
    parity_reports.append(report)
    assert all(r.served for r in report.recordings), report.to_markdown()
    mismatches = [
        f"#{o.seq} {o.endpoint}: " + "; ".join(d.explain() for d in o.undeclared)
        for o in report.outcomes
        if not o.passed
    ]
    assert not mismatches, "differences from the recording that are not declared:\n" + "\n".join(mismatches)


def test_every_declared_difference_has_a_reason() -> None:
    assert all(reason.strip() for reason in slack.PROFILE.declared.values())
