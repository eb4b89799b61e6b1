"""What the parity engine must know of one vendor: id shapes, credential classes, cursors, endpoints."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from recorder.parity.report import Declared
from recorder.parity.values import Difference
from recorder.trace import Exchange

if TYPE_CHECKING:
    from recorder.parity.replay import Replay
    from recorder.parity.session import Session


class Credential(StrEnum):
    """The class of credential a recorded request carried, as its answer shows it."""

    VALID = "a valid"
    NONE = "no"
    INVALID = "an invalid"
    UNDER_SCOPED = "an under-scoped"


Headers = list[tuple[str, str]]
# Request headers per credential class the recording needs, made for its fresh tenant; a class
# left out cannot be replayed.
CredentialMaker = Callable[["Session", set[Credential]], Awaitable[dict[Credential, dict[str, str]]]]
Resolver = Callable[["Replay", str, Exchange], Awaitable[str | None]]
Hook = Callable[["Replay", Exchange], Awaitable[None]]
Prepare = Callable[["Replay"], Awaitable[None]]


@dataclass(frozen=True)
class Profile:
    """A vendor's specifics; the engine itself knows none."""

    name: str
    is_id: Callable[[str], bool]  # a whole JSON value that is a vendor id
    id_kind: Callable[[str], str]  # ids of one kind pair up: `00g`, `conversation`...
    id_in_text: re.Pattern[str]  # vendor ids inside a URL or a request body
    endpoint: Callable[[Exchange], str]
    credential_class: Callable[[Exchange], Credential]
    credentials: CredentialMaker
    cursors: Callable[[Headers, Any], list[str]]  # next-page cursors of an answer, in order
    enum_keys: frozenset[str] = frozenset()
    resolve: Resolver | None = None  # a twin id for a recorded id first named in a request
    before: Hook | None = None  # runs before each exchange is sent
    prepare: Prepare | None = None  # runs once on the fresh tenant before the first exchange
    skip_request_headers: frozenset[str] = field(default_factory=frozenset)
    # Keys whose integer values are ids (GitHub's `number`), besides `id` and `…_id`/`…Id` keys:
    # paired like string ids, and free to differ from the recorded number.
    number_keys: frozenset[str] = frozenset()
    # Differences from the vendor that are known and why: (endpoint or `*`, key path prefix) -> reason.
    declared: Declared = field(default_factory=dict)
    # Why a difference of one exchange is relaxed (declared), or None: a generated twin's fields
    # learnt to change on their own (`recorder.parity.relax`).
    relax: Callable[[Exchange, Difference], str | None] | None = None
    # Give a fresh tenant the objects the recording's own lists show it did not make before the
    # replay (`recorder.parity.world`); off, the twin starts from its own seed alone.
    prime_world: bool = True


def next_queries(headers: Headers) -> list[dict[str, str]]:
    """The query of every `Link: <…>; rel="next"` URL, in order."""
    out = []
    for name, value in headers:
        if name.lower() != "link":
            continue
        for part in value.split(","):
            url, _, rel = part.partition(";")
            if rel.replace(" ", "").replace('"', "") == "rel=next" or 'rel="next"' in rel.replace(" ", ""):
                out.append(dict(parse_qsl(urlsplit(url.strip().strip("<>")).query)))
    return out


def next_link_cursors(headers: Headers, _body: Any) -> list[str]:
    """`after` of every `Link: <…>; rel="next"` header (Okta, GitHub, Jira Server)."""
    out = []
    for query in next_queries(headers):
        cursor = query.get("after") or query.get("cursor") or query.get("page")
        if cursor:
            out.append(cursor)
    return out


def body_cursors(*paths: str) -> Callable[[Headers, Any], list[str]]:
    """Cursors found in the JSON body at dotted paths (`response_metadata.next_cursor`)."""

    def find(_headers: Headers, body: Any) -> list[str]:
        out = []
        for path in paths:
            value = body
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            out.append(value if isinstance(value, str) else "")
        return out

    return find
