"""Which service an exchange talks to, and its endpoint (METHOD + path template with ids)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

SERVICES = ("okta", "jira", "slack")
UNKNOWN = "unknown"

_SLACK_METHOD = re.compile(r"^/api/[a-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$")
_JIRA_PATHS = ("/rest/api/", "/rest/agile/", "/rest/servicedeskapi/")
_OKTA_PATHS = ("/api/v1/", "/oauth2/")

_ID_PATTERNS = (
    re.compile(r"^\d+$"),  # numeric: Jira issue and project ids, Slack file timestamps
    re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I),  # uuid
    re.compile(r"^[0-9a-f]{32}$", re.I),  # uuid without dashes
    re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[0-9A-Za-z]{12,}$"),  # Okta: 00u1abcdEFGH2345ijk6
    re.compile(r"^(?=.*\d)[A-Z][A-Z0-9]{7,}$"),  # Slack: C012AB3CD, U0J1GAHN1
    re.compile(r"^[A-Z][A-Z0-9_]+-\d+$"),  # Jira issue key: ABC-123
    re.compile(r"^.*\d{6,}.*$"),  # generated names: testAcc_2938481537_one
    re.compile(r"^(?=(?:.*\d){2})(?=.*[A-Za-z])[A-Za-z0-9_\-]{24,}$"),  # opaque tokens
    re.compile(r"^[^@/]+@[^@/]+$"),  # a login or e-mail address used as an id
)
_VERSION = re.compile(r"^(\d+(\.\d+)*|latest)$")


def detect_service(url: str) -> str:
    """`okta`, `jira`, `slack` or `github` from the URL's host, then its path; `unknown` otherwise."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    if host == "slack.com" or host.endswith(".slack.com"):
        return "slack"
    if host.endswith("atlassian.net") or "jira" in host:
        return "jira"
    if "okta" in host:  # okta.com, oktapreview.com, okta-emea.com, *.dne-okta.com
        return "okta"
    if host == "api.github.com" or host.endswith(".github.com"):
        return "github"
    if path.startswith(_JIRA_PATHS):
        return "jira"
    if path.startswith(_OKTA_PATHS):
        return "okta"
    if _SLACK_METHOD.match(path):
        return "slack"
    return UNKNOWN


def is_id(segment: str) -> bool:
    """True when a path segment is an identifier rather than a fixed part of the route."""
    return any(pattern.match(segment) for pattern in _ID_PATTERNS)


def path_template(path: str) -> str:
    """The path with every id segment replaced by `{id}`; `/rest/<api>/<version>/` is kept."""
    segments = path.split("/")
    out: list[str] = []
    for index, raw in enumerate(segments):
        segment = unquote(raw)
        keep_version = index == 3 and len(segments) > 3 and segments[1] == "rest" and _VERSION.match(segment)
        out.append("{id}" if segment and not keep_version and is_id(segment) else raw)
    return "/".join(out) or "/"


def endpoint(method: str, url: str) -> str:
    """`METHOD /path/{id}/template` for an exchange: query dropped, ids templated."""
    return f"{method.upper()} {path_template(urlsplit(url).path or '/')}"
