"""The Jira site's tables: people and their API tokens, projects with their components and
versions, issues with comments, change history, links; and counters for Jira's numeric ids."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from sqlmodel import Field, SQLModel

from twins._runtime.collection import CollectionSpec, TenantRow, TenantState, json_field

metadata = SQLModel.metadata


class JiraUser(TenantRow, table=True):
    __tablename__ = "jira_users"
    account_id: str = Field(primary_key=True)
    email: str
    display_name: str
    active: bool = True
    time_zone: str = "Etc/UTC"
    account_type: str = "atlassian"
    groups: list[str] = json_field([])


class JiraToken(TenantRow, table=True):
    __tablename__ = "jira_tokens"
    token: str = Field(primary_key=True)
    account_id: str
    email: str
    scopes: list[str] = json_field([])


class JiraProject(TenantRow, table=True):
    __tablename__ = "jira_projects"
    id: str = Field(primary_key=True)
    key: str
    name: str
    project_type: str = "software"
    lead: str = ""
    description: str = ""
    issue_types: list[str] = json_field([])
    next_number: int = 1


class JiraComponent(TenantRow, table=True):
    __tablename__ = "jira_components"
    id: str = Field(primary_key=True)
    project_id: str
    name: str
    description: str = ""


class JiraVersion(TenantRow, table=True):
    __tablename__ = "jira_versions"
    id: str = Field(primary_key=True)
    project_id: str
    name: str
    released: bool = False
    archived: bool = False
    release_date: str | None = None


class JiraIssue(TenantRow, table=True):
    __tablename__ = "jira_issues"
    id: str = Field(primary_key=True)
    key: str
    project_id: str
    number: int
    type_id: str
    summary: str
    description: dict[str, Any] | None = json_field({})
    environment: dict[str, Any] | None = json_field({})
    status_id: str
    priority_id: str | None = None
    resolution_id: str | None = None
    assignee: str | None = None
    reporter: str | None = None
    creator: str | None = None
    labels: list[str] = json_field([])
    components: list[str] = json_field([])
    fix_versions: list[str] = json_field([])
    versions: list[str] = json_field([])
    duedate: str | None = None
    parent_id: str | None = None
    custom: dict[str, Any] = json_field({})
    watchers: list[str] = json_field([])
    voters: list[str] = json_field([])
    created: float = 0.0
    updated: float = 0.0
    resolved: float | None = None
    status_changed: float = 0.0


class JiraComment(TenantRow, table=True):
    __tablename__ = "jira_comments"
    id: str = Field(primary_key=True)
    issue_id: str
    author: str
    body: dict[str, Any] = json_field({})
    created: float = 0.0
    updated: float = 0.0
    update_author: str = ""
    visibility: dict[str, Any] = json_field({})


class JiraChange(TenantRow, table=True):
    """One entry of an issue's changelog: who changed what, when (`items` as Jira lists them)."""

    __tablename__ = "jira_changes"
    id: str = Field(primary_key=True)
    issue_id: str
    author: str
    created: float = 0.0
    items: list[dict[str, Any]] = json_field([])


class JiraLink(TenantRow, table=True):
    __tablename__ = "jira_links"
    id: str = Field(primary_key=True)
    type_id: str
    inward_id: str
    outward_id: str


class JiraLinkType(TenantRow, table=True):
    """An issue link type: why two issues are linked, named for each direction."""

    __tablename__ = "jira_link_types"
    id: str = Field(primary_key=True)
    name: str
    inward: str
    outward: str


class JiraWebhook(TenantRow, table=True):
    """A webhook: an admin one (`/rest/webhooks/1.0/webhook`) or an app's dynamic one (`/webhook`)."""

    __tablename__ = "jira_webhooks"
    id: str = Field(primary_key=True)
    name: str = ""
    url: str
    events: list[str] = json_field([])
    jql: str = ""
    secret: str = ""
    enabled: bool = True
    kind: str = "admin"
    exclude_body: bool = False
    created: float = 0.0


class JiraBoard(TenantRow, table=True):
    __tablename__ = "jira_boards"
    id: str = Field(primary_key=True)
    name: str
    type: str = "scrum"
    project_id: str


class JiraSprint(TenantRow, table=True):
    __tablename__ = "jira_sprints"
    id: str = Field(primary_key=True)
    board_id: str
    name: str
    state: str = "future"
    goal: str = ""
    start: float | None = None
    end: float | None = None
    completed: float | None = None
    created: float = 0.0


class JiraAttachment(TenantRow, table=True):
    __tablename__ = "jira_attachments"
    id: str = Field(primary_key=True)
    issue_id: str
    filename: str
    mime_type: str = "application/octet-stream"
    size: int = 0
    author: str = ""
    created: float = 0.0
    content: str = ""  # base64


class JiraWorklog(TenantRow, table=True):
    __tablename__ = "jira_worklogs"
    id: str = Field(primary_key=True)
    issue_id: str
    author: str
    comment: dict[str, Any] = json_field({})
    started: float = 0.0
    seconds: int = 0
    created: float = 0.0
    updated: float = 0.0


class JiraCounter(TenantRow, table=True):
    """Jira's ids are numbers from one sequence per kind (issues, comments, …)."""

    __tablename__ = "jira_counters"
    name: str = Field(primary_key=True)
    value: int = 0


COLLECTIONS = [
    CollectionSpec.of(JiraUser, key="account_id", unique=("email",)),
    CollectionSpec.of(JiraToken, key="token", index=("account_id",), credential="token"),
    CollectionSpec.of(JiraProject, unique=("key",)),
    CollectionSpec.of(JiraComponent, index=("project_id",)),
    CollectionSpec.of(JiraVersion, index=("project_id",)),
    CollectionSpec.of(JiraIssue, unique=("key",), index=("project_id", "parent_id")),
    CollectionSpec.of(JiraComment, index=("issue_id",)),
    CollectionSpec.of(JiraChange, index=("issue_id",)),
    CollectionSpec.of(JiraLink, index=("inward_id", "outward_id", "type_id")),
    CollectionSpec.of(JiraLinkType, unique=("name",)),
    CollectionSpec.of(JiraWebhook),
    CollectionSpec.of(JiraAttachment, index=("issue_id",)),
    CollectionSpec.of(JiraWorklog, index=("issue_id",)),
    CollectionSpec.of(JiraBoard, index=("project_id",)),
    CollectionSpec.of(JiraSprint, index=("board_id",)),
    CollectionSpec.of(JiraCounter, key="name"),
]
FIRST_ID = {
    "issue": 10000,
    "comment": 10000,
    "change": 10000,
    "link": 10000,
    "link_type": 10000,
    "project": 10000,
    "component": 10000,
    "version": 10000,
    "webhook": 1,
    "attachment": 10000,
    "worklog": 10000,
    "board": 1,
    "sprint": 1,
}


def next_id(state: TenantState, kind: str) -> str:
    """The next number of a kind's sequence, as the string Jira sends."""
    counters = state["jira_counters"]
    row = counters.get(kind)
    if row is None:
        value = FIRST_ID.get(kind, 10000)
        counters.insert({"name": kind, "value": value})
    else:
        value = row["value"] + 1
        counters.update(kind, value=value)
    return str(value)


def credential_from_headers(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The API token of `Basic base64(email:token)`, or a `Bearer` token."""
    scheme, _, rest = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(rest, validate=True).decode().partition(":")[2] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    if scheme.lower() == "bearer":
        return rest.strip() or None
    return None
