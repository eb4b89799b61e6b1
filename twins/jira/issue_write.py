"""Creating and editing issues: `fields` and `update` bodies checked the way Jira checks them
(an `errors` entry per bad field), applied to the row, and each change written to the changelog."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.errors import TwinError
from twins.jira import config, render
from twins.jira.markup import check_document, from_wiki, with_source
from twins.jira.models import next_id
from twins.jira.render import Site

NAMED = {"priority": config.PRIORITIES, "resolution": config.RESOLUTIONS}
SETTABLE = {
    "summary",
    "description",
    "environment",
    "issuetype",
    "priority",
    "labels",
    "assignee",
    "reporter",
    "components",
    "fixVersions",
    "versions",
    "duedate",
    "parent",
    "project",
    "resolution",
}
CUSTOM = {c[0]: c for c in config.CUSTOM_FIELDS}
LIST_FIELDS = {
    "labels": "labels",
    "components": "components",
    "fixVersions": "fix_versions",
    "versions": "versions",
}


class FieldErrors(TwinError):
    """A 400 with Jira's `errors` object (one message per field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("", code="bad_request", status=400, errors=errors)


def _ref(value: Any) -> tuple[str | None, str | None]:
    """(id, name-or-key) of a `{"id": …}`, `{"name": …}` or `{"key": …}` reference."""
    if isinstance(value, dict):
        ident = value.get("id")
        return (str(ident) if ident is not None else None), value.get("name") or value.get(
            "key"
        ) or value.get("value")
    if isinstance(value, str):
        return None, value
    return None, None


