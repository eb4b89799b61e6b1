"""JQL search: `search/jql` (Cloud: `nextPageToken`, `isLast`) and the legacy `search`
(`startAt`, `maxResults`, `total`) that Server-style clients still call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twins.jira import issue_json
from twins.jira.auth import READ, registry
from twins.jira.jql import JqlError, SortKey, search
from twins.jira.ops_site import site_of
from twins.jira.search_site import JqlSites
from twins.kit import Args, Call, OffsetTotal, TokenPages
from twins.kit.pagers import decode_cursor

finder = registry("search")
DEFAULT_ORDER = (SortKey("created", True),)


def _options(call: Call) -> Args:
    """The search options: the query string on GET, the JSON body on POST."""
    return call.body if call.has_body else call.args


def _list(args: Args, name: str, default: list[str]) -> list[str]:
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, list):
        return [str(v) for v in value]
    return args.all(name) or [str(value)]


def _page_end(args: Args) -> int | None:
    """How many hits a `search/jql` page needs: up to its end and one more (to tell whether
    another page follows); None when the paging options are bad (the pager refuses them)."""
    token = args.get("nextPageToken")
    start = decode_cursor(TOKENS.kind, token) if isinstance(token, str) and token else 0
    size = args.get("maxResults", TOKENS.default)
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    if start is None or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    return start + min(size, TOKENS.most) + 1


def _run(call: Call, args: Args, want: int | None = None, lazy: bool = False) -> Sequence[str]:
    jql = args.get("jql") or ""
    if not isinstance(jql, str):
        raise call.style.invalid("jql", "must be a string")
    site = call.ext(JqlSites).site(call.state, call.caller.subject)
    try:
        return search(jql, site, DEFAULT_ORDER, want, lazy)
    except JqlError as exc:
        raise call.error("bad_request", exc.message) from None
    except RecursionError:  # parentheses nested past the parser's depth
        raise call.error("bad_request", "Error in the JQL Query: the query is nested too deeply.") from None


def _render(call: Call, args: Args, ids: Sequence[str], default_fields: list[str]) -> list[dict[str, Any]]:
    site = site_of(call)
    fields = issue_json.wanted_fields(_list(args, "fields", default_fields))
    expand_value = args.get("expand") or ""
    expand = {
        e.strip()
        for e in (expand_value if isinstance(expand_value, str) else ",".join(expand_value)).split(",")
        if e.strip()
    }
    rows = call.state["jira_issues"]
    return [issue_json.issue(site, call.state, rows.rows[i], fields, expand) for i in ids]


def _enhanced(call: Call) -> list[dict[str, Any]]:
    args = _options(call)
    page = call.page(_run(call, args, _page_end(args)))
    return _render(call, args, page, ["id"])


def _legacy(call: Call) -> list[dict[str, Any]]:
    args = _options(call)
    page = call.page(_run(call, args, lazy=True))  # `total` counted, only the page listed
    return _render(call, args, page, ["*navigable"])


TOKENS = TokenPages(kind="jql", items="issues", default=50, most=5000)
OFFSETS = OffsetTotal(items="issues", default=50, most=100, last=False)

for _method in ("GET", "POST"):
    finder.operation(_method, "/search/jql", scope=READ, page=TOKENS)(_enhanced)
    finder.operation(_method, "/search", scope=READ, page=OFFSETS)(_legacy)


@finder.operation("POST", "/search/approximate-count", scope=READ)
def approximate_count(call: Call) -> dict[str, int]:
    return {"count": len(_run(call, call.require_body(), lazy=True))}
