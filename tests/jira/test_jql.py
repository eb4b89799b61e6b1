# ruff: noqa: E501  (the expected messages are kept whole, one per line)
"""JQL against a small site: every row's expected keys were worked out by hand from jql_site."""

from __future__ import annotations

import pytest

from tests.jira.jql_site import key_of, site
from twins.jira.jql import JqlError, SortKey, evaluate, search

ABC = "ABC-1 ABC-2 ABC-3 ABC-4 ABC-5"
XYZ = "XYZ-1 XYZ-2 XYZ-3"
ALL = f"{ABC} {XYZ}"
NOT_DONE = "ABC-2 ABC-3 ABC-4 XYZ-1 XYZ-3"

# (query, expected keys): a set unless the query has ORDER BY, then the exact order.
QUERIES: list[tuple[str, str]] = [
    # project
    ("project = ABC", ABC),
    ('project = "Alpha Backend Core"', ABC),
    ("project = 10100", XYZ),
    ("project in (ABC, XYZ)", ALL),
    ("project != ABC", XYZ),
    ("project not in (XYZ)", ABC),
    ("PROJECT = abc", ABC),
    ("project is not EMPTY", ALL),
    # issue type
    ("issuetype = Bug", "ABC-1 ABC-3"),
    ("type = Story", "ABC-2 ABC-5"),
    ("issuetype in (Bug, Story)", "ABC-1 ABC-2 ABC-3 ABC-5"),
    ("issuetype != Task", "ABC-1 ABC-2 ABC-3 ABC-5"),
    ("issuetype = 10006", "ABC-4 XYZ-1 XYZ-2 XYZ-3"),
    # status and status category
    ("status = Done", "ABC-1 ABC-5 XYZ-2"),
    ('status = "In Progress"', "ABC-3 XYZ-3"),
    ("status = 'in progress'", "ABC-3 XYZ-3"),
    ('status in ("To Do", "In Review")', "ABC-2 ABC-4 XYZ-1"),
    ("status != Done", NOT_DONE),
    ('status not in (Done, "To Do")', "ABC-3 ABC-4 XYZ-3"),
    ("status = 10002", "ABC-1 ABC-5 XYZ-2"),
    ("statusCategory = Done", "ABC-1 ABC-5 XYZ-2"),
    ('statusCategory = "In Progress"', "ABC-3 ABC-4 XYZ-3"),
    ("statusCategory != Done", NOT_DONE),
    ("statusCategory = new", "ABC-2 XYZ-1"),
    ("statusCategory in (2, 4)", "ABC-2 XYZ-1 ABC-3 ABC-4 XYZ-3"),
    # priority: greater means more urgent
    ("priority = High", "ABC-1 XYZ-2"),
    ("priority > Medium", "ABC-1 ABC-3 XYZ-2"),
    ("priority >= Medium", "ABC-1 ABC-2 ABC-3 XYZ-1 XYZ-2 XYZ-3"),
    ("priority < Medium", "ABC-4 ABC-5"),
    ("priority <= Low", "ABC-4 ABC-5"),
    ("priority in (Highest, Lowest)", "ABC-3 ABC-5"),
    ("priority != Medium", "ABC-1 ABC-3 ABC-4 ABC-5 XYZ-2"),
    ("priority = 1", "ABC-3"),
    # resolution
    ("resolution is EMPTY", NOT_DONE),
    ("resolution is not empty", "ABC-1 ABC-5 XYZ-2"),
    ("resolution = Done", "ABC-1 XYZ-2"),
    ('resolution = "Won\'t Do"', "ABC-5"),
    ("resolution = EMPTY", NOT_DONE),
    ("resolution = NULL", NOT_DONE),
    ("resolution in (Done, EMPTY)", f"ABC-1 XYZ-2 {NOT_DONE}"),
    ("resolution != Done", "ABC-5"),
    ("resolution = Unresolved", NOT_DONE),
    ("resolution != Unresolved", "ABC-1 ABC-5 XYZ-2"),
    # people
    ('assignee = "alice@example.com"', "ABC-1 ABC-5 XYZ-2"),
    ("assignee = currentUser()", "ABC-1 ABC-5 XYZ-2"),
    ('assignee = "Bob Brown"', "ABC-2 XYZ-3"),
    ("assignee is EMPTY", "ABC-3"),
    ("assignee is not EMPTY", "ABC-1 ABC-2 ABC-4 ABC-5 XYZ-1 XYZ-2 XYZ-3"),
    ('assignee in membersOf("developers")', "ABC-1 ABC-2 ABC-5 XYZ-2 XYZ-3"),
    ("assignee not in membersOf(developers)", "ABC-4 XYZ-1"),
    ("assignee != currentUser()", "ABC-2 ABC-4 XYZ-1 XYZ-3"),
    ("reporter = currentUser()", "ABC-2 XYZ-1"),
    ('reporter = "carol@example.com"', "ABC-3 ABC-4"),
    ("assignee = 5b10a0000000000000000004", "XYZ-1"),
    ('assignee in ("dave@example.com", "Carol Chen")', "ABC-4 XYZ-1"),
    ('reporter in membersOf("hr-team")', "XYZ-2"),
    ("assignee in (currentUser(), EMPTY)", "ABC-1 ABC-3 ABC-5 XYZ-2"),
    # labels
    ("labels = urgent", "ABC-1 ABC-5 XYZ-3"),
    ("labels in (hr, backend)", "ABC-1 ABC-4 XYZ-1 XYZ-3"),
    ("labels is EMPTY", "ABC-3 XYZ-2"),
    ("labels != urgent", "ABC-2 ABC-4 XYZ-1"),
    ("labels not in (frontend, hr)", "ABC-1 ABC-4"),
    ("labels = URGENT", "ABC-1 ABC-5 XYZ-3"),
    ("labels = nosuchlabel", ""),
    ("labels = urgent AND labels = hr", "XYZ-3"),
    # components, versions, sprints
    ("component = API", "ABC-1 ABC-3"),
    ("component in (UI)", "ABC-2 ABC-3"),
    ("component is EMPTY", "ABC-4 ABC-5 XYZ-1 XYZ-2 XYZ-3"),
    ("component != API", "ABC-2"),
    ('fixVersion = "1.0"', "ABC-1"),
    ("fixVersion = 1.0", "ABC-1"),
    ("fixVersion is not EMPTY", "ABC-1 ABC-4"),
    ("fixVersion in (1.0, 1.1)", "ABC-1 ABC-4"),
    ("sprint in openSprints()", "ABC-2 ABC-3"),
    ("sprint in closedSprints()", "ABC-1"),
    ("sprint in futureSprints()", "ABC-4"),
    ("sprint not in openSprints()", "ABC-1 ABC-4"),
    ('sprint = "Sprint 2"', "ABC-2 ABC-3"),
    ("sprint = 1", "ABC-1"),
    ("sprint is EMPTY", "ABC-5 XYZ-1 XYZ-2 XYZ-3"),
    # keys and ids
    ("key = ABC-3", "ABC-3"),
    ("key = abc-3", "ABC-3"),
    ("issuekey in (ABC-1, XYZ-2)", "ABC-1 XYZ-2"),
    ("key > ABC-3", "ABC-4 ABC-5"),
    ("key <= ABC-2", "ABC-1 ABC-2"),
    ("id = 10102", "XYZ-2"),
    ("key != ABC-1", "ABC-2 ABC-3 ABC-4 ABC-5 XYZ-1 XYZ-2 XYZ-3"),
    ("issue not in (ABC-1, ABC-2, XYZ-1)", "ABC-3 ABC-4 ABC-5 XYZ-2 XYZ-3"),
    ("key >= XYZ-2", "XYZ-2 XYZ-3"),
    ("id in (10001, 10103)", "ABC-1 XYZ-3"),
    # text
    ("summary ~ login", "ABC-1"),
    ('summary ~ "dark mode"', "ABC-2"),
    ('summary ~ "mode dark"', "ABC-2"),
    ('summary ~ "\\"mode dark\\""', ""),
    ('summary ~ "\\"dark mode\\""', "ABC-2"),
    ('summary ~ "fix"', "ABC-5"),
    ('summary ~ "lay*"', "ABC-5"),
    ('summary !~ "update"', "ABC-1 ABC-2 ABC-3 ABC-4 ABC-5 XYZ-1 XYZ-2"),
    ("description ~ SSO", "ABC-1"),
    ("description ~ laptops", "XYZ-2"),
    ("text ~ laptop", "XYZ-1 XYZ-2"),
    ('comment ~ "build 42"', "ABC-1"),
    ('text ~ "crash"', "ABC-3"),
    ("description is EMPTY", "ABC-4 XYZ-1 XYZ-3"),
    ('summary ~ "onboard*"', "XYZ-1"),
    ('summary ~ "log*"', "ABC-1"),
    ('text ~ "upload" AND project = ABC', "ABC-3"),
    ("summary ~ LOGIN", "ABC-1"),
    ('summary ~ "dark blue"', ""),
    ('summary ~ "to?en"', "ABC-4"),
    # dates (now is 2026-03-18 12:00 UTC, a Wednesday)
    ("created >= 2026-03-01", "ABC-3 XYZ-1 XYZ-3"),
    ("created < 2026-01-01", "ABC-4"),
    ('created > "2026/02/01"', "ABC-2 ABC-3 XYZ-1 XYZ-3"),
    ("created >= -1d", "XYZ-3"),
    ("created >= -2d", "ABC-3 XYZ-3"),
    ("created >= startOfDay()", "XYZ-3"),
    ("created >= startOfDay(-1)", "ABC-3 XYZ-3"),
    ("created >= startOfWeek()", "ABC-3 XYZ-3"),
    ("created >= startOfMonth()", "ABC-3 XYZ-1 XYZ-3"),
    ("created < startOfYear()", "ABC-4"),
    ('created >= "-1w"', "ABC-3 XYZ-3"),
    ('created >= "-2w 1d"', "ABC-3 XYZ-1 XYZ-3"),
    ("updated > -1h", "XYZ-3"),
    ("updated >= startOfDay()", "ABC-3 XYZ-3"),
    ("due < now()", "ABC-1 ABC-4 XYZ-1"),
    ("due is EMPTY", "ABC-3 ABC-5 XYZ-2 XYZ-3"),
    ("duedate = 2026-03-20", "ABC-2"),
    ("due >= startOfDay() AND due <= endOfWeek()", "ABC-2 XYZ-1"),
    ("resolved >= 2026-02-15", "ABC-1 ABC-5"),
    ("resolutiondate is EMPTY", NOT_DONE),
    ("created > endOfMonth(-1)", "ABC-3 XYZ-1 XYZ-3"),
    ('created <= "2026-01-05 09:00"', "ABC-1 ABC-4"),
    ("due in (2026-02-01, 2026-01-10)", "ABC-1 ABC-4"),
    ('createdDate >= "2026/03/17 08:00"', "ABC-3 XYZ-3"),
    ("updatedDate < 2026-02-01", "ABC-4"),
    ("created >= startOfYear() AND created < startOfMonth()", "ABC-1 ABC-2 ABC-5 XYZ-2"),
    # custom fields, by cf[id], by id and by name
    ("cf[10010] > 3", "ABC-2"),
    ("cf[10010] >= 3", "ABC-2 ABC-5"),
    ('"Story Points" = 5', "ABC-2"),
    ("cf[10010] is EMPTY", "ABC-1 ABC-3 ABC-4 XYZ-1 XYZ-2 XYZ-3"),
    ("cf[10020] = Platform", "ABC-1 ABC-3"),
    ("Team = Web", "ABC-2"),
    ("Team in (Platform, Web)", "ABC-1 ABC-2 ABC-3"),
    ("customfield_10010 < 4", "ABC-5"),
    ("cf[10020] != Platform", "ABC-2"),
    # AND, OR, NOT and parentheses
    ("project = ABC AND status = Done", "ABC-1 ABC-5"),
    ("project = ABC OR labels = hr", f"{ABC} XYZ-1 XYZ-3"),
    ("project = XYZ AND (status = Done OR priority = Medium)", XYZ),
    ("NOT project = ABC", XYZ),
    ("project = ABC AND NOT status = Done", "ABC-2 ABC-3 ABC-4"),
    ("!(status = Done)", NOT_DONE),
    ("status = Done && assignee = currentUser()", "ABC-1 ABC-5 XYZ-2"),
    ("labels = urgent || labels = hr", "ABC-1 ABC-5 XYZ-1 XYZ-3"),
    ('project = ABC and status = done or project = XYZ and status = "to do"', "ABC-1 ABC-5 XYZ-1"),
    ("project = ABC AND (status = Done OR project = XYZ) AND priority = High", "ABC-1"),
    ("not (labels = urgent or labels = frontend)", "ABC-3 ABC-4 XYZ-1 XYZ-2"),
    ("", ALL),
    ("((project = XYZ))", XYZ),
    ("project = ABC & priority > High", "ABC-3"),
    ("project = ABC | project = XYZ", ALL),
    ("NOT NOT project = XYZ", XYZ),
    # history: WAS and CHANGED
    ('status WAS "In Progress"', "ABC-1 ABC-3 ABC-4 XYZ-3"),
    ('status WAS "To Do"', ALL),
    ('status WAS NOT "In Progress"', "ABC-2 ABC-5 XYZ-1 XYZ-2"),
    ('status WAS IN ("In Review", Done)', "ABC-1 ABC-4 ABC-5 XYZ-2"),
    ('status WAS "In Progress" BY "alice@example.com"', "ABC-1"),
    ('status WAS "In Progress" BEFORE 2026-02-01', "ABC-1 ABC-4"),
    ('status WAS "In Progress" AFTER 2026-03-05', "ABC-3 XYZ-3"),
    ("status WAS Done ON 2026-02-20", "ABC-5 XYZ-2"),
    ('status WAS "In Progress" DURING (2026-01-01, 2026-01-05)', "ABC-4"),
    ("status CHANGED", "ABC-1 ABC-3 ABC-4 ABC-5 XYZ-2 XYZ-3"),
    ('status CHANGED FROM "In Progress" TO Done', "ABC-1"),
    ('status CHANGED BY "carol@example.com"', "ABC-3 ABC-4"),
    ("status CHANGED AFTER startOfDay()", "ABC-3 XYZ-3"),
    ("assignee CHANGED", "ABC-1 ABC-4"),
    ('assignee WAS "bob@example.com"', "ABC-2 ABC-4 XYZ-3"),
    ("assignee WAS EMPTY", "ABC-1 ABC-3"),
    ("status CHANGED TO Done BEFORE 2026-02-25", "ABC-5 XYZ-2"),
    ("status WAS NOT IN (Done, 'In Review')", "ABC-2 ABC-3 XYZ-1 XYZ-3"),
    ("project = ABC AND status CHANGED FROM 'To Do'", "ABC-1 ABC-3 ABC-4 ABC-5"),
    # ORDER BY (exact order)
    ("project = ABC ORDER BY created DESC", "ABC-3 ABC-2 ABC-5 ABC-1 ABC-4"),
    ("project = ABC ORDER BY created ASC", "ABC-4 ABC-1 ABC-5 ABC-2 ABC-3"),
    ("ORDER BY key", f"{ABC} {XYZ}"),
    ("project = XYZ ORDER BY key DESC", "XYZ-3 XYZ-2 XYZ-1"),
    ("project = ABC ORDER BY priority DESC", "ABC-3 ABC-1 ABC-2 ABC-4 ABC-5"),
    ("project = ABC ORDER BY priority ASC", "ABC-5 ABC-4 ABC-2 ABC-1 ABC-3"),
    ("project = ABC ORDER BY due ASC", "ABC-4 ABC-1 ABC-2 ABC-3 ABC-5"),
    ("project = ABC ORDER BY due DESC", "ABC-3 ABC-5 ABC-2 ABC-1 ABC-4"),
    ("ORDER BY assignee ASC, key ASC", "ABC-1 ABC-5 XYZ-2 ABC-2 XYZ-3 ABC-4 XYZ-1 ABC-3"),
    ("status = Done ORDER BY updated DESC", "ABC-1 ABC-5 XYZ-2"),
    ("project = ABC AND status != Done ORDER BY created DESC", "ABC-3 ABC-2 ABC-4"),
    ("ORDER BY status ASC, key DESC", "XYZ-1 ABC-2 XYZ-3 ABC-3 ABC-4 XYZ-2 ABC-5 ABC-1"),
    ("project = XYZ ORDER BY summary", "XYZ-1 XYZ-2 XYZ-3"),
    ("project = ABC ORDER BY cf[10010] DESC", "ABC-1 ABC-3 ABC-4 ABC-2 ABC-5"),
    ("project = XYZ order by priority desc, created asc", "XYZ-2 XYZ-1 XYZ-3"),
]

