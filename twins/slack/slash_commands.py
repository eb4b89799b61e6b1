"""Slash commands: a person runs /command in a conversation; the app gets the form-encoded,
signed request at the command's URL, and its immediate answer is shown as Slack shows it."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins.slack import humans, response_urls
from twins.slack.apps import command_url
from twins.slack.envelopes import verification_token
from twins.slack.interactivity import app_answer, channel_name, conversation, deliver, issue_trigger, team_ref
from twins.slack.response_urls import respond


def command_app(state: TenantState, name: str, app_id: str | None) -> tuple[Row, dict[str, Any]]:
    """The app (only `app_id` when given) that registered the command, and the command."""
    for app in state["apps"]:
        if app_id and app["id"] != app_id:
            continue
        for cmd in app["commands"]:
            if isinstance(cmd, dict) and cmd.get("command") == name:
                return app, cmd
    raise AdminError(404, "command_not_found", f"{name} is not a valid command in this workspace")


async def command(
    ctx: TwinContext, state: TenantState, user_id: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A person runs a slash command; the app's immediate answer is shown as Slack shows it."""
    user = humans.human(state, user_id)
    name = "/" + str(body.get("command") or "").lstrip("/")
    app, cmd = command_app(state, name, body.get("app_id"))
    target = command_url(app, cmd)
    if not target:
        raise AdminError(409, "no_command_url", f"{name} has no request URL")
    humans.bot_token(state, app)
    conv = conversation(state, str(body.get("channel") or ""), user_id)
    trigger = await issue_trigger(ctx, state, user_id, app["id"])
    hook, url = response_urls.install(ctx).new_hook(
        state, "commands", base_url, app_id=app["id"], user_id=user_id, channel=conv["id"], message_ts=None
    )
    team = team_ref(state)
    form = {
        "token": verification_token(app),
        "team_id": team["id"],
        "team_domain": team["domain"],
        "channel_id": conv["id"],
        "channel_name": channel_name(conv, command=True),
        "user_id": user_id,
        "user_name": user["name"],
        "command": name,
        "text": str(body.get("text") or ""),
        "api_app_id": app["id"],
        "is_enterprise_install": "false",
        "response_url": url,
        "trigger_id": trigger,
    }
    outcome = await deliver(ctx, state, app, "slash_command", target, form)
    answer = app_answer(outcome)
    out: dict[str, Any] = {
        "app_id": app["id"],
        "payload": form,
        "app_response": answer,
        "trigger_id": trigger,
        "response_url": url,
    }
    if not outcome.ok:
        out["error"] = "operation_timeout" if outcome.record["error"] == "http_timeout" else "dispatch_failed"
        return out
    if isinstance(answer["json"], dict):
        out["applied"] = await respond(ctx, hook, answer["json"], count=False)
    elif answer["body"].strip():
        out["applied"] = await respond(ctx, hook, {"text": answer["body"]}, count=False)
    return out
