"""GitHub's parity profile: `/repos/{owner}/{repo}/issues/{number}` endpoints, numeric ids and
issue numbers, node ids, `Link` paging, `token`/`Basic` credentials and `url`/`html_url` fields."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from recorder.parity import generic
from recorder.parity.profile import Credential, Headers, Profile
from recorder.trace import Exchange

# A node id: `MDU6SXNzdWUx…` (base64 of `05:Issue1…`, before 2021) or `I_kwDOA…` (type prefix).
NODE_ID = re.compile(r"^(?:MD[A-Za-z0-9+/]{10,}={0,2}|[A-Z][A-Za-z]{0,3}_[A-Za-z0-9_-]{8,})$")
SHA = re.compile(r"^[0-9a-f]{40}$")
NUMBER = re.compile(r"^\d+$")
ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-f]{40}|MD[A-Za-z0-9+/]{10,}={0,2})(?![0-9A-Za-z])")
# The first segment names what the next ones are: `/repos/{owner}/{repo}`, `/users/{username}`.
LEADING = {
    "repos": ("{owner}", "{repo}"),
    "users": ("{username}",),
    "orgs": ("{org}",),
    "gists": ("{gist_id}",),
}
# Within a path, a segment after one of these names one item of it.
NAMED_ITEM = {
    "issues": "{number}",
    "pulls": "{number}",
    "milestones": "{number}",
    "branches": "{branch}",
    "labels": "{name}",
    "commits": "{sha}",
    "members": "{username}",
    "memberships": "{username}",
    "collaborators": "{username}",
    "assignees": "{username}",
    "following": "{username}",
    "starred": "{owner}",
    "tags": "{tag}",
    "blocks": "{username}",
    "compare": "{basehead}",
}
REST_OF_PATH = {"contents": "{path}", "refs": "{ref}"}  # everything after them is one parameter
FIXED_GISTS = frozenset({"public", "starred"})


def template(path: str) -> str:
    """`/repos/{owner}/{repo}/issues/{number}/comments`: a GitHub path with its parameters named."""
    segments = [unquote(s) for s in path.strip("/").split("/") if s]
    out: list[str] = []
    index = 0
    if segments and segments[0] in LEADING:
        names = LEADING[segments[0]]
        if segments[0] == "gists" and len(segments) > 1 and segments[1] in FIXED_GISTS:
            names = ()
        out.append(segments[0])
        taken = segments[1 : 1 + len(names)]
        out += names[: len(taken)]
        index = 1 + len(taken)
    while index < len(segments):
        segment = segments[index]
        previous = segments[index - 1] if index else ""
        if previous in REST_OF_PATH and out and out[-1] == previous:
            out.append(REST_OF_PATH[previous])
            break
        if previous in NAMED_ITEM and out and out[-1] == previous and not _is_word(segment, previous):
            out.append(NAMED_ITEM[previous])
        elif NUMBER.match(segment):
            out.append("{id}")
        elif SHA.match(segment):
            out.append("{sha}")
        else:
            out.append(segment)
        index += 1
    return "/" + "/".join(out)


def _is_word(segment: str, previous: str) -> bool:
    """A fixed word after a collection (`/issues/comments`, `/pulls/comments`), not an item."""
    if previous in ("issues", "pulls", "milestones"):
        return not NUMBER.match(segment)
    return segment in ("comments", "events")


def endpoint(exchange: Exchange) -> str:
    return f"{exchange.request.method} {template(urlsplit(exchange.request.url).path or '/')}"


def is_id(value: str) -> bool:
    return bool(NODE_ID.match(value) or SHA.match(value) or generic.ID_SHAPES[0][1].match(value))


def id_kind(value: str) -> str:
    if SHA.match(value):
        return "sha"
    if NODE_ID.match(value):
        return "node:" + (value.split("_", 1)[0] if "_" in value else "legacy")
    return generic.id_kind(value)


def credential_class(exchange: Exchange) -> Credential:
    """None without an Authorization header; invalid on GitHub's 401 `Bad credentials`; valid
    otherwise (a 403 or 404 to a valid token is a permission, not a credential class)."""
    if exchange.header("request", "authorization") is None:
        return Credential.NONE
    return Credential.INVALID if exchange.response.status == 401 else Credential.VALID


def cursors(headers: Headers, _body: Any) -> list[str]:
    """The page (or `since`) a `Link: <…>; rel="next"` names; GitHub has no body cursors."""
    return [generic.next_link(headers)]


PROFILE = Profile(
    name="github",
    is_id=is_id,
    id_kind=id_kind,
    id_in_text=ID_IN_TEXT,
    endpoint=endpoint,
    credential_class=credential_class,
    credentials=generic.credentials,
    cursors=cursors,
    prepare=generic.prepare,
    number_keys=frozenset({"number"}),
)
