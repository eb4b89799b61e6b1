"""Simulated humans: any seeded person posts, reacts, joins and leaves as if from the Slack client.

An action runs the Web API method the Slack client would call (`chat.postMessage`,
`reactions.add`, ...) with that person's identity, in one committed store operation, so it makes
exactly the rows and events the Web API makes; its events go out through the outbox once it is durable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins.slack import outbox
from twins.slack.call import Call, EventList, Params
from twins.slack.errors import SlackError
from twins.slack.lookup import find_conversation, live_bot_token
from twins.slack.methods import Handler, load_all
from twins.slack.scopes import USER_SCOPES

Mapper = Callable[[dict[str, Any]], dict[str, Any]]


def _same(body: dict[str, Any]) -> dict[str, Any]:
    return body


def _timestamp(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "timestamp": body.get("timestamp") or body.get("ts", "")}


def _users(body: dict[str, Any]) -> dict[str, Any]:
    users = body.get("users") or body.get("with", "")
    return {**body, "users": ",".join(users) if isinstance(users, list) else users}


# action -> (Web API method, how the admin body maps onto the method's params)
ACTIONS: dict[str, tuple[str, Mapper]] = {
    "post": ("chat.postMessage", _same),
    "me": ("chat.meMessage", _same),
    "edit": ("chat.update", _same),
    "delete": ("chat.delete", _same),
    "react": ("reactions.add", _timestamp),
    "unreact": ("reactions.remove", _timestamp),
    "pin": ("pins.add", _timestamp),
    "unpin": ("pins.remove", _timestamp),
    "join": ("conversations.join", _same),
    "leave": ("conversations.leave", _same),
    "invite": ("conversations.invite", _users),
    "kick": ("conversations.kick", _same),
    "open_im": ("conversations.open", _users),
    "create_channel": ("conversations.create", _same),
    "archive": ("conversations.archive", _same),
    "unarchive": ("conversations.unarchive", _same),
    "rename": ("conversations.rename", _same),
    "set_topic": ("conversations.setTopic", _same),
    "set_purpose": ("conversations.setPurpose", _same),
    "set_presence": ("users.setPresence", _same),
    "set_profile": ("users.profile.set", _same),
}


def human(state: TenantState, user_id: str) -> Row:
    """The person, or the admin error a scenario should see."""
    row = state["users"].get(user_id)
    if row is None:
        raise AdminError(404, "user_not_found", f"no user {user_id!r} in tenant {state.id!r}")
    if row["deleted"]:
        raise AdminError(409, "account_inactive", f"user {user_id!r} is deactivated")
    if row["is_bot"]:
        raise AdminError(400, "user_is_bot", f"user {user_id!r} is a bot; humans act as people")
    return row


def human_token(user_id: str) -> Row:
    """What the Slack client acts with: a user token of that person (never stored)."""
    return {
        "id": "",
        "kind": "user",
        "user_id": user_id,
        "app_id": None,
        "scopes": USER_SCOPES,
        "revoked": False,
        "created": 0,
    }


def bot_token(state: TenantState, app: Row) -> Row:
    """The app's live bot token, or the admin error when the app is not installed."""
    token = live_bot_token(state, app)
    if token is not None:
        return token
    raise AdminError(409, "app_not_installed", f"app {app['id']!r} has no live bot token")


def handler(name: str) -> Handler:
    registered = load_all().get(name)
    if registered is None:
        raise AdminError(501, "method_not_implemented", f"the twin has no {name} yet")
    return registered.fn


def slack_failure(error: SlackError) -> AdminError:
    status = 404 if error.code.endswith("_not_found") else 409
    return AdminError(status, error.code, f"Slack answered {error.code!r}")


async def run_as(
    ctx: TwinContext,
    tenant: str,
    token: Row,
    fn: Callable[[Call], dict[str, Any]],
    params: dict[str, Any],
    *,
    name: str = "",
    base_url: str = "",
) -> tuple[dict[str, Any], Call]:
    """Run a handler with a token in one committed operation, then deliver its events."""
    holder: dict[str, Call] = {}

    def op(state: TenantState, events: EventList) -> dict[str, Any]:
        call = Call(name, Params(params), state, token, base_url, events=events)
        holder["call"] = call
        return fn(call)

    try:
        body = await outbox.write(ctx, tenant, op)
    except SlackError as error:
        raise slack_failure(error) from None
    return body, holder["call"]


async def act(
    ctx: TwinContext, state: TenantState, user_id: str, action: str, body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """Perform a human action; returns the Web API answer the Slack client got, and the events."""
    human(state, user_id)
    if action not in ACTIONS:
        raise AdminError(
            404, "unknown_action", f"no human action {action!r}; there are: {', '.join(ACTIONS)}"
        )
    method_name, mapper = ACTIONS[action]
    params = {k: v for k, v in mapper(body).items() if v is not None}
    ref = params.get("channel")
    if isinstance(ref, str):
        found = find_conversation(state, ref)
        params["channel"] = found["id"] if found is not None else ref  # names work too, as in the client
    answer, call = await run_as(
        ctx, state.id, human_token(user_id), handler(method_name), params, name=method_name, base_url=base_url
    )
    out: dict[str, Any] = {"ok": True, **answer}
    if call.warnings:
        out["warning"] = ",".join(call.warnings)
    return {"method": method_name, "response": out, "events": [t for t, _ in call.events]}
