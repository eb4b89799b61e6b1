"""The Jira twin in a test: the `jira` library's client for the tenant's site, and its issues."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from twins.testing.twin import Twin


class JiraTwin(Twin):
    """`jira_twin`: `client` is a ready `jira.JIRA` signed in as the site admin (e-mail + API token)."""

    service = "jira"

    @property
    def email(self) -> str:
        return str(self.credentials["email"])

    @property
    def api_token(self) -> str:
        return str(self.credentials["api_token"])

    @cached_property
    def client(self) -> Any:
        """`jira.JIRA` for the site (Cloud mode: it reads serverInfo on construction)."""
        self.require_port("the jira client")
        from jira import JIRA

        return JIRA(server=self.url, basic_auth=(self.email, self.api_token), max_retries=0)

    def issues(self, **where: Any) -> list[dict[str, Any]]:
        """Issue rows as stored (`key`, `summary`, `status_id`, `assignee`...), filtered by field=value."""
        return self.admin.rows("jira_issues", **where)

    def keys(self, jql: str) -> list[str]:
        """The keys a JQL query selects, in its order, as the site's search answers it."""
        return [issue.key for issue in self.client.search_issues(jql, maxResults=False)]
