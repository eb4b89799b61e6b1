"""The JQL site of a tenant: search documents kept current from the issue rows (rows are replaced,
never changed in place, so a row seen before by identity needs no new document)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from twins._runtime.collection import Collection, Row, TenantState
from twins._runtime.context import TwinContext
from twins.jira import config
from twins.jira.jql import Change, FieldDef, Kind
from twins.jira.jql.fields import custom_kind
from twins.jira.jql.memory import MemorySite, RefTable
from twins.jira.markup import plain_text

STATUS_CATEGORY = {s[0]: s[2] for s in config.STATUSES}
HISTORY_COLUMNS = {
    "status": "status",
    "assignee": "assignee",
    "priority": "priority",
    "resolution": "resolution",
}


REF_COLLECTIONS = ("jira_components", "jira_versions", "jira_sprints", "jira_users")


@dataclass
class _Held:
    """A tenant state's site: the issue rows it was built from (their keys touched since the last
    sync gathered in `touched`), the row each document came from, and what the names were last read
    from (change counts of the collections, the projects' ids, keys, names and issue types)."""

    state: int
    issues: Collection
    site: MemorySite
    touched: set[Any]
    seen: dict[str, int] = field(default_factory=dict)
    refs: tuple[object, ...] = ()


class JqlSites:
    """One `MemorySite` per tenant state, brought up to date before each search: built from every
    issue once, then only from the issues written since (the collection gathers their keys)."""

    def __init__(self, ctx: TwinContext | None = None) -> None:
        self._sites: dict[str, _Held] = {}

    def _held(self, state: TenantState) -> _Held:
        held = self._sites.get(state.id)
        collection = state["jira_issues"]
        if held is None or held.state != id(state) or held.issues is not collection:
            held = _Held(id(state), collection, MemorySite(), collection.watch())
            self._sites[state.id] = held
            for issue_id, row in collection.rows.items():
                held.site.put(issue_id, document(state, row))
                held.seen[issue_id] = id(row)
            held.touched.clear()
        return held

    def site(self, state: TenantState, current_user: str | None) -> MemorySite:
        held = self._held(state)
        site = held.site
        site.now = datetime.fromtimestamp(state.clock.now(), UTC)
        site.current_user = current_user
        refs = (
            *(state[name].changes for name in REF_COLLECTIONS),
            # a project row changes with every issue made in it (its next number): only what
            # a query may name of it counts
            *((p["id"], p["key"], p["name"], tuple(p["issue_types"])) for p in state["jira_projects"]),
        )
        if refs != held.refs:
            refresh_refs(site, state)
            held.refs = refs
        if held.touched:
            rows, seen = held.issues.rows, held.seen
            touched = list(held.touched)
            held.touched.clear()
            for issue_id in touched:
                row = rows.get(issue_id)
                if row is None:
                    site.drop(issue_id)
                    seen.pop(issue_id, None)
                elif seen.get(issue_id) != id(row):
                    site.put(issue_id, document(state, row))
                    seen[issue_id] = id(row)
        return site

    def note(self, state: TenantState, row: Row) -> None:
        """Index an issue a write just made or changed, so that the next search need not: Jira
        indexes as it writes. (Only a site already built; the next search still checks the rest.)"""
        held = self._sites.get(state.id)
        if held is None or held.state != id(state) or held.issues is not state["jira_issues"]:
            return
        if held.seen.get(row["id"]) != id(row):
            held.site.put(row["id"], document(state, row))
            held.seen[row["id"]] = id(row)


def history(state: TenantState, issue_id: str) -> list[Change]:
    """The changes of the fields WAS and CHANGED look at, oldest first."""
    out: list[Change] = []
    for change in state["jira_changes"].where("issue_id", issue_id):
        at = datetime.fromtimestamp(change["created"], UTC)
        for item in change["items"]:
            key = HISTORY_COLUMNS.get(str(item.get("fieldId")))
            if key:
                out.append(Change(key, item.get("from"), item.get("to"), at, change["author"]))
    return out


def refresh_refs(site: MemorySite, state: TenantState) -> None:
    """The names a query may use for projects, people, statuses … (cheap: a site has few)."""
    refs: dict[str, RefTable] = {}
    for key in (
        "project",
        "issuetype",
        "status",
        "statusCategory",
        "priority",
        "resolution",
        "component",
        "fixVersion",
        "affectedVersion",
        "sprint",
        "customfield_10030",
    ):
        refs[key] = RefTable()
    for p in state["jira_projects"]:
        refs["project"].add(p["id"], [p["id"], p["key"], p["name"]], p["name"].lower())
    for ident, name, *_ in config.ISSUE_TYPES:
        refs["issuetype"].add(ident, [ident, name], name.lower())
    for p in state["jira_projects"]:
        for ident in p["issue_types"]:
            if config.type_scope(ident):  # a team-managed project's own type
                refs["issuetype"].add(ident, [ident, config.TYPE_BY_ID[config.base_type_id(ident)][1]], ident)
    for rank, (ident, name, _cat, _d) in enumerate(config.STATUSES):
        refs["status"].add(ident, [ident, name], rank)
    for number, key, _color, name in config.CATEGORIES:
        refs["statusCategory"].add(key, [str(number), key, name], number)
    for ident, name, _color in config.PRIORITIES:
        refs["priority"].add(ident, [ident, name], -int(ident))
    for ident, name, _d in config.RESOLUTIONS:
        refs["resolution"].add(ident, [ident, name], name.lower())
    for c in state["jira_components"]:
        refs["component"].add(c["id"], [c["id"], c["name"]], c["name"].lower())
    for v in state["jira_versions"]:
        for key in ("fixVersion", "affectedVersion"):
            refs[key].add(v["id"], [v["id"], v["name"]], v["name"])
    site.sprint_states = {}
    for sprint in state["jira_sprints"]:
        refs["sprint"].add(int(sprint["id"]), [sprint["id"], sprint["name"]], int(sprint["id"]))
        site.sprint_states[int(sprint["id"])] = sprint["state"]
    options = next(c[4] for c in config.CUSTOM_FIELDS if c[0] == "customfield_10030")
    for i, option in enumerate(options):
        refs["customfield_10030"].add(str(10100 + i), [str(10100 + i), option], option.lower())
    site.refs.clear()
    site.refs.update(refs)
    users = RefTable()
    groups: dict[str, list[str]] = {}
    for u in state["jira_users"]:
        users.add(
            u["account_id"], [u["account_id"], u["email"], u["display_name"]], u["display_name"].lower()
        )
        for group in u["groups"]:
            groups.setdefault(group, []).append(u["account_id"])
    site.users = users
    site.groups = groups
    site.custom = {}
    site.custom_names = {}
    for ident, name, custom, schema_type, _options in config.CUSTOM_FIELDS:
        kind = custom_kind(custom, schema_type)
        if ident == "customfield_10020":
            continue  # the Sprint field is searched as `sprint`
        site.custom[ident] = FieldDef(ident, kind)
        site.custom_names[name.lower()] = ident


def document(state: TenantState, row: Row) -> dict[str, Any]:
    """The search document of an issue."""
    project = state["jira_projects"].get(row["project_id"])
    parent = state["jira_issues"].get(row["parent_id"]) if row["parent_id"] else None
    comments = [plain_text(c["body"]) for c in state["jira_comments"].where("issue_id", row["id"])]
    custom = row["custom"]
    team = custom.get("customfield_10030")
    return {
        "key": (project["key"] if project else "", row["number"]),
        "project": row["project_id"],
        "issuetype": row["type_id"],
        "status": row["status_id"],
        "statusCategory": STATUS_CATEGORY.get(row["status_id"]),
        "priority": row["priority_id"],
        "resolution": row["resolution_id"],
        "assignee": row["assignee"],
        "reporter": row["reporter"],
        "creator": row["creator"],
        "watcher": list(row["watchers"]),
        "labels": list(row["labels"]),
        "component": list(row["components"]),
        "fixVersion": list(row["fix_versions"]),
        "affectedVersion": list(row["versions"]),
        "sprint": list(custom.get("customfield_10020") or []),
        "parent": _key(state, parent) if parent else None,
        "summary": row["summary"],
        "description": plain_text(row["description"]) if row["description"] else "",
        "environment": plain_text(row["environment"]) if row["environment"] else "",
        "comment": comments,
        "created": datetime.fromtimestamp(row["created"], UTC),
        "updated": datetime.fromtimestamp(row["updated"], UTC),
        "resolutiondate": datetime.fromtimestamp(row["resolved"], UTC) if row["resolved"] else None,
        "duedate": date.fromisoformat(row["duedate"]) if row["duedate"] else None,
        "customfield_10016": custom.get("customfield_10016"),
        "customfield_10030": team["id"] if isinstance(team, dict) else None,
        "_history": history(state, row["id"]),
    }


def _key(state: TenantState, row: Row) -> tuple[str, int]:
    project = state["jira_projects"].get(row["project_id"])
    return (project["key"] if project else "", row["number"])


__all__ = ["JqlSites", "Kind", "document"]
