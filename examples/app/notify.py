"""A small application that talks to Slack and Okta, configured only through the environment."""

from __future__ import annotations

import asyncio
import os

from okta.client import Client
from slack_sdk import WebClient


def slack() -> WebClient:
    return WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])


def okta() -> Client:
    return Client({"orgUrl": os.environ["OKTA_CLIENT_ORGURL"], "token": os.environ["OKTA_CLIENT_TOKEN"]})


async def active_logins() -> list[str]:
    users, _resp, err = await okta().list_users(filter='status eq "ACTIVE"')
    if err is not None:
        raise RuntimeError(err)
    return sorted(user.profile.login for user in users)


def announce_roster(channel: str = "#general") -> str:
    """Post the active Okta users to a Slack channel; returns the message's ts."""
    logins = asyncio.run(active_logins())
    reply = slack().chat_postMessage(channel=channel, text=f"{len(logins)} active: " + ", ".join(logins))
    return str(reply["ts"])
