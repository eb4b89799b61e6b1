"""Issues: create, read, edit, delete, assign, watchers and links."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.jira import config, issue_json
from twins.jira.auth import READ, WRITE, registry
from twins.jira.issue_write import FieldErrors, Writer, find_project, record_changes
from twins.jira.models import next_id
from twins.jira.ops_site import site_of
from twins.jira.render import stamp
from twins.jira.search_site import JqlSites
from twins.jira.webhooks import issue_event
from twins.jira.workflow import initial_status
from twins.kit import Call, Reply

issues = registry("issues")
NOT_FOUND = "Issue does not exist or you do not have permission to see it."


def issue_named(state: TenantState, id_or_key: str) -> Row | None:
    """The issue with this id or key (keys in any case), or None."""
    rows = state["jira_issues"]
    return rows.get(id_or_key) or rows.by("key", id_or_key.upper())


def find_issue(call: Call, id_or_key: str) -> Row:
    row = issue_named(call.state, id_or_key)
    if row is None:
        raise call.error("not_found", NOT_FOUND)
    return row


def touch(call: Call, row: Row, **changes: Any) -> tuple[Row, str | None]:
    """Apply changes to an issue, stamp `updated` and write the changelog entry (its id, if any)."""
    now = call.now()
    new = call.state["jira_issues"].update(row["id"], **changes, updated=now)
    change = record_changes(call.state, row, new, call.caller.subject, now)
    call.ext(JqlSites).note(call.state, new)
    return new, change


@issues.operation("POST", "/issue", scope=WRITE, write=True, status=201)
def create_issue(call: Call) -> dict[str, Any]:
    """A new issue in its project's first status; `errors` names every bad field."""
    body = call.require_body()
    writer, project, type_id, values = _new_issue(call, body.obj("fields", required=True))
    writer.check()
    assert project is not None and type_id is not None
    return _insert(call, project, type_id, values, body.obj("update"))


def _new_issue(call: Call, fields: dict[str, Any]) -> tuple[Writer, Row | None, str | None, dict[str, Any]]:
    """A new issue's fields read and checked: the writer (with any errors), project, type, values."""
    project = find_project(call.state, fields.get("project"))
    writer = Writer(site_of(call), call.state, project)
    if project is None:
        writer.fail("project", "Specify a valid project ID or key")
    type_id = writer.issue_type(fields.get("issuetype"))
    if "summary" not in fields:
        writer.fail("summary", "You must specify a summary of the issue.")
    return writer, project, type_id, writer.values(fields)


def _insert(
    call: Call, project: Row, type_id: str, values: dict[str, Any], update: dict[str, Any]
) -> dict[str, Any]:
    now = call.now()
    number = project["next_number"]
    call.state["jira_projects"].update(project["id"], next_number=number + 1)
    issue_id = next_id(call.state, "issue")
    row = {
        "id": issue_id,
        "key": f"{project['key']}-{number}",
        "project_id": project["id"],
        "number": number,
        "type_id": type_id,
        "status_id": initial_status(project),
        "priority_id": config.DEFAULT_PRIORITY,
        "reporter": call.caller.subject,
        "creator": call.caller.subject,
        "watchers": [call.caller.subject],  # Jira has people watch the issues they create
        "created": now,
        "updated": now,
        "status_changed": now,
        **values,
    }
    row = call.state["jira_issues"].insert(row)
    _comments_from_update(call, row, update)
    call.ext(JqlSites).note(call.state, row)
    issue_event(call, "jira:issue_created", row)
    site = site_of(call)
    return {"id": issue_id, "key": row["key"], "self": f"{site.api}/issue/{issue_id}"}


def _comments_from_update(call: Call, row: Row, update: dict[str, Any]) -> None:
    for op in update.get("comment", []) or []:
        if isinstance(op, dict) and isinstance(op.get("add"), dict):
            from twins.jira.ops_comments import add_comment_row

            add_comment_row(call, row, op["add"])


