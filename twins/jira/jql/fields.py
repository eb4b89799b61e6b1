"""Jira's system fields as JQL sees them: clause names, document keys, kinds and operators."""

from __future__ import annotations

import re

from twins.jira.jql.site import FieldDef, Kind

_SYSTEM: list[tuple[tuple[str, ...], FieldDef]] = [
    (("project",), FieldDef("project", Kind.REF)),
    (("issuetype", "type"), FieldDef("issuetype", Kind.REF, empty_ok=False)),
    (("status",), FieldDef("status", Kind.REF, history=True, empty_ok=False)),
    (("statuscategory",), FieldDef("statusCategory", Kind.REF, empty_ok=False)),
    (("priority",), FieldDef("priority", Kind.REF, ordered=True, history=True)),
    (("resolution",), FieldDef("resolution", Kind.REF, history=True)),
    (("assignee",), FieldDef("assignee", Kind.USER, history=True)),
    (("reporter",), FieldDef("reporter", Kind.USER, history=True)),
    (("creator",), FieldDef("creator", Kind.USER)),
    (("watcher",), FieldDef("watcher", Kind.USER, multi=True, sortable=False)),
    (("labels",), FieldDef("labels", Kind.LABELS, multi=True)),
    (("component",), FieldDef("component", Kind.REF, multi=True)),
    (("fixversion",), FieldDef("fixVersion", Kind.REF, multi=True, history=True)),
    (("affectedversion",), FieldDef("affectedVersion", Kind.REF, multi=True)),
    (("sprint",), FieldDef("sprint", Kind.REF, multi=True)),
    (("parent",), FieldDef("parent", Kind.ISSUE, sortable=False)),
    (("key", "issuekey", "id", "issue"), FieldDef("key", Kind.ISSUE, empty_ok=False)),
    (("summary",), FieldDef("summary", Kind.TEXT)),
    (("description",), FieldDef("description", Kind.TEXT, sortable=False)),
    (("environment",), FieldDef("environment", Kind.TEXT, sortable=False)),
    (("comment",), FieldDef("comment", Kind.TEXT, sortable=False, multi=True)),
    (("text",), FieldDef("text", Kind.TEXT, sortable=False)),
    (("created", "createddate"), FieldDef("created", Kind.DATETIME, empty_ok=False)),
    (("updated", "updateddate"), FieldDef("updated", Kind.DATETIME, empty_ok=False)),
    (("resolved", "resolutiondate"), FieldDef("resolutiondate", Kind.DATETIME)),
    (("due", "duedate"), FieldDef("duedate", Kind.DATE)),
]

SYSTEM_FIELDS: dict[str, FieldDef] = {name: field for names, field in _SYSTEM for name in names}
_CF = re.compile(r"^cf\[(\d+)\]$", re.IGNORECASE)


def custom_field_key(clause_name: str) -> str | None:
    """`customfield_10010` for `cf[10010]` (and for `customfield_10010` itself), else None."""
    match = _CF.match(clause_name.strip())
    if match:
        return f"customfield_{match.group(1)}"
    lowered = clause_name.strip().lower()
    return lowered if re.fullmatch(r"customfield_\d+", lowered) else None


def custom_kind(schema_custom: str, schema_type: str) -> Kind:
    """The JQL kind of a custom field from its `schema.custom` and `schema.type`."""
    tail = schema_custom.rsplit(":", 1)[-1]
    if tail in ("textarea", "textfield", "url", "gh-epic-label"):
        return Kind.TEXT
    if tail == "labels":
        return Kind.LABELS
    if schema_type == "number":
        return Kind.NUMBER
    if schema_type == "date":
        return Kind.DATE
    if schema_type == "datetime":
        return Kind.DATETIME
    if schema_type == "user" or tail in ("userpicker", "multiuserpicker"):
        return Kind.USER
    return Kind.REF  # selects, radios, checkboxes, cascading: options by id or value
