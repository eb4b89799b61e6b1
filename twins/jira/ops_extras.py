"""Attachments, worklogs and votes of an issue; groups; project components and versions."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from twins._runtime.collection import Row
from twins.jira import issue_json, render
from twins.jira.auth import READ, USERS, WRITE, registry
from twins.jira.issue_write import FieldErrors, Writer
from twins.jira.models import next_id
from twins.jira.ops_issues import find_issue
from twins.jira.ops_project_parts import path_component, path_version
from twins.jira.ops_site import path_project, site_of
from twins.kit import Call, OffsetTotal, Reply

extras = registry("extras")
MAX_ATTACHMENT = 10 * 1024 * 1024


def attachment_json(call: Call, row: Row) -> dict[str, Any]:
    return issue_json.attachment(site_of(call), call.state, row)


@extras.operation("POST", "/issue/{issueIdOrKey}/attachments", scope=WRITE, write=True, body="form")
def attach(call: Call) -> list[dict[str, Any]]:
    """Multipart uploads in the `file` field (with `X-Atlassian-Token: no-check`, as Jira asks)."""
    issue = find_issue(call, call.path["issueIdOrKey"])
    uploads = call.body.files("file")
    if not uploads:
        raise call.error("bad_request", "No attachments were provided.")
    out = []
    for upload in uploads:
        if len(upload.data) > MAX_ATTACHMENT:
            raise call.error(
                "bad_request", f"The file '{upload.filename}' is too large to attach.", status=413
            )
        row = call.state["jira_attachments"].insert(
            {
                "id": next_id(call.state, "attachment"),
                "issue_id": issue["id"],
                "filename": upload.filename or "file",
                "mime_type": upload.content_type or "application/octet-stream",
                "size": len(upload.data),
                "author": call.caller.subject,
                "created": call.now(),
                "content": base64.b64encode(upload.data).decode(),
            }
        )
        out.append(attachment_json(call, row))
    call.state["jira_issues"].update(issue["id"], updated=call.now())
    return out


def _attachment(call: Call) -> Row:
    row = call.state["jira_attachments"].get(call.path["id"])
    if row is None:
        raise call.error("not_found", f"The attachment with id '{call.path['id']}' does not exist")
    return row


@extras.operation("GET", "/attachment/{id}", scope=READ)
def attachment(call: Call) -> dict[str, Any]:
    return attachment_json(call, _attachment(call))


@extras.operation("GET", "/attachment/content/{id}", scope=READ)
def attachment_content(call: Call) -> Reply:
    row = _attachment(call)
    headers = {
        "Content-Type": row["mime_type"],
        "Content-Disposition": f'attachment; filename="{row["filename"]}"',
    }
    return Reply(base64.b64decode(row["content"]), headers=headers)


@extras.operation("DELETE", "/attachment/{id}", scope=WRITE, write=True, status=204)
def delete_attachment(call: Call) -> None:
    call.state["jira_attachments"].delete(_attachment(call)["id"])


def worklog_json(call: Call, row: Row) -> dict[str, Any]:
    return issue_json.worklog(site_of(call), call.state, row)


def _seconds(value: Any) -> int | None:
    """`timeSpent` in Jira's notation (`1d 2h 30m`, days of 8 hours, weeks of 5 days)."""
    if not isinstance(value, str) or not value.strip():
        return None
    sizes = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}
    total = 0
    for part in value.split():
        unit, amount = part[-1:], part[:-1]
        if unit not in sizes or not amount.replace(".", "", 1).isdigit():
            return None
        total += int(float(amount) * sizes[unit])
    return total


@extras.operation(
    "GET",
    "/issue/{issueIdOrKey}/worklog",
    scope=READ,
    page=OffsetTotal(items="worklogs", default=5000, most=5000),
)
def worklogs(call: Call) -> list[dict[str, Any]]:
    issue = find_issue(call, call.path["issueIdOrKey"])
    return [
        worklog_json(call, r) for r in call.page(call.state["jira_worklogs"].where("issue_id", issue["id"]))
    ]