@issues.operation("POST", "/issue/bulk", scope=WRITE, write=True, status=201)
def create_issues(call: Call) -> dict[str, Any] | Reply:
    """Several issues; each bad one is reported in `errors` by its place, the good ones are made."""
    updates = call.require_body().get("issueUpdates")
    if not isinstance(updates, list):
        updates = [None]  # refused below like an element without fields, in the bulk answer's shape
    made, failed = [], []
    for index, item in enumerate(updates):
        fields = item.get("fields", {}) if isinstance(item, dict) else {}
        writer, project, type_id, values = _new_issue(call, fields)
        if writer.errors or project is None or type_id is None:
            failed.append(
                {
                    "status": 400,
                    "elementErrors": {"errorMessages": [], "errors": writer.errors},
                    "failedElementNumber": index,
                }
            )
            continue
        made.append(_insert(call, project, type_id, values, item.get("update", {})))
    if failed and not made:  # nothing was created: a 400 with the same body
        return Reply({"issues": [], "errors": failed}, status=400)
    return {"issues": made, "errors": failed}


@issues.operation("GET", "/issue/{issueIdOrKey}", scope=READ)
def get_issue(call: Call) -> dict[str, Any]:
    row = find_issue(call, call.path["issueIdOrKey"])
    fields = issue_json.wanted_fields(call.args.all("fields") or ["*all"])
    expand = {e.strip() for e in call.args.text("expand").split(",") if e.strip()}
    return issue_json.issue(site_of(call), call.state, row, fields, expand)


@issues.operation("PUT", "/issue/{issueIdOrKey}", scope=WRITE, write=True, status=204)
def edit_issue(call: Call) -> Reply | None:
    """Set fields (`fields`) and apply operations (`update`: add, set, remove)."""
    row = find_issue(call, call.path["issueIdOrKey"])
    body = call.require_body()
    project = call.state["jira_projects"].get(row["project_id"])
    writer = Writer(site_of(call), call.state, project)
    fields = dict(body.obj("fields"))
    changes = writer.values(fields)
    if "issuetype" in fields:
        type_id = writer.issue_type(fields["issuetype"])
        if type_id:
            changes["type_id"] = type_id
    for name, ops in body.obj("update").items():
        if name == "comment":
            continue
        if not isinstance(ops, list):
            writer.fail(name, "Operation value must be an array")
            continue
        changes.update(_operations(writer, row, name, ops, changes))
    writer.check()
    if "custom" in changes:
        changes["custom"] = {**row["custom"], **changes["custom"]}
    row, change = touch(call, row, **changes)
    _comments_from_update(call, row, body.obj("update"))
    issue_event(call, "jira:issue_updated", row, change=change)
    if call.args.flag("returnIssue", False):  # the edited issue instead of an empty 204
        expand = {e.strip() for e in call.args.text("expand").split(",") if e.strip()}
        every = issue_json.wanted_fields(["*all"])
        return Reply(issue_json.issue(site_of(call), call.state, row, every, expand), status=200)
    return None


