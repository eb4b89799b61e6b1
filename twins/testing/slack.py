"""The Slack twin in a test: WebClients for the tenant's bot and admin user, and what was posted."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from twins.testing.twin import Twin

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from slack_sdk.web.async_client import AsyncWebClient


class SlackTwin(Twin):
    """`slack_twin`: `client` is a ready `slack_sdk.WebClient` with the tenant's bot token."""

    service = "slack"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def bot_token(self) -> str:
        return str(self.credentials["bot_token"])

    @property
    def user_token(self) -> str:
        return str(self.credentials["user_token"])

    @property
    def signing_secret(self) -> str:
        return str(self.credentials["signing_secret"])

    @cached_property
    def client(self) -> WebClient:
        """slack_sdk's WebClient as the tenant's bot."""
        return self.web_client(self.bot_token)

    @cached_property
    def user_client(self) -> WebClient:
        """slack_sdk's WebClient as the tenant's admin user."""
        return self.web_client(self.user_token)

    @cached_property
    def async_client(self) -> AsyncWebClient:
        """slack_sdk's AsyncWebClient as the tenant's bot."""
        from slack_sdk.web.async_client import AsyncWebClient

        self.require_port("slack_sdk's AsyncWebClient")
        return AsyncWebClient(token=self.bot_token, base_url=self.api_url, headers=self.headers)

    def web_client(self, token: str) -> WebClient:
        """A WebClient with any token of this tenant."""
        from slack_sdk import WebClient

        self.require_port("slack_sdk's WebClient")
        return WebClient(token=token, base_url=self.api_url, headers=self.headers)

    def channel_id(self, channel: str) -> str:
        """A conversation's id from its id, `name` or `#name`."""
        name = channel.removeprefix("#")
        for row in self.admin.rows("conversations"):
            if name in (row["id"], row["name"]):
                return str(row["id"])
        raise LookupError(f"no conversation {channel!r} in tenant {self.tenant}")

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages of a conversation (`#name`, name or id) as stored, oldest first."""
        rows = self.admin.rows("messages", channel=self.channel_id(channel))
        return sorted(rows, key=lambda row: float(row["ts"]))

    def texts(self, channel: str) -> list[str]:
        """Just the text of each message in a conversation, oldest first."""
        return [str(row["text"]) for row in self.messages(channel)]