def _worklog_values(call: Call, current: Row | None) -> dict[str, Any]:
    """Time spent, start and comment of a new worklog, or the changes to `current`."""
    body = call.require_body()
    changes: dict[str, Any] = {}
    seconds = body.get("timeSpentSeconds")
    if seconds is None:
        seconds = _seconds(body.get("timeSpent"))
    if seconds is None and current is not None and "timeSpent" not in body:
        seconds = current["seconds"]
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise FieldErrors({"timeLogged": "You must indicate the time spent working."})
    changes["seconds"] = seconds
    if body.get("started"):
        try:
            changes["started"] = datetime.strptime(str(body["started"]), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
        except ValueError:
            raise FieldErrors(
                {"started": "Could not parse the date. Use the format yyyy-MM-dd'T'HH:mm:ss.SSSZ"}
            ) from None
    elif current is None:
        changes["started"] = call.now()
    if current is None or "comment" in body:
        writer = Writer(site_of(call), call.state, None)
        changes["comment"] = writer.text_doc("comment", body.get("comment")) or {}
        writer.check()
    return changes


@extras.operation("POST", "/issue/{issueIdOrKey}/worklog", scope=WRITE, write=True, status=201)
def add_worklog(call: Call) -> dict[str, Any]:
    issue = find_issue(call, call.path["issueIdOrKey"])
    values = _worklog_values(call, None)
    row = call.state["jira_worklogs"].insert(
        {
            "id": next_id(call.state, "worklog"),
            "issue_id": issue["id"],
            "author": call.caller.subject,
            "created": call.now(),
            "updated": call.now(),
            **values,
        }
    )
    call.state["jira_issues"].update(issue["id"], updated=call.now())
    return worklog_json(call, row)


def _worklog(call: Call) -> tuple[Row, Row]:
    """The issue and the worklog of the path, or Jira's 404."""
    issue = find_issue(call, call.path["issueIdOrKey"])
    row = call.state["jira_worklogs"].get(call.path["id"])
    if row is None or row["issue_id"] != issue["id"]:
        raise call.error("not_found", f"Cannot find worklog with id: '{call.path['id']}'.")
    return issue, row


@extras.operation("GET", "/issue/{issueIdOrKey}/worklog/{id}", scope=READ)
def get_worklog(call: Call) -> dict[str, Any]:
    return worklog_json(call, _worklog(call)[1])


@extras.operation("PUT", "/issue/{issueIdOrKey}/worklog/{id}", scope=WRITE, write=True)
def update_worklog(call: Call) -> dict[str, Any]:
    issue, row = _worklog(call)
    row = call.state["jira_worklogs"].update(row["id"], **_worklog_values(call, row), updated=call.now())
    call.state["jira_issues"].update(issue["id"], updated=call.now())
    return worklog_json(call, row)


@extras.operation("DELETE", "/issue/{issueIdOrKey}/worklog/{id}", scope=WRITE, write=True, status=204)
def delete_worklog(call: Call) -> None:
    issue, row = _worklog(call)
    call.state["jira_worklogs"].delete(row["id"])
    call.state["jira_issues"].update(issue["id"], updated=call.now())


@extras.operation("GET", "/issue/{issueIdOrKey}/votes", scope=READ)
def votes(call: Call) -> dict[str, Any]:
    issue = find_issue(call, call.path["issueIdOrKey"])
    site = site_of(call)
    return {
        "self": f"{site.api}/issue/{issue['key']}/votes",
        "votes": len(issue["voters"]),
        "hasVoted": call.caller.subject in issue["voters"],
        "voters": [render.user_of(site, call.state, v) for v in issue["voters"]],
    }


@extras.operation("POST", "/issue/{issueIdOrKey}/votes", scope=WRITE, write=True, status=204, body="none")
def vote(call: Call) -> None:
    issue = find_issue(call, call.path["issueIdOrKey"])
    if issue["reporter"] == call.caller.subject:
        raise call.error("not_found", "You cannot vote for an issue you have reported.")
    if call.caller.subject not in issue["voters"]:
        call.state["jira_issues"].update(issue["id"], voters=[*issue["voters"], call.caller.subject])


@extras.operation("DELETE", "/issue/{issueIdOrKey}/votes", scope=WRITE, write=True, status=204)
def unvote(call: Call) -> None:
    issue = find_issue(call, call.path["issueIdOrKey"])
    call.state["jira_issues"].update(
        issue["id"], voters=[v for v in issue["voters"] if v != call.caller.subject]
    )


def _group_json(name: str) -> dict[str, Any]:
    return {"name": name, "groupId": f"g-{name}"}


@extras.operation("GET", "/groups/picker", scope=USERS)
def groups_picker(call: Call) -> dict[str, Any]:
    query = call.args.text("query").lower()
    names = sorted({g for u in call.state["jira_users"] for g in u["groups"] if query in g.lower()})
    return {
        "header": f"Showing {len(names)} of {len(names)} matching groups",
        "total": len(names),
        "groups": [{"name": n, "html": n, "labels": [], "groupId": f"g-{n}"} for n in names],
    }


@extras.operation("GET", "/group/member", scope=USERS, page=OffsetTotal(items="values", default=50, most=50))
def group_members(call: Call) -> list[dict[str, Any] | None]:
    _name, members = _group(call)
    include_inactive = call.args.flag("includeInactiveUsers", False)
    site = site_of(call)
    return [render.user(site, u) for u in call.page([u for u in members if u["active"] or include_inactive])]


@extras.operation("GET", "/project/{projectIdOrKey}/components", scope=READ)
def project_components(call: Call) -> list[dict[str, Any]]:
    project = path_project(call)
    return [
        render.component(site_of(call), c)
        for c in call.state["jira_components"].where("project_id", project["id"])
    ]


@extras.operation("GET", "/project/{projectIdOrKey}/versions", scope=READ)
def project_versions(call: Call) -> list[dict[str, Any]]:
    project = path_project(call)
    return [
        render.version(site_of(call), v)
        for v in call.state["jira_versions"].where("project_id", project["id"])
    ]


def _project_of(call: Call, body: Any) -> Row:
    key = body.get("project") or body.get("projectId")
    row = call.state["jira_projects"].get(str(key)) or call.state["jira_projects"].by("key", str(key).upper())
    if row is None:
        raise FieldErrors({"project": "Specify a valid project ID or key"})
    return row


@extras.operation("POST", "/component", scope="manage:jira-project", write=True, status=201)
def create_component(call: Call) -> dict[str, Any]:
    body = call.require_body()
    project = _project_of(call, body)
    name = body.text("name", required=True)
    if any(c["name"] == name for c in call.state["jira_components"].where("project_id", project["id"])):
        raise FieldErrors({"name": f"A component with the name {name} already exists in this project."})
    row = call.state["jira_components"].insert(
        {
            "id": next_id(call.state, "component"),
            "project_id": project["id"],
            "name": name,
            "description": body.text("description"),
        }
    )
    return render.component(site_of(call), row)


@extras.operation("POST", "/version", scope="manage:jira-project", write=True, status=201)
def create_version(call: Call) -> dict[str, Any]:
    body = call.require_body()
    project = _project_of(call, body)
    name = body.text("name", required=True)
    if any(v["name"] == name for v in call.state["jira_versions"].where("project_id", project["id"])):
        raise FieldErrors({"name": "A version with this name already exists in this project."})
    row = call.state["jira_versions"].insert(
        {
            "id": next_id(call.state, "version"),
            "project_id": project["id"],
            "name": name,
            "released": body.flag("released", False),
            "release_date": body.text("releaseDate") or None,
        }
    )
    return render.version(site_of(call), row)


@extras.operation("GET", "/component/{id}", scope=READ)
def component(call: Call) -> dict[str, Any]:
    return render.component(site_of(call), path_component(call))


@extras.operation("GET", "/version/{id}", scope=READ)
def version(call: Call) -> dict[str, Any]:
    return render.version(site_of(call), path_version(call))


@extras.operation("GET", "/group", scope=USERS)
def group(call: Call) -> dict[str, Any]:
    """A group with `expand=users` (or `users[start:end]`): its members in `users.items`."""
    name, members = _group(call)
    site = site_of(call)
    expand = call.args.text("expand")
    start, end = 0, 49
    if expand.startswith("users[") and expand.endswith("]"):
        first, _, last = expand[6:-1].partition(":")
        start, end = (int(first) if first.isdigit() else 0), (int(last) if last.isdigit() else start + 49)
    chosen = members[start : end + 1] if expand.startswith("users") else []
    return {
        "name": name,
        "groupId": f"g-{name}",
        "self": f"{site.api}/group?groupId=g-{name}",
        "users": {
            "size": len(members),
            "items": [render.user(site, u) for u in chosen],
            "max-results": 50,
            "start-index": start,
            "end-index": start + max(len(chosen) - 1, 0),
        },
        "expand": "users",
    }


def _group(call: Call) -> tuple[str, list[Row]]:
    """The group a request names (`groupname` or `groupId`) and its members, or Jira's 404."""
    name = call.args.text("groupname") or call.args.text("groupId").removeprefix("g-")
    members = [u for u in call.state["jira_users"] if name in u["groups"]]
    if not members:
        raise call.error("not_found", f"Group with name '{name}' does not exist.")
    return name, members
