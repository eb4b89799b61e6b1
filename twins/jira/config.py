"""What every Jira site has: status categories, statuses, issue types, priorities, resolutions,
workflows per project type, issue link types and the system fields, as Jira Cloud names them."""

from __future__ import annotations

from dataclasses import dataclass

# id, key, colorName, name
CATEGORIES = [
    (1, "undefined", "medium-gray", "No Category"),
    (2, "new", "blue-gray", "To Do"),
    (4, "indeterminate", "yellow", "In Progress"),
    (3, "done", "green", "Done"),
]
# id, name, category key, description
STATUSES = [
    ("10000", "To Do", "new", ""),
    (
        "3",
        "In Progress",
        "indeterminate",
        "This issue is being actively worked on at the moment by the assignee.",
    ),
    ("10001", "In Review", "indeterminate", ""),
    ("10002", "Done", "done", ""),
]
# id, name, subtask, hierarchyLevel, description
ISSUE_TYPES = [
    ("10001", "Task", False, 0, "A small, distinct piece of work."),
    ("10002", "Bug", False, 0, "A problem or error."),
    ("10003", "Story", False, 0, "Functionality or a feature expressed as a user goal."),
    ("10004", "Epic", False, 1, "A collection of related bugs, stories, and tasks."),
    ("10005", "Subtask", True, -1, "Subtasks track small pieces of work that are part of a larger task."),
]
TYPE_BY_ID = {t[0]: t for t in ISSUE_TYPES}
# A team-managed (next-gen) project has issue types of its own, scoped to it: their ids are the
# project's id times 100 plus the place of the site type they copy (project 10003's Task: 1000301).
SCOPED_FROM = 1_000_000


def scoped_type_id(project_id: str, base_id: str) -> str:
    return str(int(project_id) * 100 + [t[0] for t in ISSUE_TYPES].index(base_id) + 1)


