"""Changing and removing a project's components and versions (issues lose them, or move to another)."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.jira import render
from twins.jira.auth import registry
from twins.jira.issue_write import FieldErrors
from twins.jira.ops_site import site_of
from twins.kit import Call

parts = registry("project parts")
MANAGE = "manage:jira-project"


def path_component(call: Call) -> Row:
    row = call.state["jira_components"].get(call.path["id"])
    if row is None:
        raise call.error("not_found", f"The component with id {call.path['id']} does not exist.")
    return row


def path_version(call: Call) -> Row:
    row = call.state["jira_versions"].get(call.path["id"])
    if row is None:
        raise call.error("not_found", f"Could not find version for id '{call.path['id']}'")
    return row


def _replace_in_issues(call: Call, column: str, part: Row, new: str | None) -> None:
    """Every issue of the part's project holding it in a list column holds `new` instead (or nothing)."""
    for issue in call.state["jira_issues"].where("project_id", part["project_id"]):
        if part["id"] in issue[column]:
            kept = [v for v in issue[column] if v != part["id"]]
            if new and new not in kept:
                kept.append(new)
            call.state["jira_issues"].update(issue["id"], **{column: kept})


def _other(call: Call, table: str, name: str, row: Row) -> str | None:
    """The id a `moveIssuesTo`-style argument names: another part of the same project."""
    wanted = call.args.text(name)
    if not wanted:
        return None
    other = call.state[table].get(wanted)
    if other is None or other["project_id"] != row["project_id"] or other["id"] == row["id"]:
        raise call.error("bad_request", f"The {name} value '{wanted}' is not valid.")
    return str(other["id"])


TAKEN = {
    "jira_components": "A component with the name {} already exists in this project.",
    "jira_versions": "A version with this name already exists in this project.",
}


def _new_name(call: Call, table: str, row: Row, empty: str) -> str:
    """The `name` of an update (else the current one), unless empty or another's in the project."""
    name = call.require_body().text("name", row["name"]).strip()
    if not name:
        raise FieldErrors({"name": empty})
    siblings = call.state[table].where("project_id", row["project_id"])
    if any(other["name"] == name and other["id"] != row["id"] for other in siblings):
        raise FieldErrors({"name": TAKEN[table].format(name)})
    return name


@parts.operation("PUT", "/component/{id}", scope=MANAGE, write=True)
def update_component(call: Call) -> dict[str, Any]:
    row = path_component(call)
    body = call.require_body()
    name = _new_name(call, "jira_components", row, "The component name must not be empty.")
    row = call.state["jira_components"].update(
        row["id"], name=name, description=body.text("description", row["description"])
    )
    return render.component(site_of(call), row)


@parts.operation("DELETE", "/component/{id}", scope=MANAGE, write=True, status=204)
def delete_component(call: Call) -> None:
    """Issues lose the component, or get `moveIssuesTo` instead."""
    row = path_component(call)
    _replace_in_issues(call, "components", row, _other(call, "jira_components", "moveIssuesTo", row))
    call.state["jira_components"].delete(row["id"])


@parts.operation("PUT", "/version/{id}", scope=MANAGE, write=True)
def update_version(call: Call) -> dict[str, Any]:
    row = path_version(call)
    body = call.require_body()
    name = _new_name(call, "jira_versions", row, "You must specify a valid version name")
    row = call.state["jira_versions"].update(
        row["id"],
        name=name,
        released=body.flag("released", row["released"]),
        archived=body.flag("archived", row["archived"]),
        release_date=body.text("releaseDate", row["release_date"] or "") or None,
    )
    return render.version(site_of(call), row)


@parts.operation("DELETE", "/version/{id}", scope=MANAGE, write=True, status=204)
def delete_version(call: Call) -> None:
    """Issues lose the version as fix and affected version, or get the ones the request names."""
    row = path_version(call)
    fixed = _other(call, "jira_versions", "moveFixIssuesTo", row)
    affected = _other(call, "jira_versions", "moveAffectedIssuesTo", row)
    _replace_in_issues(call, "fix_versions", row, fixed)
    _replace_in_issues(call, "versions", row, affected)
    call.state["jira_versions"].delete(row["id"])
