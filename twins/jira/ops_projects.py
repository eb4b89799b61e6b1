"""Creating a project: its key, name, type and lead, checked as Jira checks them."""

from __future__ import annotations

import re
from typing import Any

from twins.jira import config
from twins.jira.auth import registry
from twins.jira.issue_write import FieldErrors
from twins.jira.models import next_id
from twins.jira.ops_site import site_of
from twins.kit import Call

projects = registry("projects")
KEY = re.compile(r"^[A-Z][A-Z0-9_]+$")
# The issue types a new project of each type offers (the twin's two workflows).
ISSUE_TYPES = {
    "software": [t[0] for t in config.ISSUE_TYPES],
    "business": [t[0] for t in config.ISSUE_TYPES if t[1] in ("Task", "Subtask")],
}

# Templates of team-managed (next-gen) software projects; every other template is company-managed.
TEAM_MANAGED = frozenset(
    {
        "com.pyxis.greenhopper.jira:gh-simplified-agility-kanban",
        "com.pyxis.greenhopper.jira:gh-simplified-agility-scrum",
    }
)


def _key_error(call: Call, key: str) -> str | None:
    if not key:
        return (
            "You must specify a unique project key, at least 2 characters long, containing only "
            "uppercase letters."
        )
    if len(key) > 10:
        return "The project key must not exceed 10 characters in length."
    if not KEY.match(key):
        return (
            "Project keys must start with an uppercase letter, followed by one or more uppercase "
            "alphanumeric characters."
        )
    taken = call.state["jira_projects"].by("key", key)
    return f"Project '{taken['name']}' uses this project key." if taken else None


@projects.operation("POST", "/project", scope="manage:jira-project", write=True, status=201)
def create_project(call: Call) -> dict[str, Any]:
    """A project of type `software` or `business` with the twin's workflow for that type; 201 with
    its `self`, numeric `id` and `key`. Every bad field is named in `errors`. A team-managed
    template (`gh-simplified-agility-kanban` or `-scrum`) makes a team-managed software project,
    whose issue types are its own."""
    body = call.require_body()
    key, name = body.text("key").strip(), body.text("name").strip()
    kind = body.text("projectTypeKey").strip()
    template = body.text("projectTemplateKey")
    if not kind:
        kind = "business" if "jira-core" in template or "business" in template else "software"
    team = template in TEAM_MANAGED
    lead = body.text("leadAccountId") or body.text("lead")
    errors: dict[str, str] = {}
    key_error = _key_error(call, key)
    if key_error:
        errors["projectKey"] = key_error
    if not name:
        errors["projectName"] = "You must specify a valid project name."
    elif len(name) > 80:
        errors["projectName"] = "The project name must not exceed 80 characters in length."
    elif any(p["name"].lower() == name.lower() for p in call.state["jira_projects"]):
        errors["projectName"] = "A project with that name already exists."
    if kind not in ISSUE_TYPES:
        errors["projectTypeKey"] = f"The project type '{kind}' is not available on this site."
    if not lead or call.state["jira_users"].get(lead) is None:
        errors["projectLead"] = "You must specify a valid project lead."
    if errors:
        raise FieldErrors(errors)
    if team and kind != "software":
        errors["projectTemplateKey"] = "The project template does not match the project type."
        raise FieldErrors(errors)
    ident = next_id(call.state, "project")
    types = ISSUE_TYPES[kind]
    if team:  # a team-managed project: issue types of its own, copies of the site's
        types = [config.scoped_type_id(ident, t) for t in types]
    call.state["jira_projects"].insert(
        {
            "id": ident,
            "key": key,
            "name": name,
            "project_type": kind,
            "lead": lead,
            "description": body.text("description"),
            "issue_types": types,
        }
    )
    return {"self": f"{site_of(call).api}/project/{ident}", "id": int(ident), "key": key}
