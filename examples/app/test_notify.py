"""The application's own tests, run against the twins that the GitHub Action started."""

from __future__ import annotations

import asyncio

from notify import active_logins, announce_roster, slack


def test_the_roster_reaches_slack() -> None:
    ts = announce_roster("#general")
    channel = next(c["id"] for c in slack().conversations_list()["channels"] if c["name"] == "general")
    latest = slack().conversations_history(channel=channel, limit=1)["messages"][0]
    assert latest["ts"] == ts
    logins = asyncio.run(active_logins())
    assert logins and latest["text"] == f"{len(logins)} active: " + ", ".join(logins)
