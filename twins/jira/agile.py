"""Jira Software's agile API (`/rest/agile/1.0`): boards, their issues and backlog, sprints
(create, start, complete) and moving issues between sprints and the backlog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.jira import config, issue_json
from twins.jira.auth import BASIC, READ, WRITE
from twins.jira.issue_write import FieldErrors
from twins.jira.jql import JqlError, search
from twins.jira.models import next_id
from twins.jira.ops_issues import find_issue, issue_named, touch
from twins.jira.ops_search import DEFAULT_ORDER
from twins.jira.render import STATUS, Site, stamp
from twins.jira.search_site import JqlSites
from twins.kit import Call, OffsetTotal, Registry

agile = Registry(auth=BASIC, tags=("agile",), prefixes=("/rest/agile/1.0",), rate="api")
SPRINT_FIELD = "customfield_10020"
PAGE = OffsetTotal(items="values", default=50, most=50)
ISSUES = OffsetTotal(items="issues", default=50, most=100, expand="schema,names")
EPIC_NAME_FIELD = "customfield_10011"
EPIC_TYPE = "10004"
SUBTASK_TYPES = frozenset(t[0] for t in config.ISSUE_TYPES if t[2])
# Jira's fourteen epic colours (color_1 … color_14) and the issue colour each shows as
_HUES = ("purple", "blue", "green", "teal", "yellow", "orange", "grey")
EPIC_COLORS: tuple[str, ...] = _HUES + tuple(f"dark_{hue}" for hue in _HUES)


def sprint_json(base: str, row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": int(row["id"]),
        "self": f"{base}/rest/agile/1.0/sprint/{row['id']}",
        "state": row["state"],
        "name": row["name"],
        "originBoardId": int(row["board_id"]),
        "goal": row["goal"],
        "createdDate": stamp(row["created"]),
    }
    for key, column in (("startDate", "start"), ("endDate", "end"), ("completeDate", "completed")):
        if row[column] is not None:
            out[key] = stamp(row[column])
    return out


def board_json(call: Call, row: Row) -> dict[str, Any]:
    project = call.state["jira_projects"].get(row["project_id"])
    base = call.base_url.rstrip("/")
    return {
        "id": int(row["id"]),
        "self": f"{base}/rest/agile/1.0/board/{row['id']}",
        "name": row["name"],
        "type": row["type"],
        "location": {
            "projectId": int(row["project_id"]),
            "projectKey": project["key"] if project else "",
            "projectName": project["name"] if project else "",
            "projectTypeKey": "software",
        },
    }


def _board(call: Call) -> Row:
    row = call.state["jira_boards"].get(call.path["boardId"])
    if row is None:
        raise call.error("not_found", "Board does not exist or you do not have permission to see it.")
    return row


def _sprint(call: Call) -> Row:
    row = call.state["jira_sprints"].get(call.path["sprintId"])
    if row is None:
        raise call.error("not_found", "Sprint does not exist or you do not have permission to see it.")
    return row


def _issues(call: Call, base_jql: str) -> list[dict[str, Any]]:
    """The page of issues of `base_jql`, narrowed by the request's own `jql`."""
    extra = call.args.text("jql")
    jql = f"({base_jql}) AND ({extra})" if extra else base_jql
    site = call.ext(JqlSites).site(call.state, call.caller.subject)
    try:
        ids = search(jql, site, DEFAULT_ORDER)
    except JqlError as exc:
        raise call.error("bad_request", exc.message) from None
    # The agile API answers every field by default, and its own: epic, sprint, closedSprints, flagged.
    requested = issue_json.field_names(call.args.all("fields"))
    fields = issue_json.wanted_fields(requested or ["*all"])
    every = not requested or bool({"*all", "*navigable"} & set(requested))
    rows = call.state["jira_issues"].rows
    view = Site(call.base_url, "/rest/agile/1.0", call.caller.subject)
    out = []
    for ident in call.page(ids):
        body = issue_json.issue(view, call.state, rows[ident], fields, set())
        agile_fields = _agile_fields(call, rows[ident])
        body["fields"].update({k: v for k, v in agile_fields.items() if every or k in requested})
        out.append(body)
    return out


