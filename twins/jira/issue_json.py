"""An issue as `GET /issue/{idOrKey}` answers it: the fields asked for, text as wiki markup (v2)
or ADF (v3), and the expansions (renderedFields, names, schema, transitions, changelog)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.jira import config, render
from twins.jira.markup import as_adf, as_wiki
from twins.jira.render import Site, stamp
from twins.jira.workflow import available

NAVIGABLE = [f.id for f in config.SYSTEM_FIELDS if f.navigable]
EVERY = [f.id for f in config.SYSTEM_FIELDS] + ["issuerestriction"]  # the last: team-managed only
CUSTOM_IDS = [c[0] for c in config.CUSTOM_FIELDS]


def text(site: Site, doc: dict[str, Any] | None) -> Any:
    """A stored document as this API version speaks it (wiki markup on v2, ADF on v3)."""
    if not doc:
        return None
    return as_adf(doc) if site.v3 else as_wiki(doc)


def field_names(requested: list[str]) -> list[str]:
    """The names a `fields` parameter lists, repeated or comma-separated."""
    return [n.strip() for item in requested for n in item.split(",") if n.strip()]


def wanted_fields(requested: list[str]) -> list[str]:
    """The field ids a `fields` parameter names (`*all`, `*navigable`, `-name` exclusions)."""
    names = field_names(requested) or ["*navigable"]
    out: list[str] = []
    for name in names:
        if name == "*all":
            out.extend(EVERY + CUSTOM_IDS)
        elif name == "*navigable":
            out.extend(NAVIGABLE + CUSTOM_IDS)
        elif name == "*none":
            continue
        elif not name.startswith("-"):
            out.append(name)
    excluded = {n[1:] for n in names if n.startswith("-")}
    return [f for f in dict.fromkeys(out) if f not in excluded]


def issue(
    site: Site, state: TenantState, row: Row, fields: Iterable[str], expand: set[str]
) -> dict[str, Any]:
    chosen = all_fields(site, state, row, fields)
    out: dict[str, Any] = {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": row["id"],
        "self": f"{site.api}/issue/{row['id']}",
        "key": row["key"],
    }
    if "renderedFields" in expand:
        from twins.jira.issue_rendered import rendered_fields  # it renders comments as this module does

        out["renderedFields"] = rendered_fields(site, state, row, chosen)
    if "names" in expand:
        out["names"] = {f.id: f.name for f in config.SYSTEM_FIELDS if f.id in chosen}
        out["names"].update({c[0]: c[1] for c in config.CUSTOM_FIELDS if c[0] in chosen})
    if "schema" in expand:
        out["schema"] = {
            f.id: {"type": f.schema_type, "system": f.id} for f in config.SYSTEM_FIELDS if f.id in chosen
        }
    if "transitions" in expand:
        out["transitions"] = [transition(site, t) for t in available(state, row)]
    if "changelog" in expand:
        histories = changelog(site, state, row)
        out["changelog"] = {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        }
    out["fields"] = chosen
    return out


def all_fields(
    site: Site, state: TenantState, row: Row, wanted: Iterable[str] | None = None
) -> dict[str, Any]:
    """The issue's fields, rendered: the `wanted` ones (in that order), else every one. Only the
    wanted ones are worked out (a search asking for `summary,status` renders no comments)."""
    view = View(site, state, row)
    if wanted is None:
        names: Iterable[str] = FIELD_ORDER if row["parent_id"] else FIELD_ORDER_NO_PARENT
    else:
        names = wanted
    out: dict[str, Any] = {}
    for name in names:
        maker = MAKERS.get(name)
        if maker is not None:
            out[name] = maker(view)
    for name in ONLY_SOME:  # no parent (or one no longer there), not team-managed: no such field
        if name in out and out[name] is None:
            del out[name]
    return out


class View:
    """What the field makers read: the site, the state, the issue row, worked out values."""

    __slots__ = ("_tracking", "row", "site", "state")

    def __init__(self, site: Site, state: TenantState, row: Row) -> None:
        self.site, self.state, self.row = site, state, row
        self._tracking: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return f"{self.site.api}/issue/{self.row['key']}"

    def tracking(self) -> dict[str, Any]:
        if self._tracking is None:
            logs = self.state["jira_worklogs"].where("issue_id", self.row["id"])
            self._tracking = time_tracking(sum(w["seconds"] for w in logs))
        return self._tracking


def _project(v: View) -> dict[str, Any]:
    found = v.state["jira_projects"].get(v.row["project_id"])
    assert found is not None
    return render.project_short(v.site, found)


def _comments(v: View) -> dict[str, Any]:
    found = [comment(v.site, v.state, c) for c in v.state["jira_comments"].where("issue_id", v.row["id"])]
    total = len(found)
    return {"comments": found, "self": f"{v.url}/comment", "maxResults": total, "total": total, "startAt": 0}


def _worklogs(v: View) -> dict[str, Any]:
    logs = [worklog(v.site, v.state, w) for w in v.state["jira_worklogs"].where("issue_id", v.row["id"])]
    return {"startAt": 0, "maxResults": 20, "total": len(logs), "worklogs": logs[:20]}


def _parent(v: View) -> dict[str, Any] | None:
    parent = v.state["jira_issues"].get(v.row["parent_id"])
    return brief(v.site, parent) if parent is not None else None


def _restriction(v: View) -> dict[str, Any] | None:
    project = v.state["jira_projects"].get(v.row["project_id"])
    if project is None or not render.team_managed(project):
        return None
    return {"issuerestrictions": {}, "shouldDisplay": True}


ONLY_SOME = ("parent", "issuerestriction")


def _custom(ident: str) -> Callable[[View], Any]:
    return lambda v: custom_value(v.site, v.state, ident, v.row["custom"].get(ident))


def _tracked(name: str) -> Callable[[View], Any]:
    return lambda v: v.tracking()[name]


MAKERS: dict[str, Callable[[View], Any]] = {
    "statuscategorychangedate": lambda v: stamp(v.row["status_changed"] or v.row["created"]),
    "issuetype": lambda v: render.issue_type(v.site, v.row["type_id"]),
    "project": _project,
    "fixVersions": lambda v: _versions(v.site, v.state, v.row["fix_versions"]),
    "resolution": lambda v: render.resolution(v.site, v.row["resolution_id"]),
    "resolutiondate": lambda v: stamp(v.row["resolved"]),
    "lastViewed": lambda v: None,
    "watches": lambda v: {
        "self": f"{v.url}/watchers",
        "watchCount": len(v.row["watchers"]),
        "isWatching": v.site.viewer in v.row["watchers"],
    },
    "created": lambda v: stamp(v.row["created"]),
    "priority": lambda v: render.priority(v.site, v.row["priority_id"]),
    "labels": lambda v: list(v.row["labels"]),
    "versions": lambda v: _versions(v.site, v.state, v.row["versions"]),
    "issuelinks": lambda v: links(v.site, v.state, v.row),
    "assignee": lambda v: render.user_of(v.site, v.state, v.row["assignee"]),
    "updated": lambda v: stamp(v.row["updated"]),
    "status": lambda v: render.status(v.site, v.row["status_id"]),
    "components": lambda v: [
        render.component(v.site, c) for c in map(v.state["jira_components"].get, v.row["components"]) if c
    ],
    "description": lambda v: text(v.site, v.row["description"]),
    "summary": lambda v: v.row["summary"],
    "creator": lambda v: render.user_of(v.site, v.state, v.row["creator"]),
    "subtasks": lambda v: [brief(v.site, s) for s in v.state["jira_issues"].where("parent_id", v.row["id"])],
    "reporter": lambda v: render.user_of(v.site, v.state, v.row["reporter"]),
    "environment": lambda v: text(v.site, v.row["environment"]),
    "duedate": lambda v: v.row["duedate"],
    "votes": lambda v: {
        "self": f"{v.url}/votes",
        "votes": len(v.row["voters"]),
        "hasVoted": v.site.viewer in v.row["voters"],
    },
    "comment": _comments,
    "worklog": _worklogs,
    "attachment": lambda v: [
        attachment(v.site, v.state, a) for a in v.state["jira_attachments"].where("issue_id", v.row["id"])
    ],
    "statusCategory": lambda v: render.category(v.site, render.STATUS[v.row["status_id"]][2]),
    "security": lambda v: None,
}
TIME_TRACKING = (
    "timespent",
    "aggregatetimespent",
    "timeoriginalestimate",
    "aggregatetimeoriginalestimate",
    "timeestimate",
    "aggregatetimeestimate",
    "progress",
    "aggregateprogress",
    "workratio",
    "timetracking",
)


MAKERS.update({name: _tracked(name) for name in TIME_TRACKING})
MAKERS["parent"] = _parent
MAKERS["issuerestriction"] = _restriction
MAKERS.update({ident: _custom(ident) for ident in CUSTOM_IDS})
FIELD_ORDER = list(MAKERS)
FIELD_ORDER_NO_PARENT = [n for n in FIELD_ORDER if n != "parent"]


def time_tracking(seconds: int) -> dict[str, Any]:
    """The time-tracking fields of an issue with `seconds` logged and no estimates."""
    progress: dict[str, Any] = {"progress": seconds, "total": seconds}
    if seconds:
        progress["percent"] = 100
    tracking = {"timeSpent": spent(seconds), "timeSpentSeconds": seconds} if seconds else {}
    return {
        "timespent": seconds or None,
        "aggregatetimespent": seconds or None,
        "timeoriginalestimate": None,
        "aggregatetimeoriginalestimate": None,
        "timeestimate": None,
        "aggregatetimeestimate": None,
        "progress": progress,
        "aggregateprogress": dict(progress),
        "workratio": -1,
        "timetracking": tracking,
    }


def custom_value(site: Site, state: TenantState, ident: str, value: Any) -> Any:
    if value is None:
        return None
    if ident == "customfield_10020":  # sprints, as Jira Software shows them in the field
        out = []
        for sprint_id in value:
            row = state["jira_sprints"].get(str(sprint_id))
            if row is not None:
                out.append({"id": int(row["id"]), "name": row["name"], "state": row["state"],
                            "boardId": int(row["board_id"]), "goal": row["goal"],
                            "startDate": stamp(row["start"]), "endDate": stamp(row["end"])})  # fmt: skip
        return out
    if ident == "customfield_10030":
        return {
            "self": f"{site.api}/customFieldOption/{value['id']}",
            "value": value["value"],
            "id": value["id"],
        }
    return value


def _versions(site: Site, state: TenantState, ids: list[str]) -> list[dict[str, Any]]:
    return [render.version(site, v) for v in map(state["jira_versions"].get, ids) if v]


def brief(site: Site, row: Row) -> dict[str, Any]:
    """An issue as a subtask, parent or link shows it."""
    return {
        "id": row["id"],
        "key": row["key"],
        "self": f"{site.api}/issue/{row['id']}",
        "fields": {
            "summary": row["summary"],
            "status": render.status(site, row["status_id"]),
            "priority": render.priority(site, row["priority_id"]),
            "issuetype": render.issue_type(site, row["type_id"]),
        },
    }


def link_type(site: Site, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "inward": row["inward"],
        "outward": row["outward"],
        "self": f"{site.api}/issueLinkType/{row['id']}",
    }


def links(site: Site, state: TenantState, row: Row) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for side, other_side, key in (
        ("outward_id", "inward_id", "inwardIssue"),
        ("inward_id", "outward_id", "outwardIssue"),
    ):
        for link in state["jira_links"].where(side, row["id"]):
            other = state["jira_issues"].get(link[other_side])
            kind = state["jira_link_types"].get(link["type_id"])
            if other is None or kind is None:
                continue
            out.append(
                {
                    "id": link["id"],
                    "self": f"{site.api}/issueLink/{link['id']}",
                    "type": link_type(site, kind),
                    key: brief(site, other),
                }
            )
    return out


def comment(site: Site, state: TenantState, row: Row) -> dict[str, Any]:
    author = render.user_of(site, state, row["author"])
    out: dict[str, Any] = {
        "self": f"{site.api}/issue/{row['issue_id']}/comment/{row['id']}",
        "id": row["id"],
        "author": author,
        "body": text(site, row["body"]) or ("" if not site.v3 else None),
        "updateAuthor": render.user_of(site, state, row["update_author"] or row["author"]),
        "created": stamp(row["created"]),
        "updated": stamp(row["updated"]),
        "jsdPublic": True,
    }
    if row["visibility"]:
        out["visibility"] = row["visibility"]
    return out


def changelog(site: Site, state: TenantState, row: Row) -> list[dict[str, Any]]:
    return [
        {
            "id": c["id"],
            "author": render.user_of(site, state, c["author"]),
            "created": stamp(c["created"]),
            "items": c["items"],
        }
        for c in state["jira_changes"].where("issue_id", row["id"])
    ]


def transition(site: Site, t: config.Transition) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "to": render.status(site, t.to),
        "hasScreen": False,
        "isGlobal": not t.sources,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    }


def attachment(site: Site, state: TenantState, row: Row) -> dict[str, Any]:
    return {
        "self": f"{site.api}/attachment/{row['id']}",
        "id": row["id"],
        "filename": row["filename"],
        "author": render.user_of(site, state, row["author"]),
        "created": stamp(row["created"]),
        "size": row["size"],
        "mimeType": row["mime_type"],
        "content": f"{site.api}/attachment/content/{row['id']}",
    }


def worklog(site: Site, state: TenantState, row: Row) -> dict[str, Any]:
    author = render.user_of(site, state, row["author"])
    return {
        "self": f"{site.api}/issue/{row['issue_id']}/worklog/{row['id']}",
        "author": author,
        "updateAuthor": author,
        "comment": text(site, row["comment"]) if row["comment"] else ("" if not site.v3 else None),
        "created": stamp(row["created"]),
        "updated": stamp(row["updated"]),
        "started": stamp(row["started"]),
        "timeSpent": spent(row["seconds"]),
        "timeSpentSeconds": row["seconds"],
        "id": row["id"],
        "issueId": row["issue_id"],
    }


def spent(seconds: int) -> str:
    parts = []
    for unit, size in (("w", 5 * 8 * 3600), ("d", 8 * 3600), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0m"