def _operations(
    writer: Writer, row: Row, name: str, ops: list[Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """`update` operations on one field: `set` replaces, `add`/`remove` change a list field."""
    column = {
        "labels": "labels",
        "components": "components",
        "fixVersions": "fix_versions",
        "versions": "versions",
    }
    out: dict[str, Any] = {}
    for op in ops:
        if not isinstance(op, dict) or len(op) != 1:
            writer.fail(name, "Operation value must be an object with one operation")
            continue
        verb, value = next(iter(op.items()))
        if verb == "set" or name not in column:
            if verb not in ("set", "edit"):
                writer.fail(name, f"Field '{name}' does not support the '{verb}' operation.")
                continue
            out.update(writer.values({name: value}))
            continue
        current: list[Any] = list(out.get(column[name], changes.get(column[name], row[column[name]])) or [])
        got = writer.values({name: [value]}).get(column[name], [])
        if verb == "add":
            current += [v for v in got if v not in current]
        elif verb == "remove":
            current = [v for v in current if v not in got]
        else:
            writer.fail(name, f"Field '{name}' does not support the '{verb}' operation.")
        out[column[name]] = current
    return out


@issues.operation("DELETE", "/issue/{issueIdOrKey}", scope=WRITE, write=True, status=204)
def delete_issue(call: Call) -> None:
    """Delete an issue; one with subtasks needs `deleteSubtasks=true`."""
    row = find_issue(call, call.path["issueIdOrKey"])
    subtasks = call.state["jira_issues"].where("parent_id", row["id"])
    if subtasks and not call.args.flag("deleteSubtasks", False):
        raise call.error(
            "bad_request",
            f"The issue '{row['key']}' has subtasks.  You must specify the 'deleteSubtasks' parameter "
            "to delete this issue and all its subtasks.",
        )
    issue_event(call, "jira:issue_deleted", row)
    for victim in [*subtasks, row]:
        for coll in ("jira_comments", "jira_changes"):
            for child in call.state[coll].where("issue_id", victim["id"]):
                call.state[coll].delete(child["id"])
        for side in ("inward_id", "outward_id"):
            for link in call.state["jira_links"].where(side, victim["id"]):
                call.state["jira_links"].delete(link["id"])
        call.state["jira_issues"].delete(victim["id"])


@issues.operation("PUT", "/issue/{issueIdOrKey}/assignee", scope=WRITE, write=True, status=204)
def assign(call: Call) -> None:
    """Assign to `accountId`, or unassign with `{"accountId": null}`."""
    row = find_issue(call, call.path["issueIdOrKey"])
    body = call.require_body()
    account = body.get("accountId", body.get("name"))
    user = call.state["jira_users"].get(str(account)) if account is not None else None
    if account is not None and user is None:
        raise FieldErrors({"accountId": f"User '{account}' does not exist."})
    row, change = touch(call, row, assignee=user["account_id"] if user else None)
    issue_event(call, "jira:issue_updated", row, change=change, name="issue_assigned")


@issues.operation("GET", "/issue/{issueIdOrKey}/watchers", scope=READ)
def watchers(call: Call) -> dict[str, Any]:
    row = find_issue(call, call.path["issueIdOrKey"])
    from twins.jira import render

    site = site_of(call)
    people = [render.user_of(site, call.state, a) for a in row["watchers"]]
    return {
        "self": f"{site.api}/issue/{row['key']}/watchers",
        "isWatching": call.caller.subject in row["watchers"],
        "watchCount": len(people),
        "watchers": people,
    }


@issues.operation("POST", "/issue/{issueIdOrKey}/watchers", scope=WRITE, write=True, status=204, body="any")
def add_watcher(call: Call) -> None:
    """The body is a bare JSON string: the account id (the caller when there is none)."""
    row = find_issue(call, call.path["issueIdOrKey"])
    account = call.body.get("value", call.caller.subject) if call.has_body else call.caller.subject
    if not isinstance(account, str) or call.state["jira_users"].get(account) is None:
        raise call.error("bad_request", f'The user "{account}" does not exist.')
    if account not in row["watchers"]:
        call.state["jira_issues"].update(row["id"], watchers=[*row["watchers"], account])


@issues.operation("DELETE", "/issue/{issueIdOrKey}/watchers", scope=WRITE, write=True, status=204)
def remove_watcher(call: Call) -> None:
    row = find_issue(call, call.path["issueIdOrKey"])
    account = call.args.text("accountId", required=True)
    call.state["jira_issues"].update(row["id"], watchers=[a for a in row["watchers"] if a != account])


@issues.operation("GET", "/issue/{issueIdOrKey}/editmeta", scope=READ)
def editmeta(call: Call) -> dict[str, Any]:
    from twins.jira.ops_meta import field_meta

    row = find_issue(call, call.path["issueIdOrKey"])
    return {"fields": field_meta(site_of(call), call.state, row["project_id"], row["type_id"], edit=True)}


__all__ = ["issues", "stamp"]