def _agile_fields(call: Call, issue: Row) -> dict[str, Any]:
    """The fields only the agile API shows: the issue's epic, its open and closed sprints, its flag."""
    base = call.base_url.rstrip("/")
    parent = call.state["jira_issues"].get(issue["parent_id"]) if issue["parent_id"] else None
    epic = None
    if parent is not None and config.base_type_id(parent["type_id"]) == EPIC_TYPE:
        epic = {
            "id": int(parent["id"]),
            "key": parent["key"],
            "self": f"{base}/rest/agile/1.0/epic/{parent['id']}",
            "name": parent["custom"].get(EPIC_NAME_FIELD) or parent["summary"],
            "summary": parent["summary"],
            "color": {"key": f"color_{int(parent['id']) % len(EPIC_COLORS) + 1}"},
            "issueColor": {"key": EPIC_COLORS[int(parent["id"]) % len(EPIC_COLORS)]},
            "done": STATUS[parent["status_id"]][2] == "done",
        }
    sprints = [call.state["jira_sprints"].get(str(s)) for s in issue["custom"].get(SPRINT_FIELD) or []]
    known = [s for s in sprints if s is not None]
    open_sprints = [s for s in known if s["state"] != "closed"]
    out: dict[str, Any] = {
        "epic": epic,
        "sprint": sprint_json(base, open_sprints[0]) if open_sprints else None,
        "flagged": False,
    }
    closed = [sprint_json(base, s) for s in known if s["state"] == "closed"]
    if closed:
        out["closedSprints"] = closed
    return out


@agile.operation("GET", "/board", scope=READ, page=PAGE)
def boards(call: Call) -> list[dict[str, Any]]:
    rows = list(call.state["jira_boards"])
    if call.args.text("projectKeyOrId"):
        wanted = call.args.text("projectKeyOrId").upper()
        rows = [b for b in rows if _project_matches(call.state, b["project_id"], wanted)]
    if call.args.text("type"):
        rows = [b for b in rows if b["type"] == call.args.text("type")]
    return [board_json(call, b) for b in call.page(rows)]


def _project_matches(state: TenantState, project_id: str, wanted: str) -> bool:
    project = state["jira_projects"].get(project_id)
    return project is not None and wanted in (project["id"], project["key"])


@agile.operation("GET", "/board/{boardId}", scope=READ)
def board(call: Call) -> dict[str, Any]:
    return board_json(call, _board(call))


@agile.operation("GET", "/board/{boardId}/issue", scope=READ, page=ISSUES)
def board_issues(call: Call) -> list[dict[str, Any]]:
    return _issues(call, f"project = {_board(call)['project_id']}")


@agile.operation("GET", "/board/{boardId}/backlog", scope=READ, page=ISSUES)
def backlog(call: Call) -> list[dict[str, Any]]:
    """Issues of the board in no open sprint and not done."""
    row = _board(call)
    return _issues(call, f"project = {row['project_id']} AND (sprint IS EMPTY OR sprint NOT IN openSprints() "
                         "AND sprint NOT IN futureSprints()) AND statusCategory != Done")  # fmt: skip


@agile.operation("GET", "/board/{boardId}/sprint", scope=READ, page=PAGE)
def board_sprints(call: Call) -> list[dict[str, Any]]:
    row = _board(call)
    states = {s.strip() for s in call.args.text("state").split(",") if s.strip()}
    bad = states - {"future", "active", "closed"}
    if bad:
        raise call.error(
            "bad_request", f"The value '{sorted(bad)[0]}' is not valid for the 'state' parameter."
        )
    sprints = [
        s
        for s in call.state["jira_sprints"].where("board_id", row["id"])
        if not states or s["state"] in states
    ]
    return [sprint_json(call.base_url.rstrip("/"), s) for s in call.page(sprints)]


