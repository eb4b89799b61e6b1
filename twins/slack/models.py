"""Slack twin tables: one row per workspace object, every row scoped to its tenant (workspace)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field

from twins._runtime.collection import CollectionSpec, TenantRow, json_field


class SlackUser(TenantRow, table=True):
    __tablename__ = "slack_users"
    id: str = Field(primary_key=True)
    name: str
    real_name: str = ""
    email: str | None = None
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    is_app_user: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    deleted: bool = False
    bot_id: str | None = None
    tz: str = "America/Los_Angeles"
    tz_label: str = "Pacific Standard Time"
    tz_offset: int = -28800
    color: str = "9f69e7"
    presence: str = "active"
    profile: dict[str, Any] = json_field({})
    updated: int = 0


class SlackConversation(TenantRow, table=True):
    __tablename__ = "slack_conversations"
    id: str = Field(primary_key=True)
    name: str | None = None
    kind: str = "public"  # public | private | mpim | im
    creator: str = ""
    created: int = 0
    is_archived: bool = False
    is_general: bool = False
    user: str | None = None  # the other party of an IM
    topic: dict[str, Any] = json_field({})
    purpose: dict[str, Any] = json_field({})
    members: list[str] = json_field([])
    previous_names: list[str] = json_field([])
    last_read: dict[str, Any] = json_field({})  # user id -> ts of the last message read
    updated: int = 0


class SlackMessage(TenantRow, table=True):
    __tablename__ = "slack_messages"
    id: str = Field(primary_key=True)  # "<channel>/<ts>"
    channel: str
    ts: str
    type: str = "message"
    subtype: str | None = None
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    text: str = ""
    blocks: list[Any] = json_field([])
    attachments: list[Any] = json_field([])
    files: list[str] = json_field([])
    thread_ts: str | None = None
    reply_count: int = 0
    reply_users: list[str] = json_field([])
    latest_reply: str | None = None
    reply_broadcast: bool = False
    username: str | None = None
    icons: dict[str, Any] = json_field({})
    edited: dict[str, Any] = json_field({})
    reactions: list[Any] = json_field([])
    pinned_to: list[str] = json_field([])
    metadata_: dict[str, Any] = json_field({})
    extra: dict[str, Any] = json_field({})  # subtype keys: inviter, topic, purpose, name, old_name


class SlackToken(TenantRow, table=True):
    __tablename__ = "slack_tokens"
    id: str = Field(primary_key=True)  # the token itself
    kind: str = "bot"  # bot | user
    user_id: str = ""
    app_id: str | None = None
    scopes: list[str] = json_field([])
    revoked: bool = False
    created: int = 0


class SlackApp(TenantRow, table=True):
    __tablename__ = "slack_apps"
    id: str = Field(primary_key=True)
    name: str
    client_id: str = ""
    client_secret: str = ""
    signing_secret: str = ""
    bot_user_id: str = ""
    bot_id: str = ""
    bot_scopes: list[str] = json_field([])
    user_scopes: list[str] = json_field([])
    redirect_urls: list[str] = json_field([])
    event_url: str | None = None
    event_types: list[str] = json_field([])
    interactivity_url: str | None = None
    commands: list[Any] = json_field([])
    url_verified: bool = False
    created: int = 0


class SlackFile(TenantRow, table=True):
    __tablename__ = "slack_files"
    id: str = Field(primary_key=True)
    name: str = ""
    title: str = ""
    mimetype: str = ""
    filetype: str = ""
    size: int = 0
    user: str = ""
    created: int = 0
    state: str = "pending"  # pending | uploaded | complete
    content: str = ""  # base64
    alt_txt: str | None = None
    channels: list[str] = json_field([])
    shares: dict[str, Any] = json_field({})
    upload_key: str = ""


class SlackBookmark(TenantRow, table=True):
    __tablename__ = "slack_bookmarks"
    id: str = Field(primary_key=True)
    channel_id: str
    title: str
    link: str = ""
    emoji: str | None = None
    type: str = "link"
    date_created: int = 0
    date_updated: int = 0
    created_by: str = ""


class SlackUsergroup(TenantRow, table=True):
    __tablename__ = "slack_usergroups"
    id: str = Field(primary_key=True)
    name: str
    handle: str
    description: str = ""
    users: list[str] = json_field([])
    channels: list[str] = json_field([])
    date_create: int = 0
    date_update: int = 0
    date_delete: int = 0
    created_by: str = ""
    updated_by: str = ""


class SlackView(TenantRow, table=True):
    __tablename__ = "slack_views"
    id: str = Field(primary_key=True)
    data: dict[str, Any] = json_field({})
    user_id: str = ""
    kind: str = "modal"  # modal | home
    external_id: str | None = None
    hash: str = ""
    root_view_id: str | None = None
    previous_view_id: str | None = None
    app_id: str | None = None
    closed: bool = False


class SlackScheduled(TenantRow, table=True):
    __tablename__ = "slack_scheduled"
    id: str = Field(primary_key=True)
    channel: str
    post_at: int
    date_created: int = 0
    text: str = ""
    payload: dict[str, Any] = json_field({})
    token: str = ""
    state: str = "pending"  # pending | sent | deleted


class SlackOAuthCode(TenantRow, table=True):
    __tablename__ = "slack_oauth_codes"
    id: str = Field(primary_key=True)  # the code
    app_id: str
    user_id: str
    bot_scopes: list[str] = json_field([])
    user_scopes: list[str] = json_field([])
    redirect_uri: str = ""
    used: bool = False
    expires: int = 0
    webhook_channel: str | None = None  # chosen at authorize when `incoming-webhook` is asked for


class SlackWebhook(TenantRow, table=True):
    __tablename__ = "slack_webhooks"
    id: str = Field(primary_key=True)  # "B…/secret" path part
    app_id: str
    channel: str
    user_id: str = ""
    url_path: str = ""


class SlackEmoji(TenantRow, table=True):
    __tablename__ = "slack_emoji"
    id: str = Field(primary_key=True)  # the custom emoji's name
    url: str = ""
    alias_for: str | None = None  # an alias names another emoji (custom or standard)
    user_id: str = ""
    created: int = 0


class SlackPin(TenantRow, table=True):
    """Who pinned a message and when (the message lists the conversation in `pinned_to`)."""

    __tablename__ = "slack_pins"
    id: str = Field(primary_key=True)  # the message's id, "<channel>/<ts>"
    channel: str = ""
    created: int = 0
    created_by: str = ""


class SlackViewTrigger(TenantRow, table=True):
    """A trigger id an interaction handed out: one views.open/push within 3 s of tenant time."""

    __tablename__ = "slack_view_triggers"
    id: str = Field(primary_key=True)  # the trigger id
    user: str = ""
    app: str | None = None
    expires: float = 0.0
    used: bool = False


COLLECTIONS = [
    CollectionSpec.of(SlackUser, "users", unique=("email", "name")),
    CollectionSpec.of(SlackConversation, "conversations", unique=("name",), index=("kind",)),
    CollectionSpec.of(SlackMessage, "messages", index=("channel", "thread_ts")),
    CollectionSpec.of(SlackToken, "tokens", index=("user_id",), credential="id"),
    CollectionSpec.of(SlackApp, "apps", unique=("client_id",)),
    CollectionSpec.of(SlackFile, "files", unique=("upload_key",), index=("user",)),
    CollectionSpec.of(SlackBookmark, "bookmarks", index=("channel_id",)),
    CollectionSpec.of(SlackUsergroup, "usergroups", unique=("handle",)),
    CollectionSpec.of(SlackView, "views", index=("user_id",)),
    CollectionSpec.of(SlackScheduled, "scheduled", index=("channel", "state")),
    CollectionSpec.of(SlackOAuthCode, "oauth_codes"),
    CollectionSpec.of(SlackWebhook, "webhooks"),
    CollectionSpec.of(SlackEmoji, "emoji"),
    CollectionSpec.of(SlackPin, "pins", index=("channel",)),
    CollectionSpec.of(SlackViewTrigger, "view_triggers"),
]
