"""Workflows: which transitions an issue has, and what taking one does."""

from __future__ import annotations

from twins._runtime.collection import Row, TenantState
from twins.jira import config


def workflow_of(state: TenantState, row: Row) -> list[config.Transition]:
    project = state["jira_projects"].get(row["project_id"])
    kind = project["project_type"] if project else "software"
    return config.WORKFLOWS.get(kind, config.WORKFLOWS["software"])


def available(state: TenantState, row: Row) -> list[config.Transition]:
    """The transitions the issue's status allows, in workflow order (not the one to itself)."""
    status = row["status_id"]
    return [t for t in workflow_of(state, row) if (not t.sources or status in t.sources) and t.to != status]


def initial_status(project: Row) -> str:
    return config.WORKFLOW_STATUSES.get(project["project_type"], config.WORKFLOW_STATUSES["software"])[0]
