"""Slack twin tables: one row per workspace object, every row scoped to its tenant (workspace)."""

from __future__ import annotations

from typing import Any

from sqlmodel import JSON, Column, Field

from twins._runtime.collection import CollectionSpec, TenantRow


def _json(default: Any = None) -> Any:
    factory = (lambda: dict(default)) if isinstance(default, dict) else (lambda: list(default or []))
    return Field(default_factory=factory, sa_column=Column(JSON))


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
    profile: dict[str, Any] = _json({})
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
    topic: dict[str, Any] = _json({})
    purpose: dict[str, Any] = _json({})
    members: list[str] = _json([])
    previous_names: list[str] = _json([])
    last_read: dict[str, Any] = _json({})  # user id -> ts of the last message read
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
    blocks: list[Any] = _json([])
    attachments: list[Any] = _json([])
    files: list[str] = _json([])
    thread_ts: str | None = None
    reply_count: int = 0
    reply_users: list[str] = _json([])
    latest_reply: str | None = None
    reply_broadcast: bool = False
    username: str | None = None
    icons: dict[str, Any] = _json({})
    edited: dict[str, Any] = _json({})
    reactions: list[Any] = _json([])
    pinned_to: list[str] = _json([])
    metadata_: dict[str, Any] = _json({})
    extra: dict[str, Any] = _json({})  # subtype keys: inviter, topic, purpose, name, old_name


class SlackToken(TenantRow, table=True):
    __tablename__ = "slack_tokens"
    id: str = Field(primary_key=True)  # the token itself
    kind: str = "bot"  # bot | user
    user_id: str = ""
    app_id: str | None = None
    scopes: list[str] = _json([])
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
    bot_scopes: list[str] = _json([])
    user_scopes: list[str] = _json([])
    redirect_urls: list[str] = _json([])
    event_url: str | None = None
    event_types: list[str] = _json([])
    interactivity_url: str | None = None
    commands: list[Any] = _json([])
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
    channels: list[str] = _json([])
    shares: dict[str, Any] = _json({})
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
    users: list[str] = _json([])
    channels: list[str] = _json([])
    date_create: int = 0
    date_update: int = 0
    date_delete: int = 0
    created_by: str = ""
    updated_by: str = ""


class SlackView(TenantRow, table=True):
    __tablename__ = "slack_views"
    id: str = Field(primary_key=True)
    data: dict[str, Any] = _json({})
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
    payload: dict[str, Any] = _json({})
    token: str = ""
    state: str = "pending"  # pending | sent | deleted


class SlackOAuthCode(TenantRow, table=True):
    __tablename__ = "slack_oauth_codes"
    id: str = Field(primary_key=True)  # the code
    app_id: str
    user_id: str
    bot_scopes: list[str] = _json([])
    user_scopes: list[str] = _json([])
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
]
