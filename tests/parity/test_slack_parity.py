"""Parity with real Slack: the slack-ruby-client's VCR cassettes replayed against a fresh twin.

The engine (`recorder.parity`, Slack profile) sends each recorded request with the recorded ids,
cursors and credential class mapped to the twin's; ids first named in a request are chosen from
what the recording says about them (a channel the bot is in, a deactivated bot user...). Every
answer must have the recorded HTTP status, every recorded key path, and every value that is not
volatile (`ok`/`error`, enums, booleans, counts, strings the requests set). What differs is
declared in DIFFERENCES with its reason, never edited out of a recording.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from recorder.parity import Replay, Report, slack, verify_async
from tests.parity.conftest import REFERENCE
from tests.slack.conftest import make_app

CASSETTES = REFERENCE / "slack" / "slack-ruby-client" / "spec" / "fixtures" / "slack" / "web"

# (method, key path) -> why the twin's answer differs there from the recording.
DIFFERENCES: dict[tuple[str, str], str] = {
    ("conversations.list", "channels[].members"): (
        "2016-era recording of a legacy mpim: conversations.list no longer lists members "
        "(conversations.members does); the twin follows the current conversation object"
    ),
    ("conversations.info", "channel.members"): "legacy mpim field, as above",
    ("conversations.info", "channel.is_open"): "legacy mpim field (IMs only in the current object)",
    ("conversations.info", "channel.latest"): "legacy mpim field: the twin does not render `latest`",
    ("conversations.info", "channel.unread_count"): "legacy field: no unread counts in the twin",
    ("conversations.info", "channel.unread_count_display"): "legacy field: no unread counts in the twin",
    ("users.list", "members[].is_invited_user"): (
        "present only for people invited but not yet joined; the seeded workspace has none"
    ),
    ("users.list", "members[].profile.image_original"): (
        "only users with an uploaded avatar have it; seeded users have default avatars"
    ),
    ("users.list", "members[].profile.is_custom_image"): "as image_original: no uploaded avatars",
    ("users.list", "members[].profile.image_1024"): "as image_original: no uploaded avatars",
    ("users.info", "user.profile.image_original"): "as image_original: no uploaded avatars",
    ("users.info", "user.profile.is_custom_image"): "as image_original: no uploaded avatars",
    ("conversations.info", "channel.is_group"): (
        "legacy mpim field: 2016-era group DMs were private groups (`is_group: true`); current mpims are not"
    ),
    ("conversations.list", "channels"): (
        "the recorded workspace holds other (and over 100) conversations; a fresh twin holds its seeded few"
    ),
    ("conversations.list", "(next page)"): "as above: more than one page of conversations was recorded",
    ("users.list", "members"): "the recorded workspace holds other people than the seeded one",
    **{
        ("files.completeUploadExternal", f"files[].{key}"): (
            "Slack shares an uploaded file asynchronously: its answer still shows the file unshared; "
            "the twin shares it before answering"
        )
        for key in ("is_public", "shares", "channels", "groups", "ims")
    },
}


async def prepare(replay: Replay) -> None:
    """The profile's preparation, and a deactivated bot user (no Web API method deactivates one)."""
    await slack.prepare(replay)
    registered = await replay.session.admin("POST", "/slack/apps", json={"name": "Retired Bot"})
    bot_user = registered["bot_user_id"]
    ctx = replay.session.app.state.twin
    await ctx.store.run(ctx.settings.default_tenant, lambda st: st["users"].update(bot_user, deleted=True))


PROFILE = dataclasses.replace(slack.PROFILE, prepare=prepare)


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
    report = await verify_async(make_app, [cassette], profile=PROFILE, declared=DIFFERENCES)
    parity_reports.append(report)
    assert all(r.served for r in report.recordings), report.to_markdown()
    mismatches = [
        f"#{o.seq} {o.endpoint}: " + "; ".join(d.explain() for d in o.undeclared)
        for o in report.outcomes
        if not o.passed
    ]
    assert not mismatches, "differences from the recording that are not declared:\n" + "\n".join(mismatches)


def test_every_declared_difference_has_a_reason() -> None:
    assert all(reason.strip() for reason in DIFFERENCES.values())
