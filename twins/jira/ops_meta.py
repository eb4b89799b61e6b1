"""Create and edit screens: which fields an issue type takes, required ones and allowed values."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import TenantState
from twins.jira import config, render
from twins.jira.auth import READ, registry
from twins.jira.ops_site import path_project, site_of
from twins.jira.render import Site
from twins.kit import Call, OffsetTotal

meta = registry("meta")
ON_SCREEN = (
    "summary",
    "issuetype",
    "project",
    "description",
    "priority",
    "labels",
    "assignee",
    "reporter",
    "components",
    "fixVersions",
    "duedate",
    "parent",
    "attachment",
    "issuelinks",
)
# Operations an edit may apply to each field, where they are not the schema's default.
RESTRICTION = {
    "required": False,
    "schema": {"type": "issuerestriction", "system": "issuerestriction"},
    "name": "Restrict to",
    "key": "issuerestriction",
    "hasDefaultValue": False,
    "operations": ["set"],
    "allowedValues": [],
}
OPERATIONS = {"issuetype": [], "attachment": ["set", "copy"], "issuelinks": ["add", "copy"]}


def field_meta(
    site: Site, state: TenantState, project_id: str, type_id: str, edit: bool = False
) -> dict[str, Any]:
    by_id = {f.id: f for f in config.SYSTEM_FIELDS}
    out: dict[str, Any] = {}
    for ident in ON_SCREEN:
        if edit and ident in ("project", "reporter"):
            continue
        f = by_id[ident]
        schema: dict[str, Any] = {"type": f.schema_type, "system": f.id}
        if f.items:
            schema["items"] = f.items
        entry: dict[str, Any] = {
            "required": f.required and not edit,
            "schema": schema,
            "name": f.name,
            "key": f.id,
            "hasDefaultValue": ident == "priority",
            "operations": OPERATIONS.get(ident, _operations(f.schema_type)),
        }
        completion = _autocomplete(site, state, project_id, ident)
        if completion:
            entry["autoCompleteUrl"] = completion
        if ident == "priority":
            entry["allowedValues"] = [render.priority(site, p[0]) for p in config.PRIORITIES]
            entry["defaultValue"] = render.priority(site, config.DEFAULT_PRIORITY)
        elif ident == "issuetype":
            entry["allowedValues"] = [render.issue_type(site, type_id)]
        elif ident == "components":
            entry["allowedValues"] = [
                render.component(site, c) for c in state["jira_components"].where("project_id", project_id)
            ]
        elif ident == "fixVersions":
            entry["allowedValues"] = [
                render.version(site, v) for v in state["jira_versions"].where("project_id", project_id)
            ]
        elif ident == "project":
            project = state["jira_projects"].get(project_id)
            entry["allowedValues"] = [render.project_short(site, project)] if project else []
        out[ident] = entry
    if config.type_scope(type_id):  # team-managed: who may see the issue
        out["issuerestriction"] = RESTRICTION
    for ident, name, custom, schema_type, options in config.CUSTOM_FIELDS:
        entry = {
            "required": False,
            "schema": {"type": schema_type, "custom": custom, "customId": int(ident.rsplit("_", 1)[1])},
            "name": name,
            "key": ident,
            "hasDefaultValue": False,
            "operations": ["set"],
        }
        if options:
            entry["allowedValues"] = [
                {"self": f"{site.api}/customFieldOption/{10100 + i}", "value": o, "id": str(10100 + i)}
                for i, o in enumerate(options)
            ]
        out[ident] = entry
    return out


def _autocomplete(site: Site, state: TenantState, project_id: str, ident: str) -> str | None:
    """Where Jira's create screen looks up values of a field as the user types."""
    if ident == "labels":
        return f"{site.base}/rest/api/1.0/labels/suggest?query="
    if ident in ("assignee", "reporter"):
        project = state["jira_projects"].get(project_id)
        key = project["key"] if project else ""
        return f"{site.api}/user/assignable/search?project={key}&query="
    if ident == "issuelinks":
        return (
            f"{site.api}/issue/picker?currentProjectId=&showSubTaskParent=true&showSubTasks=true"
            "&currentIssueKey=null&query="
        )
    return None


def _operations(schema_type: str) -> list[str]:
    return ["add", "set", "remove"] if schema_type == "array" else ["set"]


@meta.operation("GET", "/issue/createmeta", scope=READ)
def createmeta(call: Call) -> dict[str, Any]:
    """Projects and their issue types; with `expand=projects.issuetypes.fields`, their fields too."""
    site = site_of(call)
    keys = {k.upper() for item in call.args.all("projectKeys") for k in item.split(",") if k}
    ids = {i for item in call.args.all("projectIds") for i in item.split(",") if i}
    with_fields = "projects.issuetypes.fields" in call.args.text("expand")
    type_ids = {i for item in call.args.all("issuetypeIds") for i in item.split(",") if i}
    type_names = {n.lower() for item in call.args.all("issuetypeNames") for n in item.split(",") if n}
    projects = []
    for p in call.state["jira_projects"]:
        if (keys or ids) and p["key"] not in keys and p["id"] not in ids:
            continue
        types = []
        for t in p["issue_types"]:
            entry = render.issue_type(site, t)
            if (type_ids or type_names) and t not in type_ids and entry["name"].lower() not in type_names:
                continue
            entry["untranslatedName"] = entry["name"]
            scope = config.type_scope(t)
            if scope:  # a team-managed project's own type (createmeta names no entityId)
                del entry["entityId"]
                entry["scope"] = {"type": "PROJECT", "project": {"id": scope}}
            if with_fields:
                entry["expand"] = "fields"
                entry["fields"] = field_meta(site, call.state, p["id"], t)
            types.append(entry)
        short = render.project_short(site, p)
        projects.append(
            {"expand": "issuetypes"}
            | {k: short[k] for k in ("self", "id", "key", "name", "avatarUrls")}
            | {"issuetypes": types}
        )
    return {"expand": "projects", "projects": projects}


@meta.operation(
    "GET",
    "/issue/createmeta/{projectIdOrKey}/issuetypes",
    scope=READ,
    page=OffsetTotal(items="issueTypes", default=50, most=200),
)
def createmeta_types(call: Call) -> list[dict[str, Any]]:
    project = path_project(call)
    return [render.issue_type(site_of(call), t) for t in call.page(project["issue_types"])]


@meta.operation(
    "GET",
    "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}",
    scope=READ,
    page=OffsetTotal(items="fields", default=50, most=200),
)
def createmeta_fields(call: Call) -> list[dict[str, Any]]:
    project = path_project(call)
    if call.path["issueTypeId"] not in project["issue_types"]:
        raise call.error("not_found", f"Issue type with id '{call.path['issueTypeId']}' not found.")
    fields = field_meta(site_of(call), call.state, project["id"], call.path["issueTypeId"])
    return [{**v, "fieldId": k} for k, v in call.page(list(fields.items()))]
