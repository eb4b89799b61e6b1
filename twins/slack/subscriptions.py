"""Event subscriptions: which installed app receives which event, by Slack's rules of visibility."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.slack.lookup import has_member, live_bot_token
from twins.slack.schemas import CHANNEL_TYPES

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# channel_type of a message event -> the subscription that carries it.
MESSAGE_SUBSCRIPTION = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
    "mpim": "message.mpim",
}
# The subscriptions that may carry an event of a type, where that is not the type itself: a
# message goes by its conversation's kind and may mention an app.
CARRIERS = {"message": frozenset({*MESSAGE_SUBSCRIPTION.values(), "app_mention"})}
# Events about public channels every subscribed app receives, member or not.
WORKSPACE_WIDE = frozenset(
    {
        "channel_created",
        "channel_deleted",
        "channel_rename",
        "channel_archive",
        "channel_unarchive",
        "channel_id_changed",
        "channel_shared",
        "channel_unshared",
    }
)
LEFT = frozenset({"member_left_channel", "channel_left", "group_left"})
# Message subtypes that mention an app the way a new message does.
MENTIONING = (None, "thread_broadcast", "file_share", "bot_message", "me_message")


def channel_of(event: dict[str, Any]) -> str | None:
    """The conversation an event is about, wherever that event type keeps it."""
    chan = event.get("channel")
    if isinstance(chan, dict):
        chan = chan.get("id")
    if not chan:
        chan = event.get("channel_id")
    if not chan and isinstance(event.get("item"), dict):
        chan = event["item"].get("channel")
    return chan if isinstance(chan, str) and chan else None


def mentions(text: Any) -> set[str]:
    """The user ids a message text mentions (<@U…>)."""
    return set(MENTION.findall(text)) if isinstance(text, str) else set()


def installed(state: TenantState, app: Row) -> bool:
    """The app has a live bot token in the workspace."""
    return live_bot_token(state, app) is not None


def subscription(state: TenantState, event_type: str, event: dict[str, Any]) -> str | None:
    """The event subscription that carries this event (message -> message.channels etc.)."""
    if event_type != "message":
        return event_type
    kind = event.get("channel_type")
    if not kind:
        conv = state["conversations"].get(channel_of(event) or "")
        kind = CHANNEL_TYPES.get(conv["kind"]) if conv else None
    return MESSAGE_SUBSCRIPTION.get(str(kind)) if kind else None


def can_receive(state: TenantState, app: Row, event_type: str, event: dict[str, Any]) -> bool:
    """Slack's visibility rule: the bot must be in the conversation, bar workspace-wide events."""
    chan_id = channel_of(event)
    if chan_id is None:
        return True
    conv = state["conversations"].get(chan_id)
    if conv is None:
        return event_type in WORKSPACE_WIDE
    if event_type in WORKSPACE_WIDE and conv["kind"] == "public":
        return True
    bot = app["bot_user_id"]
    return has_member(conv, bot) or (event_type in LEFT and event.get("user") == bot)


def with_mentions(events: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """The events plus an `app_mention` for each new message that mentions someone else, unless
    the method that posted it emitted one already."""
    events = list(events)
    emitted = {(channel_of(e), e.get("ts")) for t, e in events if t == "app_mention"}
    out: list[tuple[str, dict[str, Any]]] = []
    for event_type, event in events:
        out.append((event_type, event))
        if event_type != "message" or event.get("subtype") not in MENTIONING or event.get("hidden"):
            continue
        if not mentions(event.get("text")) - {event.get("user")}:
            continue
        if (channel_of(event), event.get("ts")) in emitted:
            continue
        mention = {k: v for k, v in event.items() if k not in ("channel_type", "subtype", "type")}
        out.append(("app_mention", {"type": "app_mention", **mention}))
    return out


def wants(state: TenantState, app: Row, event_type: str, event: dict[str, Any]) -> bool:
    """The app subscribes to the event, may see it, and (for app_mention) is the one mentioned."""
    sub = subscription(state, event_type, event)
    if sub is None or sub not in app["event_types"]:
        return False
    bot = app["bot_user_id"]
    if event_type == "app_mention" and (bot not in mentions(event.get("text")) or event.get("user") == bot):
        return False
    return can_receive(state, app, event_type, event)


def listens(state: TenantState, event_type: str) -> bool:
    """Whether any verified, installed app with an events URL subscribes to what may carry an
    event of `event_type` (no event needed: the kit asks before one is built)."""
    carriers = CARRIERS.get(event_type)
    for app in state["apps"].rows.values():
        if not (app["event_url"] and app["url_verified"]):
            continue
        types = app["event_types"]
        subscribed = event_type in types if carriers is None else not carriers.isdisjoint(types)
        if subscribed and installed(state, app):
            return True
    return False


def listening_apps(state: TenantState, app_id: str | None = None) -> list[Row]:
    """The verified, installed apps with an events URL (only `app_id` when given)."""
    apps = [
        a
        for a in state["apps"].rows.values()
        if a["event_url"] and a["url_verified"] and (app_id is None or a["id"] == app_id)
    ]
    return [a for a in apps if installed(state, a)]


def route(
    state: TenantState, events: Iterable[tuple[str, dict[str, Any]]], *, app_id: str | None = None
) -> Iterator[tuple[Row, str, dict[str, Any]]]:
    """(app, event type, event) for each event and every verified, installed app that wants it
    (only `app_id` when given), in event order."""
    apps = listening_apps(state, app_id)
    if not apps:
        return
    for event_type, event in with_mentions(events):
        for app in apps:
            if wants(state, app, event_type, event):
                yield app, event_type, event
