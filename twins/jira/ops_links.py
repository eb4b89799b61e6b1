"""Issue links and issue link types: create, read, update and delete."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.jira import issue_json
from twins.jira.auth import READ, WRITE, registry
from twins.jira.issue_write import FieldErrors
from twins.jira.models import next_id
from twins.jira.ops_issues import find_issue
from twins.jira.ops_site import site_of
from twins.kit import Call, Reply

links = registry("links")
ADMIN = "manage:jira-configuration"
LINK_NOT_FOUND = "No issue link with id '{}' exists."


def link_type_json(call: Call, row: Row) -> dict[str, Any]:
    return issue_json.link_type(site_of(call), row)


def path_link_type(call: Call) -> Row:
    wanted = call.path["issueLinkTypeId"]
    row = call.state["jira_link_types"].get(wanted)
    if row is None:
        raise call.error("not_found", f"No issue link type with id '{wanted}' exists.")
    return row


@links.operation("GET", "/issueLinkType", scope=READ)
def link_types(call: Call) -> dict[str, Any]:
    """Every link type of the site, in the order they were made."""
    rows = sorted(call.state["jira_link_types"], key=lambda r: int(r["id"]))
    return {"issueLinkTypes": [link_type_json(call, r) for r in rows]}


@links.operation("GET", "/issueLinkType/{issueLinkTypeId}", scope=READ)
def link_type(call: Call) -> dict[str, Any]:
    return link_type_json(call, path_link_type(call))


def _names(call: Call, current: Row | None) -> dict[str, str]:
    """`name`, `inward` and `outward` of a create (all required) or an update (each optional)."""
    body = call.require_body()
    out: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in ("name", "inward", "outward"):
        value = body.text(field, current[field] if current else "").strip()
        if not value:
            errors[field] = f"The issue link type {field} must not be empty."
        elif len(value) > 255:
            errors[field] = f"The issue link type {field} must not be longer than 255 characters."
        out[field] = value
    if errors:
        raise FieldErrors(errors)
    clash = call.state["jira_link_types"].by("name", out["name"])
    if clash is not None and (current is None or clash["id"] != current["id"]):
        raise call.error("bad_request", f"An issue link type with the name '{out['name']}' already exists.")
    return out


@links.operation("POST", "/issueLinkType", scope=ADMIN, write=True, status=201)
def create_link_type(call: Call) -> dict[str, Any]:
    """A new link type (Jira's *Administer Jira* permission; the `manage:jira-configuration` scope)."""
    names = _names(call, None)
    row = call.state["jira_link_types"].insert({"id": next_id(call.state, "link_type"), **names})
    return link_type_json(call, row)


@links.operation("PUT", "/issueLinkType/{issueLinkTypeId}", scope=ADMIN, write=True)
def update_link_type(call: Call) -> dict[str, Any]:
    row = path_link_type(call)
    row = call.state["jira_link_types"].update(row["id"], **_names(call, row))
    return link_type_json(call, row)


@links.operation("DELETE", "/issueLinkType/{issueLinkTypeId}", scope=ADMIN, write=True, status=204)
def delete_link_type(call: Call) -> None:
    """The type and every link of that type go (Jira deletes the links with their type)."""
    row = path_link_type(call)
    for link in call.state["jira_links"].where("type_id", row["id"]):
        call.state["jira_links"].delete(link["id"])
    call.state["jira_link_types"].delete(row["id"])


@links.operation("POST", "/issueLink", scope=WRITE, write=True, status=201)
def link(call: Call) -> Reply:
    """Link two issues by a link type named by `name` or `id`; 201 with an empty body."""
    body = call.require_body()
    type_ref = body.obj("type", required=True)
    wanted = str(type_ref.get("name") or type_ref.get("id") or "")
    types = call.state["jira_link_types"]
    found = types.get(wanted) or types.by("name", wanted)
    if found is None:
        raise call.error("not_found", f"No issue link type with name '{wanted}' found.")
    ends = []
    for side in ("inwardIssue", "outwardIssue"):
        ref = body.obj(side, required=True)
        ends.append(find_issue(call, str(ref.get("key") or ref.get("id") or "")))
    call.state["jira_links"].insert(
        {
            "id": next_id(call.state, "link"),
            "type_id": found["id"],
            "inward_id": ends[0]["id"],
            "outward_id": ends[1]["id"],
        }
    )
    return Reply(None, status=201)


def path_link(call: Call) -> Row:
    row = call.state["jira_links"].get(call.path["linkId"])
    if row is None:
        raise call.error("not_found", LINK_NOT_FOUND.format(call.path["linkId"]))
    return row


@links.operation("GET", "/issueLink/{linkId}", scope=READ)
def get_link(call: Call) -> dict[str, Any]:
    """The link with its type and both issues, as Jira shows a link on its own."""
    row = path_link(call)
    site = site_of(call)
    kind = call.state["jira_link_types"].get(row["type_id"])
    out: dict[str, Any] = {"id": row["id"], "self": f"{site.api}/issueLink/{row['id']}"}
    if kind is not None:
        out["type"] = issue_json.link_type(site, kind)
    for field, side in (("inwardIssue", "inward_id"), ("outwardIssue", "outward_id")):
        issue = call.state["jira_issues"].get(row[side])
        if issue is not None:
            out[field] = issue_json.brief(site, issue)
    return out


@links.operation("DELETE", "/issueLink/{linkId}", scope=WRITE, write=True, status=204)
def delete_link(call: Call) -> None:
    call.state["jira_links"].delete(path_link(call)["id"])
