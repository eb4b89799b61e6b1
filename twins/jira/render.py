"""Jira's JSON for users, projects, statuses and the other site objects, with `self` links that
resolve on the twin (numeric ids and keys both) and dates as Jira writes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.jira import config

CATEGORY_BY_KEY = {key: (ident, key, color, name) for ident, key, color, name in config.CATEGORIES}
STATUS = {s[0]: s for s in config.STATUSES}


class _Types(dict[str, tuple[str, str, bool, int, str]]):
    """Issue types by id: the site's, and (worked out from the id) the project-scoped ones."""

    def __missing__(self, ident: str) -> tuple[str, str, bool, int, str]:
        found = config.issue_type(ident)
        if found is None:
            raise KeyError(ident)
        return found


TYPE = _Types({t[0]: t for t in config.ISSUE_TYPES})
PRIORITY = {p[0]: p for p in config.PRIORITIES}
RESOLUTION = {r[0]: r for r in config.RESOLUTIONS}


class Site:
    """The links of one answer: the site's base URL and the API version the request used."""

    def __init__(self, base_url: str, url_path: str, viewer: str | None = None) -> None:
        self.viewer = viewer  # the caller's account id: whether they watch or voted for an issue
        self.base = base_url.rstrip("/")
        self.version = "3" if url_path.startswith("/rest/api/3") else "2"
        self.api = f"{self.base}/rest/api/{self.version}"

    @property
    def v3(self) -> bool:
        return self.version == "3"


def stamp(seconds: float | None) -> str | None:
    """Jira's timestamp form: `2026-03-18T12:00:00.000+0000`."""
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def avatars(site: Site, kind: str, ident: str) -> dict[str, str]:
    base = f"{site.base}/secure/{kind}avatar?avatarId={ident}"
    return {
        size: f"{base}&size={name}"
        for size, name in (("48x48", "large"), ("24x24", "small"), ("16x16", "xsmall"), ("32x32", "medium"))
    }


def user(site: Site, row: Row | None, account_id: str | None = None) -> dict[str, Any] | None:
    """A user as Jira Cloud shows one (`self` by accountId); None for nobody."""
    if row is None:
        if account_id is None:
            return None
        row = {
            "account_id": account_id,
            "email": "",
            "display_name": "Former user",
            "active": False,
            "time_zone": "Etc/UTC",
            "account_type": "atlassian",
        }
    ident = row["account_id"]
    return {
        "self": f"{site.api}/user?accountId={ident}",
        "accountId": ident,
        "accountType": row.get("account_type", "atlassian"),
        "emailAddress": row["email"],
        "avatarUrls": avatars(site, "user", "10122"),
        "displayName": row["display_name"],
        "active": row["active"],
        "timeZone": row.get("time_zone", "Etc/UTC"),
    }


def user_of(site: Site, state: TenantState, account_id: str | None) -> dict[str, Any] | None:
    if not account_id:
        return None
    return user(site, state["jira_users"].get(account_id), account_id)


def category(site: Site, key: str) -> dict[str, Any]:
    ident, key, color, name = CATEGORY_BY_KEY[key]
    return {
        "self": f"{site.api}/statuscategory/{ident}",
        "id": ident,
        "key": key,
        "colorName": color,
        "name": name,
    }


def status(site: Site, ident: str) -> dict[str, Any]:
    _, name, cat, description = STATUS[ident]
    return {
        "self": f"{site.api}/status/{ident}",
        "description": description,
        "iconUrl": f"{site.base}/",
        "name": name,
        "id": ident,
        "statusCategory": category(site, cat),
    }


# Jira Cloud's built-in issue type avatars
TYPE_AVATARS = {"Task": 10318, "Bug": 10303, "Story": 10315, "Epic": 10307, "Subtask": 10316}


def issue_type(site: Site, ident: str) -> dict[str, Any]:
    _, name, subtask, level, description = TYPE[ident]
    avatar = TYPE_AVATARS.get(name, 10318)
    return {
        "self": f"{site.api}/issuetype/{ident}",
        "id": ident,
        "description": description,
        "iconUrl": f"{site.base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{avatar}?size=medium",
        "name": name,
        "subtask": subtask,
        "avatarId": avatar,
        **({"entityId": entity_id(ident)} if config.type_scope(ident) else {}),
        "hierarchyLevel": level,
    }


def entity_id(ident: str) -> str:
    """The UUID Jira gives a team-managed project's issue type (derived from its id here)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jira-issuetype:{ident}"))


def team_managed(row: Row) -> bool:
    """Whether a project is team-managed (next-gen): its issue types are its own."""
    return any(config.type_scope(t) for t in row["issue_types"])


def priority(site: Site, ident: str | None) -> dict[str, Any] | None:
    if ident is None:
        return None
    _, name, color = PRIORITY[ident]
    return {
        "self": f"{site.api}/priority/{ident}",
        "iconUrl": f"{site.base}/images/icons/priorities/{name.lower()}.svg",
        "name": name,
        "id": ident,
        "statusColor": color,
    }


def resolution(site: Site, ident: str | None) -> dict[str, Any] | None:
    if ident is None:
        return None
    _, name, description = RESOLUTION[ident]
    return {"self": f"{site.api}/resolution/{ident}", "id": ident, "description": description, "name": name}


def project_short(site: Site, row: Row) -> dict[str, Any]:
    return {
        "self": f"{site.api}/project/{row['id']}",
        "id": row["id"],
        "key": row["key"],
        "name": row["name"],
        "projectTypeKey": row["project_type"],
        "simplified": team_managed(row),
        "avatarUrls": avatars(site, "project", "10400"),
    }


def component(site: Site, row: Row) -> dict[str, Any]:
    return {
        "self": f"{site.api}/component/{row['id']}",
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
    }


def version(site: Site, row: Row) -> dict[str, Any]:
    out = {
        "self": f"{site.api}/version/{row['id']}",
        "id": row["id"],
        "name": row["name"],
        "archived": row["archived"],
        "released": row["released"],
        "projectId": int(row["project_id"]),
    }
    if row.get("release_date"):
        out["releaseDate"] = row["release_date"]
    return out


def project(site: Site, state: TenantState, row: Row, expand: set[str]) -> dict[str, Any]:
    """A project as `GET /project/{idOrKey}` answers."""
    out = project_short(site, row)
    out.update(
        {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "description": row["description"],
            "lead": user_of(site, state, row["lead"]),
            "components": [
                component(site, c) for c in state["jira_components"].where("project_id", row["id"])
            ],
            "issueTypes": [issue_type(site, t) for t in row["issue_types"]],
            "assigneeType": "UNASSIGNED",
            "versions": [version(site, v) for v in state["jira_versions"].where("project_id", row["id"])],
            "roles": {},
            "style": "next-gen" if team_managed(row) else "classic",
            "isPrivate": False,
            "properties": {},
        }
    )
    return out
