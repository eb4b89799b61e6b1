"""A deliberately flawed build of the access bot, for showing that the holdout suite catches it:
it grants the group as soon as someone asks (before any approval), it gives up on a Slack 429
instead of retrying, so the confirmation is lost, and it never closes the request's Jira issue."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "access-bot"))

import access_bot
from access_bot import AccessBot, OktaProblem, main
from tracker import Tracker


class HastyAccessBot(AccessBot):
    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env)
        self.slack.retry_handlers.clear()  # a 429 from Slack now loses the message
        self.tracker = ForgetfulTracker(env)

    async def ask_approval(
        self, user_id: str, channel: str, group: str, reason: str, issue: str = ""
    ) -> None:
        with contextlib.suppress(OktaProblem):
            await self.grant(await self.email_of(user_id), group)  # the flaw: granted before approval
        await super().ask_approval(user_id, channel, group, reason, issue)


class ForgetfulTracker(Tracker):
    async def close(self, key: str, decider_email: str, note: str) -> None:
        if self.enabled and key:  # the flaw: it comments, but leaves the issue open and unassigned
            await self._run("comment", lambda: self.client().add_comment(key, note))


def asgi(env: dict[str, str]) -> Any:
    """The flawed bot as an ASGI app (see access_bot.asgi)."""
    return access_bot.asgi(env, HastyAccessBot)


if __name__ == "__main__":
    main(HastyAccessBot)
