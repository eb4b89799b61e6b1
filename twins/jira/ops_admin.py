"""Site administration: create a user, create a project (what an admin, or a test harness, sets up)."""

from __future__ import annotations

import re
from typing import Any

from twins.jira import render
from twins.jira.auth import registry
from twins.jira.issue_write import FieldErrors
from twins.jira.models import next_id
from twins.jira.ops_site import site_of
from twins.kit import Call

site_admin = registry("site-admin")
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
ISSUE_TYPES = {"software": ["10001", "10002", "10003", "10004", "10005"], "business": ["10001", "10005"]}
NEW_USER_GROUPS = ["jira-software-users"]


@site_admin.operation("POST", "/user", scope="manage:jira-configuration", write=True, status=201)
def create_user(call: Call) -> dict[str, Any] | None:
    """A new user with the e-mail address; Jira refuses an address another user has."""
    body = call.require_body()
    email = body.text("emailAddress").strip()
    if not email or "@" not in email:
        raise FieldErrors({"emailAddress": "You must specify a valid email address."})
    users = call.state["jira_users"]
    if any(u["email"].lower() == email.lower() for u in users):
        raise FieldErrors({"emailAddress": "A user with that email address already exists."})
    name = body.text("displayName").strip() or email.split("@")[0]
    account = "712020:" + call.state.ids.uuid("jira-account")
    row = users.insert(
        {"account_id": account, "email": email, "display_name": name, "groups": list(NEW_USER_GROUPS)}
    )
    return render.user(site_of(call), row)


@site_admin.operation("POST", "/project", scope="manage:jira-project", write=True, status=201)
def create_project(call: Call) -> dict[str, Any]:
    """A new project (key, name, type, lead); `errors` names a taken or malformed key or name."""
    body = call.require_body()
    key = body.text("key").strip()
    name = body.text("name").strip()
    kind = body.text("projectTypeKey", "software")
    lead = body.text("leadAccountId")
    projects = call.state["jira_projects"]
    errors: dict[str, str] = {}
    if not PROJECT_KEY.match(key):
        errors["projectKey"] = (
            "Project keys must start with an uppercase letter, followed by one or more uppercase "
            "alphanumeric characters."
        )
    elif projects.by("key", key) is not None:
        errors["projectKey"] = f"Project '{key}' uses this project key."
    if not name:
        errors["projectName"] = "You must specify a valid project name."
    elif any(p["name"].lower() == name.lower() for p in projects):
        errors["projectName"] = "A project with that name already exists."
    if kind not in ISSUE_TYPES:
        errors["projectTypeKey"] = f"The project type '{kind}' is not valid."
    if not lead or call.state["jira_users"].get(lead) is None:
        errors["projectLead"] = "The project lead must be a valid user."
    if errors:
        raise FieldErrors(errors)
    ident = next_id(call.state, "project")
    projects.insert(
        {
            "id": ident,
            "key": key,
            "name": name,
            "project_type": kind,
            "lead": lead,
            "description": body.text("description"),
            "issue_types": list(ISSUE_TYPES[kind]),
        }
    )
    return {"self": f"{site_of(call).api}/project/{ident}", "id": int(ident), "key": key}
