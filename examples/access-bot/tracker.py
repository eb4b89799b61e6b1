"""Jira tracking for the access bot: each request is an issue in the project `JIRA_PROJECT` (default
ACC) labelled `access-request`; the decision assigns it to the approver, comments and closes it.

Built with the `jira` library (synchronous: its calls run in a worker thread). Configured from
JIRA_URL, JIRA_EMAIL and JIRA_API_TOKEN; without JIRA_URL nothing is tracked.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from jira import JIRA, JIRAError

LABEL = "access-request"
DONE = "Done"
log = logging.getLogger("access-bot.jira")


class Tracker:
    """Opens and closes the Jira issue of an access request; a Jira failure is logged, not fatal."""

    def __init__(self, env: dict[str, str]) -> None:
        self.url = env.get("JIRA_URL", "")
        self.auth = (env.get("JIRA_EMAIL", ""), env.get("JIRA_API_TOKEN", ""))
        self.project = env.get("JIRA_PROJECT", "ACC")
        self._client: JIRA | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def client(self) -> JIRA:
        if self._client is None:
            self._client = JIRA(server=self.url, basic_auth=self.auth, max_retries=3)
        return self._client

    async def _run(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except (JIRAError, OSError) as exc:
            log.warning("Jira: could not %s: %s", what, getattr(exc, "text", exc))
            return None

    async def open(self, email: str, group: str, reason: str) -> str:
        """The new issue's key ('' when not tracked or Jira refused)."""
        if not self.enabled:
            return ""
        fields = {
            "project": {"key": self.project},
            "summary": f"Access to {group} for {email}",
            "description": reason or "No reason given.",
            "issuetype": {"name": "Task"},
            "labels": [LABEL],
        }
        issue = await self._run("open an issue", lambda: self.client().create_issue(fields=fields))
        return str(issue.key) if issue is not None else ""

    async def close(self, key: str, decider_email: str, note: str) -> None:
        """Assign the issue to whoever decided, say what was decided, and move it to Done."""
        if not (self.enabled and key):
            return
        decider = await self.account_of(decider_email)
        if decider:
            await self._run("assign the issue", lambda: self.client().assign_issue(key, decider))
        await self._run("comment", lambda: self.client().add_comment(key, note))
        await self._run("close the issue", lambda: self.client().transition_issue(key, DONE))

    async def account_of(self, email: str) -> str:
        found = await self._run("find a user", lambda: self.client().search_users(query=email))
        match = [u for u in found or [] if str(getattr(u, "emailAddress", "")).lower() == email.lower()]
        return str(match[0].accountId) if match else ""
