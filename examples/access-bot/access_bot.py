"""Access bot: a person asks for an Okta group in Slack (`/access <group> [reason]` or a message
`access <group>`), an approver (a member of the Okta group `access-approvers`) clicks Approve or
Deny, the bot adds the person to the group and confirms in the channel. With JIRA_URL set, each
request is also a Jira issue, assigned to the approver, commented and closed on the decision.

Built with the official SDKs only (slack-bolt, slack-sdk, okta, jira); configured from the environment:
SLACK_API_URL, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, OKTA_ORG_URL, OKTA_API_TOKEN, PORT, and
JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN, JIRA_PROJECT (tracker.py).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from okta.client import Client as OktaClient
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from tracker import Tracker

APPROVERS_GROUP = "access-approvers"
MESSAGE_RE = re.compile(r"^\s*(?:<@[A-Z0-9]+>\s*)?access\s+(\S+)(?:\s+(.*))?$", re.I)


def name_of(group: Any) -> str:
    """A group's name (the SDK wraps the profile in a one-of holder)."""
    profile = getattr(group.profile, "actual_instance", None) or group.profile
    return str(profile.name)


class OktaProblem(RuntimeError):
    """Okta refused or could not be reached (after the SDK's own retries on 429)."""


class AccessBot:
    """The bot's behaviour; `register` wires it to a Bolt app."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.slack = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
        self.slack.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
        self.tracker = Tracker(env)

    # --- Okta -------------------------------------------------------------------------------------
    def okta(self) -> OktaClient:
        config = {
            "orgUrl": self.env["OKTA_ORG_URL"],
            "token": self.env["OKTA_API_TOKEN"],
            "rateLimit": {"maxRetries": 3},
        }
        return OktaClient(config)

    async def okta_user(self, email: str) -> Any | None:
        user, resp, err = await self.okta().get_user(email)
        if err is not None:
            if getattr(resp, "status", None) == 404:
                return None
            raise OktaProblem(str(err))
        return user

    async def okta_group(self, name: str) -> Any | None:
        groups, _, err = await self.okta().list_groups(q=name)
        if err is not None:
            raise OktaProblem(str(err))
        return next((g for g in groups or [] if name_of(g).lower() == name.lower()), None)

    async def is_approver(self, email: str) -> bool:
        user = await self.okta_user(email)
        if user is None:
            return False
        groups, _, err = await self.okta().list_user_groups(user.id)
        if err is not None:
            raise OktaProblem(str(err))
        return any(name_of(g) == APPROVERS_GROUP for g in groups or [])

    async def grant(self, email: str, group_name: str) -> None:
        user = await self.okta_user(email)
        group = await self.okta_group(group_name)
        if user is None or group is None:
            raise OktaProblem("the user or the group no longer exists")
        result = await self.okta().assign_user_to_group(group.id, user.id)
        if result[-1] is not None:
            raise OktaProblem(str(result[-1]))

    # --- Slack ------------------------------------------------------------------------------------
    async def email_of(self, user_id: str) -> str:
        info = await self.slack.users_info(user=user_id)
        return str(info["user"]["profile"].get("email") or "")

    async def request(self, user_id: str, channel: str, group_name: str, reason: str) -> None:
        """Check the request and post it for approval (nothing is granted yet)."""
        try:
            email = await self.email_of(user_id)
            person = await self.okta_user(email)
            group = await self.okta_group(group_name)
        except OktaProblem as exc:
            await self.say(channel, f":warning: Okta is not answering right now ({exc}); try again later.")
            return
        if person is None:
            await self.say(channel, f"Sorry <@{user_id}>, I found no Okta account for you.")
            return
        if group is None:
            await self.say(channel, f"Sorry <@{user_id}>, there is no Okta group named `{group_name}`.")
            return
        issue = await self.tracker.open(email, name_of(group), reason)
        await self.ask_approval(user_id, channel, name_of(group), reason, issue)

    async def ask_approval(
        self, user_id: str, channel: str, group: str, reason: str, issue: str = ""
    ) -> None:
        value = json.dumps({"user": user_id, "group": group, "channel": channel, "issue": issue})
        text = f"<@{user_id}> requests access to *{group}*" + (f": {reason}" if reason else "")
        text += f" ({issue})" if issue else ""
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "block_id": "decision",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "style": "primary",
                        "value": value,
                        "text": {"type": "plain_text", "text": "Approve"},
                    },
                    {
                        "type": "button",
                        "action_id": "deny",
                        "style": "danger",
                        "value": value,
                        "text": {"type": "plain_text", "text": "Deny"},
                    },
                ],
            },
        ]
        await self.slack.chat_postMessage(channel=channel, text=text, blocks=blocks)

    async def say(self, channel: str, text: str) -> None:
        await self.slack.chat_postMessage(channel=channel, text=text)

    async def decide(self, body: dict[str, Any], respond: AsyncRespond, approved: bool) -> None:
        """An approver's click: refuse self-approval and non-approvers; grant or deny."""
        clicker = body["user"]["id"]
        request = json.loads(body["actions"][0]["value"])
        user, group, channel = request["user"], request["group"], request["channel"]
        issue = str(request.get("issue") or "")
        try:
            decider = await self.email_of(clicker)
            allowed = await self.is_approver(decider)
        except OktaProblem as exc:
            await respond(text=f":warning: Okta is not answering ({exc}); try again.", replace_original=False)
            return
        if clicker == user or not allowed:
            await respond(
                text="Only an access approver other than the requester can decide.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if not approved:
            await respond(
                text=f"Request of <@{user}> for *{group}* denied by <@{clicker}>", replace_original=True
            )
            await self.say(channel, f":x: <@{user}>, your request for *{group}* was denied.")
            await self.tracker.close(issue, decider, f"Denied by {decider}.")
            return
        if await self.approve(user, group, channel, clicker, respond, issue):
            await self.tracker.close(issue, decider, f"Approved by {decider}; added to {group} in Okta.")

    async def approve(
        self, user: str, group: str, channel: str, clicker: str, respond: AsyncRespond, issue: str = ""
    ) -> bool:
        """Grant and confirm; False (and a warning in the channel) when Okta refused."""
        try:
            await self.grant(await self.email_of(user), group)
        except OktaProblem as exc:
            await self.say(channel, f":warning: Could not add <@{user}> to *{group}*: {exc}")
            return False
        await respond(
            text=f"Request of <@{user}> for *{group}* approved by <@{clicker}>", replace_original=True
        )
        await self.say(
            channel,
            f":white_check_mark: <@{user}> was added to *{group}* (approved by <@{clicker}>)."
            + (f" Tracked in {issue}." if issue else ""),
        )
        return True

    # --- Bolt wiring ------------------------------------------------------------------------------
    def register(self, app: AsyncApp) -> None:
        @app.command("/access")
        async def command(ack: AsyncAck, command: dict[str, Any]) -> None:
            await ack()
            group, _, reason = str(command.get("text") or "").strip().partition(" ")
            if not group:
                await self.say(command["channel_id"], "Usage: `/access <group> [reason]`")
                return
            await self.request(command["user_id"], command["channel_id"], group, reason.strip())

        @app.message(MESSAGE_RE)
        async def message(message: dict[str, Any], say: AsyncSay) -> None:
            found = MESSAGE_RE.match(message.get("text") or "")
            if found:
                await self.request(message["user"], message["channel"], found.group(1), found.group(2) or "")

        @app.action("approve")
        async def approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await ack()
            await self.decide(body, respond, approved=True)

        @app.action("deny")
        async def deny(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
            await ack()
            await self.decide(body, respond, approved=False)


def build(bot_class: type[AccessBot] = AccessBot, env: dict[str, str] | None = None) -> AsyncApp:
    """The Bolt app with the bot's handlers."""
    env = dict(os.environ) if env is None else env
    if env["OKTA_ORG_URL"].startswith("http://"):  # a twin on loopback; the SDK reads this from os.environ
        os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    bot = bot_class(env)
    app = AsyncApp(client=bot.slack, signing_secret=env["SLACK_SIGNING_SECRET"])
    bot.register(app)
    return app


def asgi(env: dict[str, str], bot_class: type[AccessBot] = AccessBot) -> Any:
    """The bot as an ASGI app for one tenant's environment (served in the engine's process)."""
    from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler

    return AsyncSlackRequestHandler(build(bot_class, env))


def main(bot_class: type[AccessBot] = AccessBot) -> None:
    build(bot_class).start(port=int(os.environ.get("PORT", "3000")), host="127.0.0.1")