ERRORS: list[tuple[str, str]] = [
    ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
    ("foo = bar", "Field 'foo' does not exist or you do not have permission to view it."),
    (
        "project = ",
        "Error in the JQL Query: Expecting either a value, list or function before the end of the query. "
        "(line 1, character 11)",
    ),
    ("project = ABC AND", "Error in the JQL Query: Expecting a field name before the end of the query. (line 1, character 18)"),
    ("project == ABC", "Error in the JQL Query: Expecting either a value, list or function but got '='. (line 1, character 10)"),
    ("summary = login", "The operator '=' is not supported by the 'summary' field."),
    ("status ~ Done", "The operator '~' is not supported by the 'status' field."),
    ('assignee = "nobody@example.com"', "The value 'nobody@example.com' does not exist for the field 'assignee'."),
    ("project = ABC ORDER BY description", "Field 'description' does not support sorting."),
    ("project in (ABC, XYZ", "Error in the JQL Query: Expecting ')' before the end of the query. (line 1, character 21)"),
    ("(project = ABC", "Error in the JQL Query: Expecting ')' before the end of the query. (line 1, character 15)"),
    ("project = ABC)", "Error in the JQL Query: Expecting either 'OR' or 'AND' but got ')'. (line 1, character 14)"),
    ('summary ~ "unterminated', "Error in the JQL Query: The quoted string 'unterminated' has not been completed. (line 1, character 11)"),
    (
        "assignee = alice@example.com",
        "Error in the JQL Query: The character '@' is a reserved JQL character. You must enclose it in a string "
        "or use the escape '\\u0040' instead. (line 1, character 17)",
    ),
    ("project = ABC ORDER created", "Error in the JQL Query: Expecting 'BY' but got 'created'. (line 1, character 21)"),
    ("assignee = foo()", "Unable to find JQL function 'foo()'."),
    ("project = currentUser()", "A value provided by the function 'currentUser' is invalid for the field 'project'."),
    ("key = ABC-99", "An issue with key 'ABC-99' does not exist for field 'key'."),
    ("cf[99999] = 1", "Field 'cf[99999]' does not exist or you do not have permission to view it."),
    ("priority > (High, Low)", "The operator '>' does not support the list operand for the field 'priority'."),
    ('summary ~ "*login"', "The text query '*login' for field 'summary' is not allowed to start with a wildcard."),
    ("status CHANGED FROM Nope", "The value 'Nope' does not exist for the field 'status'."),
    ("created > yesterday", "Date value 'yesterday' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."),
    ("project = 'ABC", "Error in the JQL Query: The quoted string 'ABC' has not been completed. (line 1, character 11)"),
    ("status = Done ORDER BY nosuch", "Field 'nosuch' does not exist or you do not have permission to view it."),
    ("summary ~ ", "Error in the JQL Query: Expecting either a value, list or function before the end of the query. (line 1, character 11)"),
    ('assignee is "Bob Brown"', "The operator 'IS' only supports searching for EMPTY values (field 'assignee')."),
    ("status is Done", "The operator 'IS' is not supported by the 'status' field."),
    ("project = ABC status = Done", "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 15)"),
    ("project ABC", "Error in the JQL Query: Expecting operator but got 'ABC'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)"),
    ("labels = order", "Error in the JQL Query: Expecting either a value, list or function but got 'order'. You must surround 'order' in quotation marks to use it as a value. (line 1, character 10)"),
    ("labels = select", "Error in the JQL Query: Expecting either a value, list or function but got 'select'. You must surround 'select' in quotation marks to use it as a value. (line 1, character 10)"),
    ("project = ABC%", "Error in the JQL Query: The character '%' is a reserved JQL character. You must enclose it in a string or use the escape '\\u0025' instead. (line 1, character 14)"),
    ('assignee in membersOf("nogroup")', "Function 'membersOf' can not generate a list of usernames for group 'nogroup'; the group does not exist."),
    ("assignee = currentUser(x)", "Function 'currentUser' expected '0' arguments but received '1'."),
    ("status changed from Done by nobody", "The value 'nobody' does not exist for the field 'by'."),
    ('status WAS Done FROM "To Do"', "The predicate 'FROM' is not supported by the operator 'WAS'."),
    ("created > startOfDay(1x)", "Function 'startOfDay' received an invalid increment '1x'."),
    ("created > 99999999999999999999999", "Date value '99999999999999999999999' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."),
    ('due > "+9999999999d"', "Date value '+9999999999d' for field 'due' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."),
    ("created > startOfDay(99999999999)", "Function 'startOfDay' received an invalid increment '99999999999'."),
    ("cf[10010] = many", "The value 'many' is invalid for the field 'cf[10010]'."),
]  # fmt: skip


