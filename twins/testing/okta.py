"""The Okta twin in a test: the official `okta` SDK Client for the tenant's org, users and groups."""

from __future__ import annotations

import os
from functools import cached_property
from typing import Any

from twins.testing.twin import Twin

HTTPS_CHECK = "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"


class OktaTwin(Twin):
    """`okta_twin`: `client` is a ready `okta.client.Client` with the org's SSWS API token."""

    service = "okta"

    @property
    def org_url(self) -> str:
        return self.url

    @property
    def api_token(self) -> str:
        return str(self.credentials["api_token"])

    @cached_property
    def client(self) -> Any:
        """The async okta SDK Client (its methods return `(result, response, error)`)."""
        self.require_port("the okta SDK Client")
        os.environ.setdefault(HTTPS_CHECK, "true")  # the SDK refuses http:// org URLs otherwise
        from okta.client import Client

        return Client({"orgUrl": self.org_url, "token": self.api_token})

    def users(self, **where: Any) -> list[dict[str, Any]]:
        """User rows as stored (`id`, `login`, `status`, `profile`...), filtered by field=value."""
        return self.admin.rows("users", **where)

    def group_id(self, group: str) -> str:
        """A group's id from its id or its profile name."""
        for row in self.admin.rows("groups"):
            if group in (row["id"], row["name"], row["profile"].get("name")):
                return str(row["id"])
        raise LookupError(f"no group {group!r} in tenant {self.tenant}")

    def members(self, group: str) -> set[str]:
        """Logins of a group's members (group by id or name), from the stored memberships."""
        group_id = self.group_id(group)
        ids = {row["user_id"] for row in self.admin.rows("memberships", group_id=group_id)}
        return {str(row["login"]) for row in self.users() if row["id"] in ids}
