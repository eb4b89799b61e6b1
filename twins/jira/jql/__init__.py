"""JQL, the Jira Query Language: parsed, checked against a site's fields, evaluated with indexes."""

from twins.jira.jql.errors import JqlError, JqlSyntaxError
from twins.jira.jql.evaluate import search, sort_ids
from twins.jira.jql.parser import parse
from twins.jira.jql.site import Change, FieldDef, Kind, Site
from twins.jira.jql.syntax import Query, SortKey

__all__ = [
    "Change",
    "FieldDef",
    "JqlError",
    "JqlSyntaxError",
    "Kind",
    "Query",
    "Site",
    "SortKey",
    "parse",
    "search",
    "sort_ids",
]
