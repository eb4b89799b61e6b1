"""Site administration: create a user (what an admin, or a test harness, sets up). Projects are
created in `ops_projects`."""

from __future__ import annotations

import re
from typing import Any

from twins.jira import render
from twins.jira.auth import registry
from twins.jira.issue_write import FieldErrors
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
