"""The default Jira site: an admin and a team, a software and a business project with their
components and versions, and a few dozen issues with comments and history."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import TenantState
from twins.jira import config
from twins.jira.markup import from_plain
from twins.jira.models import next_id

PEOPLE = [  # display name, e-mail, groups
    ("Ada Admin", "admin@example.com", ["site-admins", "jira-administrators", "jira-software-users"]),
    ("Ben Baker", "ben@example.com", ["jira-software-users", "developers"]),
    ("Chloe Chen", "chloe@example.com", ["jira-software-users", "developers"]),
    ("Dev Desai", "dev@example.com", ["jira-software-users", "developers"]),
    ("Erin Evans", "erin@example.com", ["jira-software-users", "operations"]),
    ("Femi Fox", "femi@example.com", ["jira-software-users", "operations"]),
]
SUMMARIES = [
    "Login page times out behind the corporate proxy",
    "Add dark mode to the settings page",
    "Crash when uploading files larger than 2 GB",
    "Refactor the token refresh logic",
    "Export reports as CSV",
    "Search results ignore the archived filter",
    "Upgrade the database driver",
    "Mobile layout breaks on narrow screens",
    "Document the public REST API",
    "Rate limit the login endpoint",
    "Onboarding checklist for new hires",
    "Order laptops for the sales team",
    "Update the holiday policy",
    "Renew the office lease",
    "Plan the quarterly all-hands",
    "Audit software licences",
]
COMMENTS = [
    "I can reproduce this on staging.",
    "Fixed in the latest build, please verify.",
    "Blocked until the vendor answers.",
    "Looks good to me.",
]


def seed(state: TenantState, size: int) -> None:
    """The site: `size` scales the number of issues (a few dozen at the default)."""
    people = []
    for i, (name, email, groups) in enumerate(PEOPLE):
        account = "5b10a2844c20165700ede2" + f"{i:02d}"
        state["jira_users"].insert(
            {"account_id": account, "email": email, "display_name": name, "groups": groups}
        )
        people.append(account)
    admin = people[0]
    all_scopes = [
        "read:jira-user",
        "read:jira-work",
        "write:jira-work",
        "manage:jira-project",
        "manage:jira-configuration",
        "manage:jira-webhook",
    ]
    state["jira_tokens"].insert(
        {
            "token": "ATATT3x" + state.ids.hex("jira-admin-token", 40),
            "account_id": admin,
            "email": PEOPLE[0][1],
            "scopes": all_scopes,
        }
    )
    state["jira_tokens"].insert(
        {
            "token": "ATATT3x" + state.ids.hex("jira-ben-token", 40),
            "account_id": people[1],
            "email": PEOPLE[1][1],
            "scopes": ["read:jira-work", "read:jira-user"],
        }
    )
    for _, name, inward, outward in config.LINK_TYPES:
        state["jira_link_types"].insert(
            {"id": next_id(state, "link_type"), "name": name, "inward": inward, "outward": outward}
        )
    software = _project(
        state, "APP", "Apollo App", "software", admin, ["10001", "10002", "10003", "10004", "10005"]
    )
    business = _project(state, "OPS", "Operations", "business", people[4], ["10001", "10005"])
    for name in ("Backend", "Frontend", "Mobile"):
        state["jira_components"].insert(
            {"id": next_id(state, "component"), "project_id": software, "name": name}
        )
    for name, released in (("1.0", True), ("1.1", False), ("2.0", False)):
        state["jira_versions"].insert(
            {"id": next_id(state, "version"), "project_id": software, "name": name, "released": released}
        )
    board = next_id(state, "board")
    state["jira_boards"].insert({"id": board, "name": "APP board", "type": "scrum", "project_id": software})
    day = 86400.0
    now = state.clock.now()
    for name, status, begin in (
        ("APP Sprint 1", "closed", -28),
        ("APP Sprint 2", "active", -7),
        ("APP Sprint 3", "future", 7),
    ):
        state["jira_sprints"].insert({
            "id": next_id(state, "sprint"), "board_id": board, "name": name, "state": status,
            "start": now + begin * day if status != "future" else None,
            "end": now + (begin + 14) * day if status != "future" else None,
            "completed": now + (begin + 14) * day if status == "closed" else None, "created": now - 30 * day,
        })  # fmt: skip
    count = max(4, 2 * max(size, 1) + 16)
    start = state.clock.now() - 86400 * 40
    for n in range(count):
        project = software if n % 3 else business
        _issue(state, project, n, people, start + n * 3600 * 20)


def _project(state: TenantState, key: str, name: str, kind: str, lead: str, types: list[str]) -> str:
    ident = next_id(state, "project")
    state["jira_projects"].insert(
        {
            "id": ident,
            "key": key,
            "name": name,
            "project_type": kind,
            "lead": lead,
            "description": f"The {name} project.",
            "issue_types": types,
        }
    )
    return ident


def _issue(state: TenantState, project_id: str, n: int, people: list[str], created: float) -> None:
    project = state["jira_projects"].get(project_id)
    assert project is not None
    number = project["next_number"]
    state["jira_projects"].update(project_id, next_number=number + 1)
    software = project["project_type"] == "software"
    statuses = config.WORKFLOW_STATUSES[project["project_type"]]
    status = statuses[n % len(statuses)]
    done = status == "10002"
    issue_id = next_id(state, "issue")
    components = [c["id"] for c in state["jira_components"].where("project_id", project_id)]
    row: dict[str, Any] = {
        "id": issue_id,
        "key": f"{project['key']}-{number}",
        "project_id": project_id,
        "number": number,
        "type_id": (["10002", "10003", "10001"][n % 3]) if software else "10001",
        "summary": SUMMARIES[n % len(SUMMARIES)]
        + ("" if n < len(SUMMARIES) else f" ({n // len(SUMMARIES) + 1})"),
        "description": from_plain(f"Details of item {n}.\n\nSteps and notes go here."),
        "status_id": status,
        "priority_id": str(1 + n % 5),
        "resolution_id": "10000" if done else None,
        "resolved": created + 7200 if done else None,
        "assignee": people[1 + n % (len(people) - 1)] if n % 4 else None,
        "reporter": people[n % len(people)],
        "creator": people[n % len(people)],
        "labels": [["backend"], ["frontend", "ux"], [], ["urgent"]][n % 4],
        "components": [components[n % len(components)]] if components and n % 2 else [],
        "duedate": None,
        "created": created,
        "updated": created + 3600,
        "status_changed": created + 3600,
        "custom": {"customfield_10016": float(1 + n % 8), "customfield_10020": [1 + n % 3] if n % 4 else None}
        if software
        else {},
    }
    state["jira_issues"].insert(row)
    if status != statuses[0]:
        state["jira_changes"].insert(
            {
                "id": next_id(state, "change"),
                "issue_id": issue_id,
                "author": row["reporter"],
                "created": created + 3600,
                "items": [
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "fieldId": "status",
                        "from": statuses[0],
                        "fromString": _name(statuses[0]),
                        "to": status,
                        "toString": _name(status),
                    }
                ],
            }
        )
    if n % 2 == 0:
        state["jira_comments"].insert(
            {
                "id": next_id(state, "comment"),
                "issue_id": issue_id,
                "author": people[(n + 1) % len(people)],
                "body": from_plain(COMMENTS[n % 4]),
                "created": created + 1800,
                "updated": created + 1800,
            }
        )


def _name(status_id: str) -> str:
    return next(s[1] for s in config.STATUSES if s[0] == status_id)


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    """The site URL and the admin's e-mail and API token (Basic auth: e-mail:token)."""
    admin = next(iter(state["jira_users"]), None)
    token = next((t for t in state["jira_tokens"] if admin and t["account_id"] == admin["account_id"]), None)
    return {
        "site_url": base_url,
        "email": admin["email"] if admin else "",
        "api_token": token["token"] if token else "",
        "account_id": admin["account_id"] if admin else "",
    }


def env(url: str, creds: dict[str, Any]) -> dict[str, str]:
    return {
        "JIRA_URL": url,
        "JIRA_EMAIL": str(creds.get("email", "")),
        "JIRA_API_TOKEN": str(creds.get("api_token", "")),
    }