class Writer:
    """Reads field values for one issue write, collecting errors instead of stopping at the first."""

    def __init__(self, site: Site, state: TenantState, project: Row | None) -> None:
        self.site, self.state, self.project = site, state, project
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def text_doc(self, field: str, value: Any) -> dict[str, Any] | None:
        if value is None or value == "":
            return None
        if self.site.v3:
            problem = check_document(value)
            if problem:
                self.fail(field, problem)
                return None
            return dict(value)
        if not isinstance(value, str):
            self.fail(field, "Operation value must be a string")
            return None
        return with_source(from_wiki(value), value)

    def named(self, field: str, value: Any, table: list[tuple[str, ...]], label: str) -> str | None:
        if value is None:
            return None
        ident, name = _ref(value)
        for row in table:
            if ident == row[0] or (name is not None and name.lower() == row[1].lower()):
                return row[0]
        self.fail(field, f"The {label} selected is invalid.")
        return None

    def issue_type(self, value: Any) -> str | None:
        if value is None:
            self.fail("issuetype", "Specify an issue type")
            return None
        table: list[tuple[str, ...]] = [t[:2] for t in config.ISSUE_TYPES]
        if self.project:  # a team-managed project's own types come first: a name means those
            table = [(t, render.TYPE[t][1]) for t in self.project["issue_types"]] + table
        found = self.named("issuetype", value, table, "issue type")
        if found and self.project and found not in self.project["issue_types"]:
            self.fail("issuetype", "The issue type selected is invalid.")
            return None
        return found

    def person(self, field: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, dict):
            ident = value.get("accountId") or value.get("id")
            if ident is None and "accountId" in value:
                return None
        else:
            ident = value if isinstance(value, str) else None
        row = self.state["jira_users"].get(str(ident)) if ident else None
        if row is None:
            self.fail(field, f"Specify a valid value for {field}")
            return None
        return str(row["account_id"])

    def labels(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail("labels", "Operation value must be an array of strings")
            return []
        for label in value:
            if re.search(r"\s", label):
                self.fail("labels", f"The label '{label}' contains spaces which is invalid.")
        return list(dict.fromkeys(value))

    def members(self, field: str, value: Any, collection: str) -> list[str]:
        if not isinstance(value, list):
            self.fail(field, "Operation value must be an array")
            return []
        project_id = self.project["id"] if self.project else None
        rows = [r for r in self.state[collection] if r["project_id"] == project_id]
        out: list[str] = []
        for item in value:
            ident, name = _ref(item)
            match = next((r for r in rows if r["id"] == ident or (name and r["name"] == name)), None)
            if match is None:
                label = "Component" if collection == "jira_components" else "Version"
                self.fail(field, f"{label} name '{name or ident}' is not valid")
            else:
                out.append(match["id"])
        return out

    def due(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            self.fail("duedate", f"Error parsing date string: {value}")
            return None

    def parent(self, value: Any) -> str | None:
        if value is None:
            return None
        ident, key = _ref(value)
        issues = self.state["jira_issues"]
        row = issues.get(ident) if ident else issues.by("key", str(key).upper()) if key else None
        if row is None:
            self.fail("parent", "Could not find issue by id or key.")
            return None
        return str(row["id"])

    def custom(self, field: str, value: Any) -> Any:
        _ident, _name, _kind, schema_type, options = CUSTOM[field]
        if value is None:
            return None
        if schema_type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(field, "Operation value must be a number")
                return None
            return value
        if schema_type == "string":
            if not isinstance(value, str):
                self.fail(field, "Operation value must be a string")
                return None
            return value
        if schema_type == "option":
            opt_id, opt_name = _ref(value)
            for i, option in enumerate(options):
                if opt_name == option or opt_id == str(10100 + i):
                    return {"id": str(10100 + i), "value": option}
            self.fail(field, f"Option value '{opt_name or opt_id}' is not valid")
            return None
        return value

    def values(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Row changes for the `fields` of a create or an edit."""
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name in ("project", "issuetype"):
                continue
            if name == "summary":
                if not isinstance(value, str) or not value.strip():
                    self.fail("summary", "You must specify a summary of the issue.")
                elif len(value) > 255:
                    self.fail("summary", "Summary must be less than 255 characters.")
                else:
                    out["summary"] = value.strip()
            elif name in ("description", "environment"):
                out[name] = self.text_doc(name, value)
            elif name == "priority":
                out["priority_id"] = self.named(name, value, [p[:2] for p in config.PRIORITIES], "priority")
            elif name == "resolution":
                out["resolution_id"] = self.named(
                    name, value, [r[:2] for r in config.RESOLUTIONS], "resolution"
                )
            elif name in ("assignee", "reporter"):
                out[name] = self.person(name, value)
            elif name == "labels":
                out["labels"] = self.labels(value)
            elif name == "components":
                out["components"] = self.members(name, value, "jira_components")
            elif name in ("fixVersions", "versions"):
                out[LIST_FIELDS[name]] = self.members(name, value, "jira_versions")
            elif name == "duedate":
                out["duedate"] = self.due(value)
            elif name == "parent":
                out["parent_id"] = self.parent(value)
            elif name in CUSTOM:
                out.setdefault("custom", {})[name] = self.custom(name, value)
            else:
                self.fail(
                    name, f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
                )
        return out

    def check(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


def find_project(state: TenantState, value: Any) -> Row | None:
    ident, key = _ref(value)
    projects = state["jira_projects"]
    if ident:
        return projects.get(ident)
    return projects.by("key", str(key).upper()) if key else None


def record_changes(state: TenantState, before: Row, after: Row, author: str, now: float) -> str | None:
    """A changelog entry for what differs between two versions of an issue (none if nothing
    does); its id."""
    items = []
    for column, field_id, label in (
        ("summary", "summary", "summary"),
        ("status_id", "status", "status"),
        ("assignee", "assignee", "assignee"),
        ("priority_id", "priority", "priority"),
        ("resolution_id", "resolution", "resolution"),
        ("labels", "labels", "labels"),
        ("duedate", "duedate", "duedate"),
        ("type_id", "issuetype", "issuetype"),
    ):
        old, new = before.get(column), after.get(column)
        if old == new:
            continue
        items.append(
            {
                "field": label,
                "fieldtype": "jira",
                "fieldId": field_id,
                "from": _raw(column, old),
                "fromString": _shown(state, column, old),
                "to": _raw(column, new),
                "toString": _shown(state, column, new),
            }
        )
    if before.get("description") != after.get("description"):
        items.append(
            {
                "field": "description",
                "fieldtype": "jira",
                "fieldId": "description",
                "from": None,
                "fromString": None,
                "to": None,
                "toString": None,
            }
        )
    if not items:
        return None
    change_id = next_id(state, "change")
    row = {"id": change_id, "issue_id": after["id"], "author": author, "created": now, "items": items}
    state["jira_changes"].insert(row)
    return change_id


def _raw(column: str, value: Any) -> Any:
    if column in ("summary", "labels", "duedate"):
        return None
    return value


def _shown(state: TenantState, column: str, value: Any) -> str | None:
    if value is None:
        return None
    if column == "labels":
        return " ".join(value)
    if column == "status_id":
        return str(render.STATUS[value][1])
    if column == "priority_id":
        return str(render.PRIORITY[value][1])
    if column == "resolution_id":
        return str(render.RESOLUTION[value][1])
    if column == "type_id":
        return str(render.TYPE[value][1])
    if column == "assignee":
        user = state["jira_users"].get(value)
        return str(user["display_name"]) if user else str(value)
    return str(value)
