"""Okta twin tables: every row belongs to a tenant (an Okta org)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field

from twins._runtime.collection import CollectionSpec, TenantRow, json_field


class OktaUser(TenantRow, table=True):
    __tablename__ = "okta_users"
    id: str = Field(primary_key=True)
    login: str  # lower-cased profile.login, unique per org
    status: str = "STAGED"
    transitioning_to: str | None = None
    created: str = ""
    activated: str | None = None
    status_changed: str | None = None
    last_login: str | None = None
    last_updated: str = ""
    password_changed: str | None = None
    profile: dict[str, Any] = json_field({})
    credentials: dict[str, Any] = json_field({})  # password hash/salt, recovery question, provider
    type_id: str = ""
    failed_logins: int = 0


class OktaGroup(TenantRow, table=True):
    __tablename__ = "okta_groups"
    id: str = Field(primary_key=True)
    type: str = "OKTA_GROUP"  # OKTA_GROUP | BUILT_IN | APP_GROUP
    name: str = ""
    profile: dict[str, Any] = json_field({})
    created: str = ""
    last_updated: str = ""
    last_membership_updated: str = ""


class OktaMembership(TenantRow, table=True):
    __tablename__ = "okta_memberships"
    id: str = Field(primary_key=True)  # "<group id>:<user id>"
    group_id: str
    user_id: str
    rule_id: str | None = None  # set when a group rule added the member


class OktaGroupRule(TenantRow, table=True):
    __tablename__ = "okta_group_rules"
    id: str = Field(primary_key=True)
    name: str
    status: str = "INACTIVE"
    expression: str = ""
    group_ids: list[str] = json_field([])
    exclude_user_ids: list[str] = json_field([])
    created: str = ""
    last_updated: str = ""


class OktaApp(TenantRow, table=True):
    __tablename__ = "okta_apps"
    id: str = Field(primary_key=True)
    name: str
    label: str
    status: str = "ACTIVE"
    sign_on_mode: str = "BOOKMARK"
    client_id: str | None = None  # OIDC apps: credentials.oauthClient.client_id
    data: dict[str, Any] = json_field({})  # settings, credentials, visibility, accessibility, features
    created: str = ""
    last_updated: str = ""


class OktaAppUser(TenantRow, table=True):
    __tablename__ = "okta_app_users"
    id: str = Field(primary_key=True)  # "<app id>:<user id>"
    app_id: str
    user_id: str
    scope: str = "USER"  # USER | GROUP
    status: str = "ACTIVE"
    profile: dict[str, Any] = json_field({})
    credentials: dict[str, Any] = json_field({})
    created: str = ""
    last_updated: str = ""


class OktaAppGroup(TenantRow, table=True):
    __tablename__ = "okta_app_groups"
    id: str = Field(primary_key=True)  # "<app id>:<group id>"
    app_id: str
    group_id: str
    priority: int = 0
    profile: dict[str, Any] = json_field({})
    last_updated: str = ""


class OktaAuthServer(TenantRow, table=True):
    __tablename__ = "okta_auth_servers"
    id: str = Field(primary_key=True)  # "default" or aus…
    name: str
    description: str = ""
    audiences: list[str] = json_field([])
    status: str = "ACTIVE"
    issuer_mode: str = "ORG_URL"
    data: dict[str, Any] = json_field({})  # scopes, claims, policies
    created: str = ""
    last_updated: str = ""


class OktaKey(TenantRow, table=True):
    __tablename__ = "okta_keys"
    id: str = Field(primary_key=True)  # kid
    server_id: str  # auth server id, or "org"
    status: str = "ACTIVE"  # ACTIVE | NEXT | EXPIRED
    private_pem: str = ""
    public_jwk: dict[str, Any] = json_field({})
    created: str = ""


class OktaToken(TenantRow, table=True):
    __tablename__ = "okta_tokens"
    id: str = Field(primary_key=True)  # jti
    kind: str = "access_token"  # access_token | refresh_token | id_token | authorization_code
    server_id: str = ""
    client_id: str = ""
    user_id: str | None = None
    scopes: list[str] = json_field([])
    expires_at: float = 0.0
    revoked: bool = False
    data: dict[str, Any] = json_field({})  # code: redirect_uri, pkce challenge, nonce, state


class OktaApiToken(TenantRow, table=True):
    __tablename__ = "okta_api_tokens"
    id: str = Field(primary_key=True)
    token: str
    name: str = ""
    user_id: str = ""
    created: str = ""


class OktaSession(TenantRow, table=True):
    __tablename__ = "okta_sessions"
    id: str = Field(primary_key=True)
    user_id: str
    login: str = ""
    status: str = "ACTIVE"
    created: str = ""
    expires_at: str = ""
    last_password_verification: str = ""
    token: str = ""  # the one-time sessionToken that created it


class OktaLogEvent(TenantRow, table=True):
    __tablename__ = "okta_log_events"
    id: str = Field(primary_key=True)  # uuid
    published: str
    event_type: str
    data: dict[str, Any] = json_field({})


class OktaEventHook(TenantRow, table=True):
    __tablename__ = "okta_event_hooks"
    id: str = Field(primary_key=True)
    name: str
    status: str = "ACTIVE"
    verification_status: str = "UNVERIFIED"
    events: list[str] = json_field([])
    channel: dict[str, Any] = json_field({})
    created: str = ""
    last_updated: str = ""
    description: str | None = None
    created_by: str = ""
    filter: dict[str, Any] = json_field({})  # events.filter (EXPRESSION_LANGUAGE); {} when none


COLLECTIONS = [
    CollectionSpec.of(OktaUser, "users", unique=("login",), index=("status",)),
    CollectionSpec.of(OktaGroup, "groups", index=("type",)),
    CollectionSpec.of(OktaMembership, "memberships", index=("group_id", "user_id")),
    CollectionSpec.of(OktaGroupRule, "group_rules"),
    CollectionSpec.of(OktaApp, "apps", unique=("client_id",)),
    CollectionSpec.of(OktaAppUser, "app_users", index=("app_id", "user_id")),
    CollectionSpec.of(OktaAppGroup, "app_groups", index=("app_id", "group_id")),
    CollectionSpec.of(OktaAuthServer, "auth_servers"),
    CollectionSpec.of(OktaKey, "keys", index=("server_id",)),
    CollectionSpec.of(OktaToken, "tokens", index=("kind",)),
    CollectionSpec.of(OktaApiToken, "api_tokens", unique=("token",), credential="token"),
    CollectionSpec.of(OktaSession, "sessions", index=("user_id",)),
    CollectionSpec.of(OktaLogEvent, "log_events", index=("event_type",)),
    CollectionSpec.of(OktaEventHook, "event_hooks"),
]
