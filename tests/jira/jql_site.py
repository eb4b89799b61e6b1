"""A small Jira site for JQL tests: two projects, four people, eight issues with history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from twins.jira.jql import Change, FieldDef, Kind
from twins.jira.jql.memory import MemorySite

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # a Wednesday
USERS = {  # account id: (display name, e-mail)
    "5b10a0000000000000000001": ("Alice Adams", "alice@example.com"),
    "5b10a0000000000000000002": ("Bob Brown", "bob@example.com"),
    "5b10a0000000000000000003": ("Carol Chen", "carol@example.com"),
    "5b10a0000000000000000004": ("Dave Diaz", "dave@example.com"),
}
ALICE, BOB, CAROL, DAVE = USERS
TODO, PROGRESS, REVIEW, DONE = "1", "3", "10001", "10002"


def at(day: str, clock: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+00:00")


def site() -> MemorySite:
    s = MemorySite(now=NOW, current_user=ALICE)
    s.refs["project"].add("10000", ["ABC", "10000", "Alpha Backend Core"], "Alpha Backend Core")
    s.refs["project"].add("10100", ["XYZ", "10100", "Xylophone HR"], "Xylophone HR")
    for ident, name in (("10004", "Bug"), ("10005", "Story"), ("10006", "Task")):
        s.refs["issuetype"].add(ident, [ident, name], name)
    for rank, (ident, name) in enumerate(
        ((TODO, "To Do"), (PROGRESS, "In Progress"), (REVIEW, "In Review"), (DONE, "Done"))
    ):
        s.refs["status"].add(ident, [ident, name], rank)
    for ident, key, name in (
        ("2", "new", "To Do"),
        ("4", "indeterminate", "In Progress"),
        ("3", "done", "Done"),
    ):
        s.refs["statusCategory"].add(key, [ident, key, name], int(ident))
    for ident, name in enumerate(("Highest", "High", "Medium", "Low", "Lowest"), start=1):
        s.refs["priority"].add(str(ident), [str(ident), name], -ident)  # higher priority ranks higher
    s.refs["resolution"].add("10000", ["10000", "Done"], "Done")
    s.refs["resolution"].add("10001", ["10001", "Won't Do"], "Won't Do")
    s.refs["component"].add("10200", ["10200", "API"], "API")
    s.refs["component"].add("10201", ["10201", "UI"], "UI")
    s.refs["fixVersion"].add("10300", ["10300", "1.0"], 0)
    s.refs["fixVersion"].add("10301", ["10301", "1.1"], 1)
    for ident, state in ((1, "closed"), (2, "active"), (3, "future")):
        s.refs["sprint"].add(ident, [str(ident), f"Sprint {ident}"], ident)
        s.sprint_states[ident] = state
    for account, (name, email) in USERS.items():
        s.users.add(account, [account, name, email], name)
    s.groups = {"developers": [ALICE, BOB], "hr-team": [DAVE]}
    s.custom["customfield_10010"] = FieldDef("customfield_10010", Kind.NUMBER)
    s.custom["customfield_10020"] = FieldDef("customfield_10020", Kind.REF)
    s.custom_names = {"story points": "customfield_10010", "team": "customfield_10020"}
    s.refs["customfield_10020"].add("11000", ["11000", "Platform"], "Platform")
    s.refs["customfield_10020"].add("11001", ["11001", "Web"], "Web")
    for ident, doc in ISSUES.items():
        s.put(ident, doc)
    return s


def issue(key: str, **fields: Any) -> dict[str, Any]:
    project, number = key.split("-")
    doc: dict[str, Any] = {
        "key": (project, int(number)),
        "project": "10000" if project == "ABC" else "10100",
        "statusCategory": None,
        "labels": [],
        "_history": [],
    }
    doc.update(fields)
    category = {TODO: "new", PROGRESS: "indeterminate", REVIEW: "indeterminate", DONE: "done"}
    doc["statusCategory"] = category[doc["status"]]
    return doc


def status_change(before: str, after: str, when: datetime, by: str) -> Change:
    return Change("status", before, after, when, by)


ISSUES: dict[str, dict[str, Any]] = {
    "10001": issue(
        "ABC-1", issuetype="10004", status=DONE, priority="2", resolution="10000", assignee=ALICE,
        reporter=BOB, labels=["backend", "urgent"], summary="Login fails with SSO",
        description="Users cannot log in when SSO is enabled", comment=["Fixed in build 42"],
        created=at("2026-01-05", "09:00"), updated=at("2026-03-01", "10:00"),
        resolutiondate=at("2026-03-01", "10:00"), duedate=date(2026, 2, 1), component=["10200"],
        fixVersion=["10300"], sprint=[1], customfield_10020="11000",
        _history=[
            Change("assignee", None, ALICE, at("2026-01-06"), BOB),
            status_change(TODO, PROGRESS, at("2026-01-10"), ALICE),
            status_change(PROGRESS, DONE, at("2026-03-01", "10:00"), ALICE),
        ],
    ),
    "10002": issue(
        "ABC-2", issuetype="10005", status=TODO, priority="3", assignee=BOB, reporter=ALICE,
        labels=["frontend"], summary="Add dark mode to settings page",
        description="Customers asked for dark mode", created=at("2026-02-10", "10:00"),
        updated=at("2026-03-17", "10:00"), duedate=date(2026, 3, 20), component=["10201"], sprint=[2],
        customfield_10010=5.0, customfield_10020="11001",
    ),
    "10003": issue(
        "ABC-3", issuetype="10004", status=PROGRESS, priority="1", reporter=CAROL,
        summary="Crash when uploading large files", description="Upload over 2GB crashes the server",
        created=at("2026-03-17", "08:00"), updated=at("2026-03-18", "09:00"),
        component=["10200", "10201"], sprint=[2], customfield_10020="11000",
        _history=[status_change(TODO, PROGRESS, at("2026-03-18", "09:00"), CAROL)],
    ),
    "10004": issue(
        "ABC-4", issuetype="10006", status=REVIEW, priority="4", assignee=CAROL, reporter=CAROL,
        labels=["backend"], summary="Refactor token refresh", description="",
        created=at("2025-12-20", "15:00"), updated=at("2026-01-15"), duedate=date(2026, 1, 10),
        fixVersion=["10301"], sprint=[3],
        _history=[
            status_change(TODO, PROGRESS, at("2026-01-02"), CAROL),
            Change("assignee", BOB, CAROL, at("2026-01-03"), ALICE),
            status_change(PROGRESS, REVIEW, at("2026-01-15"), CAROL),
        ],
    ),
    "10005": issue(
        "ABC-5", issuetype="10005", status=DONE, priority="5", resolution="10001", assignee=ALICE,
        reporter=BOB, labels=["frontend", "urgent"], summary="Fixes for mobile layout",
        description="Several layout fixes on mobile", created=at("2026-02-01"),
        updated=at("2026-02-20"), resolutiondate=at("2026-02-20"), customfield_10010=3.0,
        _history=[status_change(TODO, DONE, at("2026-02-20"), BOB)],
    ),
    "10101": issue(
        "XYZ-1", issuetype="10006", status=TODO, priority="3", assignee=DAVE, reporter=ALICE,
        labels=["hr"], summary="Onboarding checklist for new hires",
        comment=["Please include laptop setup"], created=at("2026-03-10", "14:00"),
        updated=at("2026-03-10", "14:00"), duedate=date(2026, 3, 18),
    ),
    "10102": issue(
        "XYZ-2", issuetype="10006", status=DONE, priority="2", resolution="10000", assignee=ALICE,
        reporter=DAVE, summary="Order laptops", description="Order 5 laptops for the sales team",
        created=at("2026-01-20", "11:00"), updated=at("2026-02-02"), resolutiondate=at("2026-02-02"),
        _history=[status_change(TODO, DONE, at("2026-02-02"), ALICE)],
    ),
    "10103": issue(
        "XYZ-3", issuetype="10006", status=PROGRESS, priority="3", assignee=BOB, reporter=BOB,
        labels=["hr", "urgent"], summary="Update holiday policy", created=at("2026-03-18", "11:00"),
        updated=at("2026-03-18", "11:30"),
        _history=[status_change(TODO, PROGRESS, at("2026-03-18", "11:30"), BOB)],
    ),
}  # fmt: skip


def key_of(site: MemorySite, issue_id: str) -> str:
    project, number = site.docs[issue_id]["key"]
    return f"{project}-{number}"
