"""Comments and workflow transitions of an issue."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.jira import issue_json
from twins.jira.auth import READ, WRITE, registry
from twins.jira.issue_write import FieldErrors, Writer
from twins.jira.models import next_id
from twins.jira.ops_issues import find_issue, touch
from twins.jira.ops_site import site_of
from twins.jira.webhooks import issue_event
from twins.jira.workflow import available
from twins.kit import Call, OffsetTotal

work = registry("workflow")


def add_comment_row(call: Call, issue: Row, body: dict[str, Any]) -> Row:
    """A comment from a request body (`body`: wiki text on v2, ADF on v3; optional `visibility`)."""
    writer = Writer(site_of(call), call.state, None)
    doc = writer.text_doc("comment", body.get("body"))
    if doc is None and "comment" not in writer.errors:
        writer.fail("comment", "Comment body can not be empty!")
    writer.check()
    assert doc is not None
    visibility = body.get("visibility") if isinstance(body.get("visibility"), dict) else {}
    now = call.now()
    row = call.state["jira_comments"].insert(
        {
            "id": next_id(call.state, "comment"),
            "issue_id": issue["id"],
            "author": call.caller.subject,
            "body": doc,
            "created": now,
            "updated": now,
            "visibility": visibility or {},
        }
    )
    call.state["jira_issues"].update(issue["id"], updated=now)
    issue_event(call, "comment_created", issue, comment=row)
    return row


def _comment(call: Call) -> tuple[Row, Row]:
    issue = find_issue(call, call.path["issueIdOrKey"])
    row = call.state["jira_comments"].get(call.path["id"])
    if row is None or row["issue_id"] != issue["id"]:
        raise call.error("not_found", f"Can not find a comment for the id: {call.path['id']}.")
    return issue, row


@work.operation(
    "GET",
    "/issue/{issueIdOrKey}/comment",
    scope=READ,
    page=OffsetTotal(items="comments", default=5000, most=5000),
)
def comments(call: Call) -> list[dict[str, Any]]:
    issue = find_issue(call, call.path["issueIdOrKey"])
    rows = call.state["jira_comments"].where("issue_id", issue["id"])
    if call.args.text("orderBy") in ("-created", "-created_date"):
        rows = rows[::-1]
    return [issue_json.comment(site_of(call), call.state, r) for r in call.page(rows)]


@work.operation("POST", "/issue/{issueIdOrKey}/comment", scope=WRITE, write=True, status=201)
def add_comment(call: Call) -> dict[str, Any]:
    issue = find_issue(call, call.path["issueIdOrKey"])
    row = add_comment_row(call, issue, dict(call.require_body()))
    return issue_json.comment(site_of(call), call.state, row)


@work.operation("GET", "/issue/{issueIdOrKey}/comment/{id}", scope=READ)
def get_comment(call: Call) -> dict[str, Any]:
    _, row = _comment(call)
    return issue_json.comment(site_of(call), call.state, row)


@work.operation("PUT", "/issue/{issueIdOrKey}/comment/{id}", scope=WRITE, write=True)
def edit_comment(call: Call) -> dict[str, Any]:
    issue, row = _comment(call)
    if row["author"] != call.caller.subject:
        raise call.error("forbidden", "You do not have the permission to edit this comment.", status=403)
    writer = Writer(site_of(call), call.state, None)
    doc = writer.text_doc("comment", call.require_body().get("body"))
    if doc is None and "comment" not in writer.errors:
        writer.fail("comment", "Comment body can not be empty!")
    writer.check()
    now = call.now()
    row = call.state["jira_comments"].update(
        row["id"], body=doc, updated=now, update_author=call.caller.subject
    )
    issue_event(call, "comment_updated", issue, comment=row)
    return issue_json.comment(site_of(call), call.state, row)


@work.operation("DELETE", "/issue/{issueIdOrKey}/comment/{id}", scope=WRITE, write=True, status=204)
def delete_comment(call: Call) -> None:
    issue, row = _comment(call)
    issue_event(call, "comment_deleted", issue, comment=row)
    call.state["jira_comments"].delete(row["id"])


@work.operation("GET", "/issue/{issueIdOrKey}/transitions", scope=READ)
def transitions(call: Call) -> dict[str, Any]:
    """The transitions the issue's status allows (`transitionId` picks one)."""
    issue = find_issue(call, call.path["issueIdOrKey"])
    wanted = call.args.text("transitionId")
    site = site_of(call)
    found = [
        issue_json.transition(site, t) for t in available(call.state, issue) if not wanted or t.id == wanted
    ]
    return {"expand": "transitions", "transitions": found}


@work.operation("POST", "/issue/{issueIdOrKey}/transitions", scope=WRITE, write=True, status=204)
def do_transition(call: Call) -> None:
    """Move the issue along a transition; done sets the resolution, leaving done clears it."""
    issue = find_issue(call, call.path["issueIdOrKey"])
    body = call.require_body()
    ref = body.obj("transition", required=True)
    wanted = str(ref.get("id", "")) if ref.get("id") is not None else ""
    move = next((t for t in available(call.state, issue) if t.id == wanted), None)
    if move is None:
        raise (
            FieldErrors({"transition": f"Transition id '{wanted}' is not valid for this issue."})
            if not wanted
            else call.error("bad_request", f"Transition id '{wanted}' is not valid for this issue.")
        )
    project = call.state["jira_projects"].get(issue["project_id"])
    writer = Writer(site_of(call), call.state, project)
    changes = writer.values(dict(body.obj("fields")))
    writer.check()
    now = call.now()
    if move.resolution:
        changes.setdefault("resolution_id", "10000")
        changes["resolved"] = now
    else:
        changes["resolution_id"], changes["resolved"] = None, None
    issue, change = touch(call, issue, status_id=move.to, status_changed=now, **changes)
    for op in body.obj("update").get("comment", []) or []:
        if isinstance(op, dict) and isinstance(op.get("add"), dict):
            add_comment_row(call, issue, op["add"])
    issue_event(call, "jira:issue_updated", issue, change=change, name="issue_generic")


@work.operation(
    "GET",
    "/issue/{issueIdOrKey}/changelog",
    scope=READ,
    page=OffsetTotal(items="values", default=100, most=100),
)
def issue_changelog(call: Call) -> Any:
    """The issue's change history a page at a time, oldest first."""
    issue = find_issue(call, call.path["issueIdOrKey"])
    entries = sorted(issue_json.changelog(site_of(call), call.state, issue), key=lambda c: int(c["id"]))
    return call.page(entries)