def type_scope(ident: str) -> str | None:
    """The project a project-scoped issue type belongs to, None for a type of the whole site."""
    if not ident.isdigit() or int(ident) < SCOPED_FROM or not 1 <= int(ident) % 100 <= len(ISSUE_TYPES):
        return None
    return str(int(ident) // 100)


def base_type_id(ident: str) -> str:
    """The site type a project-scoped type copies (a site type is its own)."""
    return ISSUE_TYPES[int(ident) % 100 - 1][0] if type_scope(ident) else ident


def issue_type(ident: str) -> tuple[str, str, bool, int, str] | None:
    """(id, name, subtask, hierarchy level, description) of a site or project-scoped type."""
    base = TYPE_BY_ID.get(base_type_id(ident))
    return None if base is None else (ident, *base[1:])


# id, name, statusColor
PRIORITIES = [
    ("1", "Highest", "#d04437"),
    ("2", "High", "#f15C75"),
    ("3", "Medium", "#f79232"),
    ("4", "Low", "#707070"),
    ("5", "Lowest", "#999999"),
]
DEFAULT_PRIORITY = "3"
# id, name, description
RESOLUTIONS = [
    ("10000", "Done", "Work has been completed on this issue."),
    ("10001", "Won't Do", "This issue won't be actioned."),
    ("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
    ("10003", "Cannot Reproduce", "All attempts at reproducing this issue failed."),
]
# id, name, inward, outward
LINK_TYPES = [
    ("10000", "Blocks", "is blocked by", "blocks"),
    ("10001", "Cloners", "is cloned by", "clones"),
    ("10002", "Duplicate", "is duplicated by", "duplicates"),
    ("10003", "Relates", "relates to", "relates to"),
]


@dataclass(frozen=True)
class Transition:
    """A workflow transition: `sources` empty means from any status (a global transition)."""

    id: str
    name: str
    to: str  # status id
    sources: tuple[str, ...] = ()
    resolution: bool = False  # sets the resolution (done) or clears it (other categories)


WORKFLOWS: dict[str, list[Transition]] = {
    # Jira Software's simplified workflow: every status reachable from every other
    "software": [
        Transition("11", "To Do", "10000"),
        Transition("21", "In Progress", "3"),
        Transition("31", "In Review", "10001"),
        Transition("41", "Done", "10002", resolution=True),
    ],
    # Jira Work Management: a linear workflow with a way back
    "business": [
        Transition("11", "Start progress", "3", sources=("10000",)),
        Transition("21", "Done", "10002", sources=("3",), resolution=True),
        Transition("31", "Reopen", "10000", sources=("10002", "3")),
    ],
}
WORKFLOW_STATUSES = {"software": ["10000", "3", "10001", "10002"], "business": ["10000", "3", "10002"]}


@dataclass(frozen=True)
class SystemField:
    """A system field as `GET /field` lists it."""

    id: str
    name: str
    schema_type: str
    items: str | None = None
    clause_names: tuple[str, ...] = ()
    orderable: bool = True
    navigable: bool = True
    searchable: bool = True
    required: bool = False
    listed_schema: bool = True  # whether `GET /field` shows its schema (`parent`'s is only on screens)


SYSTEM_FIELDS = [  # as Jira Cloud's `GET /field` lists them
    SystemField("summary", "Summary", "string", clause_names=("summary",), required=True),
    SystemField("issuetype", "Issue Type", "issuetype", clause_names=("issuetype", "type"), required=True),
    SystemField("project", "Project", "project", clause_names=("project",), orderable=False, required=True),
    SystemField("description", "Description", "string", clause_names=("description",)),
    SystemField("status", "Status", "status", clause_names=("status",), orderable=False),
    SystemField("priority", "Priority", "priority", clause_names=("priority",)),
    SystemField("resolution", "Resolution", "resolution", clause_names=("resolution",)),
    SystemField("assignee", "Assignee", "user", clause_names=("assignee",)),
    SystemField("reporter", "Reporter", "user", clause_names=("reporter",)),
    SystemField("creator", "Creator", "user", clause_names=("creator",), orderable=False),
    SystemField("labels", "Labels", "array", items="string", clause_names=("labels",)),
    SystemField("components", "Components", "array", items="component", clause_names=("component",)),
    SystemField("fixVersions", "Fix versions", "array", items="version", clause_names=("fixVersion",)),
    SystemField("versions", "Affects versions", "array", items="version", clause_names=("affectedVersion",)),
    SystemField("duedate", "Due date", "date", clause_names=("due", "duedate")),
    SystemField("created", "Created", "datetime", clause_names=("created", "createdDate"), orderable=False),
    SystemField("updated", "Updated", "datetime", clause_names=("updated", "updatedDate"), orderable=False),
    SystemField(
        "resolutiondate", "Resolved", "datetime", clause_names=("resolutiondate", "resolved"), orderable=False
    ),
    SystemField("environment", "Environment", "string", clause_names=("environment",)),
    SystemField("parent", "Parent", "issuelink", clause_names=("parent",), listed_schema=False),
    SystemField(
        "issuelinks", "Linked Issues", "array", items="issuelinks", clause_names=("issueLink", "workItemLink")
    ),
    SystemField(
        "subtasks",
        "Sub-tasks",
        "array",
        items="issuelinks",
        clause_names=("subtasks",),
        orderable=False,
        searchable=False,
    ),
    SystemField("comment", "Comment", "comments-page", clause_names=("comment",), navigable=False),
    SystemField(
        "watches", "Watchers", "watches", clause_names=("watchers",), orderable=False, searchable=False
    ),
    SystemField("votes", "Votes", "votes", clause_names=("votes",), orderable=False, searchable=False),
    SystemField(
        "attachment",
        "Attachment",
        "array",
        items="attachment",
        clause_names=("attachments",),
        navigable=False,
    ),
    SystemField("worklog", "Log Work", "array", items="worklog", clause_names=(), navigable=False),
    SystemField(
        "statuscategorychangedate",
        "Status Category Changed",
        "datetime",
        clause_names=("statusCategoryChangedDate",),
        orderable=False,
    ),
    SystemField(
        "lastViewed",
        "Last Viewed",
        "datetime",
        clause_names=("lastViewed",),
        orderable=False,
        searchable=False,
    ),
    SystemField(
        "statusCategory",
        "Status Category",
        "statusCategory",
        clause_names=("statusCategory",),
        orderable=False,
    ),
    SystemField("security", "Security Level", "securitylevel", clause_names=("level",)),
    SystemField(
        "timespent", "Time Spent", "number", clause_names=("timespent",), orderable=False, searchable=False
    ),
    SystemField(
        "aggregatetimespent", "Σ Time Spent", "number", clause_names=(), orderable=False, searchable=False
    ),
    SystemField(
        "timeoriginalestimate",
        "Original estimate",
        "number",
        clause_names=("originalEstimate", "timeoriginalestimate"),
        orderable=False,
        searchable=False,
    ),
    SystemField(
        "aggregatetimeoriginalestimate",
        "Σ Original Estimate",
        "number",
        clause_names=(),
        orderable=False,
        searchable=False,
    ),
    SystemField(
        "timeestimate",
        "Remaining Estimate",
        "number",
        clause_names=("remainingEstimate", "timeestimate"),
        orderable=False,
        searchable=False,
    ),
    SystemField(
        "aggregatetimeestimate",
        "Σ Remaining Estimate",
        "number",
        clause_names=(),
        orderable=False,
        searchable=False,
    ),
    SystemField(
        "progress", "Progress", "progress", clause_names=("progress",), orderable=False, searchable=False
    ),
    SystemField(
        "aggregateprogress", "Σ Progress", "progress", clause_names=(), orderable=False, searchable=False
    ),
    SystemField("workratio", "Work Ratio", "number", clause_names=("workratio",), orderable=False),
    SystemField("timetracking", "Time tracking", "timetracking", clause_names=(), navigable=False),
    SystemField("issuerestriction", "Restrict to", "issuerestriction", clause_names=(), navigable=False),
    SystemField(
        "issuekey",
        "Key",
        "",
        clause_names=("id", "issue", "issuekey", "key", "workItem", "workItemKey"),
        orderable=False,
        searchable=False,
        listed_schema=False,
    ),
    SystemField(
        "thumbnail", "Images", "", clause_names=(), orderable=False, searchable=False, listed_schema=False
    ),
]
# Custom fields every seeded site has: id, name, schema.custom, schema.type, options
GREENHOPPER = "com.pyxis.greenhopper.jira"
CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes"
CUSTOM_FIELDS = [
    ("customfield_10011", "Epic Name", f"{GREENHOPPER}:gh-epic-label", "string", ()),
    ("customfield_10016", "Story point estimate", f"{GREENHOPPER}:jsw-story-points", "number", ()),
    ("customfield_10020", "Sprint", f"{GREENHOPPER}:gh-sprint", "array", ()),
    ("customfield_10030", "Team", f"{CUSTOM}:select", "option", ("Platform", "Web", "Mobile")),
]