def _moment(call: Call, body_value: Any, field: str, errors: dict[str, str]) -> float | None:
    if body_value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(body_value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        errors[field] = f"The {field} is invalid."
        return None


@agile.operation("POST", "/sprint", scope=WRITE, write=True, status=201)
def create_sprint(call: Call) -> dict[str, Any]:
    body = call.require_body()
    errors: dict[str, str] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "Sprint name is required."
    origin = str(body.get("originBoardId", ""))
    if call.state["jira_boards"].get(origin) is None:
        errors["originBoardId"] = "Board does not exist or you do not have permission to see it."
    start = _moment(call, body.get("startDate"), "startDate", errors)
    end = _moment(call, body.get("endDate"), "endDate", errors)
    if errors:
        raise FieldErrors(errors)
    sprint: dict[str, Any] = {
        "id": next_id(call.state, "sprint"),
        "board_id": origin,
        "name": str(name).strip(),
    }
    sprint.update(goal=body.text("goal"), start=start, end=end, created=call.now())
    row = call.state["jira_sprints"].insert(sprint)
    return sprint_json(call.base_url.rstrip("/"), row)


@agile.operation("GET", "/sprint/{sprintId}", scope=READ)
def get_sprint(call: Call) -> dict[str, Any]:
    return sprint_json(call.base_url.rstrip("/"), _sprint(call))


def _update_sprint(call: Call) -> dict[str, Any]:
    """Rename, move dates, start (`state: active`, dates required) or complete (`closed`)."""
    row = _sprint(call)
    body = call.require_body()
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for field, column in (("startDate", "start"), ("endDate", "end")):
        if field in body:
            changes[column] = _moment(call, body.get(field), field, errors)
    if "name" in body:
        changes["name"] = body.text("name", required=True)
    if "goal" in body:
        changes["goal"] = body.text("goal")
    state = body.get("state")
    if state is not None and state != row["state"]:
        allowed = {"future": "active", "active": "closed"}
        if allowed.get(row["state"]) != state:
            errors["state"] = f"Sprint cannot be moved from {row['state']} to {state}."
        elif state == "active" and not (
            changes.get("start", row["start"]) and changes.get("end", row["end"])
        ):
            errors["startDate"] = "A sprint must have a start and end date to be started."
        changes["state"] = state
    if errors:
        raise FieldErrors(errors)
    if changes.get("state") == "closed":
        changes["completed"] = call.now()
        _release_unfinished(call, row["id"])
    row = call.state["jira_sprints"].update(row["id"], **changes)
    return sprint_json(call.base_url.rstrip("/"), row)


def _release_unfinished(call: Call, sprint_id: str) -> None:
    """Completing a sprint sends its unresolved issues back to the backlog."""
    for issue in list(call.state["jira_issues"]):
        sprints = issue["custom"].get(SPRINT_FIELD) or []
        if int(sprint_id) in sprints and issue["resolution_id"] is None:
            _set_sprints(call, issue, [s for s in sprints if s != int(sprint_id)])


for _method in ("POST", "PUT"):
    agile.operation(_method, "/sprint/{sprintId}", scope=WRITE, write=True)(_update_sprint)


@agile.operation("GET", "/sprint/{sprintId}/issue", scope=READ, page=ISSUES)
def sprint_issues(call: Call) -> list[dict[str, Any]]:
    return _issues(call, f"sprint = {_sprint(call)['id']}")


def _set_sprints(call: Call, issue: Row, sprints: list[int]) -> None:
    touch(call, issue, custom={**issue["custom"], SPRINT_FIELD: sprints or None})


def _keys(call: Call) -> list[Row]:
    keys = call.require_body().get("issues")
    if not isinstance(keys, list) or not keys or len(keys) > 50:
        raise call.style.invalid("issues", "must be a list of 1 to 50 issue keys or ids")
    return [find_issue(call, str(k)) for k in keys]


@agile.operation("POST", "/sprint/{sprintId}/issue", scope=WRITE, write=True, status=204)
def move_to_sprint(call: Call) -> None:
    sprint = _sprint(call)
    if sprint["state"] == "closed":
        raise call.error("bad_request", "Issues cannot be moved to a closed sprint.")
    for issue in _keys(call):
        open_sprints = [s for s in issue["custom"].get(SPRINT_FIELD) or [] if _closed(call, s)]
        _set_sprints(call, issue, [*open_sprints, int(sprint["id"])])


NO_EPIC = "none"  # `POST /epic/none/issue` takes issues out of their epic


def _epic(call: Call) -> Row:
    """The epic the path names: an existing issue of the Epic type."""
    row = issue_named(call.state, call.path["epicIdOrKey"])
    if row is None or config.base_type_id(row["type_id"]) != EPIC_TYPE:
        raise call.error("not_found", "Epic does not exist or you do not have permission to see it.")
    return row


@agile.operation("GET", "/epic/{epicIdOrKey}/issue", scope=READ, page=ISSUES)
def epic_issues(call: Call) -> list[dict[str, Any]]:
    """The epic's child issues, paged by startAt and narrowed by `jql`."""
    return _issues(call, f"parent = {_epic(call)['key']}")


@agile.operation("POST", "/epic/{epicIdOrKey}/issue", scope=WRITE, write=True, status=204)
def move_to_epic(call: Call) -> None:
    """Make the issues children of the epic (of none, for `epic/none`); sub-tasks keep their parent."""
    epic_id = None if call.path["epicIdOrKey"].lower() == NO_EPIC else _epic(call)["id"]
    for issue in _keys(call):
        if issue["id"] == epic_id:
            raise call.error("bad_request", "An epic cannot be added to itself.")
        if config.base_type_id(issue["type_id"]) == EPIC_TYPE and epic_id is not None:
            raise call.error(
                "bad_request", f"Issue {issue['key']} is an epic and cannot be added to an epic."
            )
        if issue["parent_id"] != epic_id and config.base_type_id(issue["type_id"]) not in SUBTASK_TYPES:
            touch(call, issue, parent_id=epic_id)


def _closed(call: Call, sprint_id: int) -> bool:
    row = call.state["jira_sprints"].get(str(sprint_id))
    return row is not None and row["state"] == "closed"


@agile.operation("POST", "/backlog/issue", scope=WRITE, write=True, status=204)
def move_to_backlog(call: Call) -> None:
    for issue in _keys(call):
        _set_sprints(call, issue, [s for s in issue["custom"].get(SPRINT_FIELD) or [] if _closed(call, s)])
