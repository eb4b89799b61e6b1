"""Random JQL, well-formed or not, gets a result or a JqlError: never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.jira.jql_site import site
from twins.jira.jql import JqlError, search

SITE = site()
PIECES = [
    "project", "status", "assignee", "labels", "priority", "created", "due", "summary", "text",
    "cf[10010]", "Team", "key", "sprint", "resolution", "statusCategory", "comment", "issuetype",
    "=", "!=", ">", ">=", "<", "<=", "~", "!~", "IN", "NOT IN", "IS", "IS NOT", "WAS", "WAS NOT IN",
    "CHANGED", "FROM", "TO", "BY", "AFTER", "BEFORE", "ON", "DURING", "AND", "OR", "NOT", "!", "&&", "||",
    "(", ")", ",", "EMPTY", "NULL", "ORDER BY", "ASC", "DESC", "ABC", "XYZ", "Done", '"In Progress"',
    "ABC-1", "10001", "-1d", '"-2w 1d"', "2026-01-01", "currentUser()", "membersOf(developers)",
    "startOfDay(-1)", "endOfMonth()", "openSprints()", "now()", "'x", '"', "\\", "%", "@", "*", "cf[",
    "urgent", "High", "5", "1.0", "order", "select", "foo()", "99999999999999999999", '"-99999999y"',
    "startOfDay(99999999999)", "endOfYear(7973)", '"+9999999999d"', "1e400", "nan",
]  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_token_soup_never_crashes(pieces: list[str]) -> None:
    try:
        result = search(" ".join(pieces), SITE)
    except JqlError as exc:
        assert exc.message
    else:
        assert isinstance(result, list)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_any_text_never_crashes(text: str) -> None:
    try:
        search(text, SITE)
    except JqlError as exc:
        assert exc.message
