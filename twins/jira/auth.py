"""How Jira callers sign in, and the registry every REST module registers on."""

from __future__ import annotations

from twins.kit import BasicOrBearer, Registry

SCOPES = frozenset(
    {
        "read:jira-user",
        "read:jira-work",
        "write:jira-work",
        "manage:jira-project",
        "manage:jira-configuration",
        "manage:jira-webhook",
    }
)
READ, WRITE, USERS = "read:jira-work", "write:jira-work", "read:jira-user"
BASIC = BasicOrBearer(collection="jira_tokens", subject="account_id", vocabulary=SCOPES)
PREFIXES = ("/rest/api/2", "/rest/api/3", "/rest/api/latest")


def registry(tag: str) -> Registry:
    """A registry of REST operations served under `/rest/api/2`, `/3` and `/latest`."""
    return Registry(auth=BASIC, tags=(tag,), prefixes=PREFIXES, rate="api")
