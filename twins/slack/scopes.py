"""Which OAuth scopes each Web API method accepts, and its rate-limit tier."""

from __future__ import annotations

from twins._runtime.ratelimit import Limit

# Tier limits per minute (https://api.slack.com/apis/rate-limits); `burst` is the extra that
# Slack tolerates in practice, dropped in strict mode.
TIERS: dict[str, Limit] = {
    "tier1": Limit(1, 60, burst=1),
    "tier2": Limit(20, 60, burst=5),
    "tier3": Limit(50, 60, burst=10),
    "tier4": Limit(100, 60, burst=20),
    "post": Limit(1, 1, burst=2),  # chat.postMessage: one per second per channel
}

READ_CONV = ("channels:read", "groups:read", "im:read", "mpim:read")
HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")
WRITE_CONV = ("channels:manage", "groups:write", "im:write", "mpim:write", "channels:write")
JOIN = ("channels:join", "channels:write")

# method -> (accepted scopes (any one), tier); an empty tuple means no scope is needed.
METHODS: dict[str, tuple[tuple[str, ...], str]] = {
    "api.test": ((), "tier4"),
    "auth.test": ((), "tier4"),
    "auth.revoke": ((), "tier3"),
    "team.info": (("team:read",), "tier3"),
    "oauth.v2.access": ((), "tier4"),
    "chat.postMessage": (("chat:write", "chat:write:bot", "chat:write:user"), "post"),
    "chat.update": (("chat:write", "chat:write:bot", "chat:write:user"), "tier3"),
    "chat.delete": (("chat:write", "chat:write:bot", "chat:write:user"), "tier3"),
    "chat.postEphemeral": (("chat:write", "chat:write:bot", "chat:write:user"), "tier4"),
    "chat.getPermalink": ((), "tier4"),
    "chat.meMessage": (("chat:write", "chat:write:user"), "tier3"),
    "chat.scheduleMessage": (("chat:write", "chat:write:bot", "chat:write:user"), "tier3"),
    "chat.scheduledMessages.list": (("chat:write", "chat:write:bot", "chat:write:user"), "tier3"),
    "chat.deleteScheduledMessage": (("chat:write", "chat:write:bot", "chat:write:user"), "tier3"),
    "conversations.create": (WRITE_CONV, "tier2"),
    "conversations.list": (READ_CONV, "tier2"),
    "conversations.info": (READ_CONV, "tier3"),
    "conversations.history": (HISTORY, "tier3"),
    "conversations.replies": (HISTORY, "tier3"),
    "conversations.open": (WRITE_CONV, "tier3"),
    "conversations.invite": (WRITE_CONV, "tier3"),
    "conversations.kick": (WRITE_CONV, "tier3"),
    "conversations.join": (JOIN, "tier3"),
    "conversations.leave": (WRITE_CONV, "tier3"),
    "conversations.members": (READ_CONV, "tier4"),
    "conversations.archive": (WRITE_CONV, "tier2"),
    "conversations.unarchive": (WRITE_CONV, "tier2"),
    "conversations.rename": (WRITE_CONV, "tier2"),
    "conversations.setTopic": (WRITE_CONV, "tier2"),
    "conversations.setPurpose": (WRITE_CONV, "tier2"),
    "conversations.mark": (WRITE_CONV, "tier3"),
    "users.list": (("users:read",), "tier2"),
    "users.info": (("users:read",), "tier4"),
    "users.lookupByEmail": (("users:read.email",), "tier3"),
    "users.conversations": (READ_CONV, "tier3"),
    "users.getPresence": (("users:read",), "tier3"),
    "users.setPresence": (("users:write",), "tier2"),
    "users.profile.get": (("users.profile:read",), "tier4"),
    "users.profile.set": (("users.profile:write",), "tier3"),
    "usergroups.create": (("usergroups:write",), "tier2"),
    "usergroups.list": (("usergroups:read",), "tier2"),
    "usergroups.update": (("usergroups:write",), "tier2"),
    "usergroups.users.list": (("usergroups:read",), "tier2"),
    "usergroups.users.update": (("usergroups:write",), "tier2"),
    "usergroups.disable": (("usergroups:write",), "tier2"),
    "usergroups.enable": (("usergroups:write",), "tier2"),
    "reactions.add": (("reactions:write",), "tier3"),
    "reactions.remove": (("reactions:write",), "tier2"),
    "reactions.get": (("reactions:read",), "tier3"),
    "reactions.list": (("reactions:read",), "tier2"),
    "pins.add": (("pins:write",), "tier2"),
    "pins.remove": (("pins:write",), "tier2"),
    "pins.list": (("pins:read",), "tier2"),
    "bookmarks.add": (("bookmarks:write",), "tier2"),
    "bookmarks.list": (("bookmarks:read",), "tier3"),
    "bookmarks.edit": (("bookmarks:write",), "tier2"),
    "bookmarks.remove": (("bookmarks:write",), "tier2"),
    "files.getUploadURLExternal": (("files:write",), "tier4"),
    "files.completeUploadExternal": (("files:write",), "tier4"),
    "files.info": (("files:read",), "tier4"),
    "files.list": (("files:read",), "tier3"),
    "files.delete": (("files:write",), "tier3"),
    "emoji.list": (("emoji:read",), "tier2"),
    "views.open": ((), "tier4"),
    "views.push": ((), "tier4"),
    "views.update": ((), "tier4"),
    "views.publish": ((), "tier4"),
}

# Scopes a bot token never holds: user-token scopes and the legacy `chat:write:*` ones.
USER_ONLY = frozenset({"channels:write", "chat:write:bot", "chat:write:user", "users.profile:write"})
# Bot scopes that no method lists but the twin honours: events, slash commands, webhooks, the
# message author's name and icon.
BOT_EXTRAS = frozenset({"app_mentions:read", "chat:write.customize", "commands", "incoming-webhook"})
# Bot scopes the seeded app leaves out on purpose, with the reason. With chat:write.public a bot
# posts in public channels it is not in, so an app would never meet `not_in_channel` in the twin,
# as it does in a workspace whose app did not ask for it; a scenario adds it with PATCH /apps/{id}.
OPT_IN = {"chat:write.public": "a bot that has it never gets not_in_channel when posting"}
# What the seeded app's bot token holds: every bot scope a method accepts, and the extras.
BOT_SCOPES = sorted({s for accepted, _ in METHODS.values() for s in accepted} - USER_ONLY | BOT_EXTRAS)
USER_SCOPES = sorted(
    {
        "bookmarks:read",
        "emoji:read",
        "bookmarks:write",
        "channels:history",
        "channels:read",
        "channels:write",
        "chat:write",
        "files:read",
        "files:write",
        "groups:history",
        "groups:read",
        "groups:write",
        "im:history",
        "im:read",
        "im:write",
        "mpim:history",
        "mpim:read",
        "mpim:write",
        "pins:read",
        "pins:write",
        "reactions:read",
        "reactions:write",
        "team:read",
        "usergroups:read",
        "usergroups:write",
        "users.profile:read",
        "users.profile:write",
        "users:read",
        "users:read.email",
        "users:write",
    }
)