@pytest.fixture(scope="module")
def jira_site():  # type: ignore[no-untyped-def]
    return site()


def _keys(jira_site, jql: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [key_of(jira_site, i) for i in search(jql, jira_site)]


def test_the_table_is_large_enough() -> None:
    assert len(QUERIES) >= 150
    assert len({q for q, _ in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize(("jql", "expected"), QUERIES, ids=[q or "<empty>" for q, _ in QUERIES])
def test_query(jira_site, jql: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    got = _keys(jira_site, jql)
    if "order by" in jql.lower():
        assert got == expected.split()
    else:
        assert sorted(got) == sorted(expected.split())


@pytest.mark.parametrize(("jql", "message"), ERRORS, ids=[q for q, _ in ERRORS])
def test_error(jira_site, jql: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(JqlError) as caught:
        search(jql, jira_site)
    assert caught.value.message == message


@pytest.mark.parametrize(("jql", "expected"), QUERIES, ids=[q or "<empty>" for q, _ in QUERIES])
@pytest.mark.parametrize("probe", [0, 8])  # 0: past the first issue, the indexes find the page
def test_a_page_is_the_start_of_the_whole_answer(
    jira_site, jql: str, expected: str, probe: int, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A search asked for its first few hits (`search/jql` pages) starts as the full list does, in
    the same order, whether or not the query's order lets it stop early (then it gives them all)."""
    monkeypatch.setattr(evaluate, "PROBE", probe)
    whole = search(jql, jira_site, (SortKey("created", True),))
    for want in (1, 3, len(whole) + 1):
        assert search(jql, jira_site, (SortKey("created", True),), want)[:want] == whole[:want]


@pytest.mark.parametrize(("jql", "expected"), QUERIES, ids=[q or "<empty>" for q, _ in QUERIES])
def test_a_counted_answer_is_the_whole_answer(jira_site, jql: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    """The legacy search's answer (hits counted from the indexes, listed as far as a page asks)
    has the full list's length, and each of its slices is that slice of the full list."""
    order = (SortKey("created", True),)
    whole = list(search(jql, jira_site, order))
    lazy = search(jql, jira_site, order, lazy=True)
    assert len(lazy) == len(whole)
    for start, stop in ((0, 2), (1, 4), (0, len(whole) + 1), (len(whole), len(whole) + 3)):
        assert list(lazy[start:stop]) == whole[start:stop]
    if whole:
        assert lazy[0] == whole[0] and lazy[-1] == whole[-1]
