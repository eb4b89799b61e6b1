"""The parity profile for any service (a generated twin, a vendor without a profile of its own).

Endpoints are templated as `recorder.classify` templates paths; ids are told by their shape (UUIDs,
hex digests, issue keys, Okta- and Slack-style ids, numeric strings, long opaque tokens); paging
cursors come from a `Link: <…>; rel="next"` header or the usual body fields; credential classes
from the Authorization header and the answer's status. The twin's credentials are sent in the
scheme the recording used (`Bearer`, `token`, `SSWS`, `Basic` e-mail:token).
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

from recorder.classify import endpoint as classify_endpoint
from recorder.parity.profile import Credential, Headers, Profile, body_cursors, next_queries
from recorder.trace import Exchange

if TYPE_CHECKING:
    from recorder.parity.replay import Replay
    from recorder.parity.session import Session

# (kind, shape) in the order they are tried: the first that matches names the id's kind.
ID_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("uuid", re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)),
    ("hex", re.compile(r"^[0-9a-f]{24,64}$")),  # object ids, digests, commit shas
    ("key", re.compile(r"^[A-Z][A-Z0-9_]+-\d+$")),  # an issue key: ABC-123
    ("slack", re.compile(r"^[CGDUWFBTAVSE][A-Z0-9]{8,12}$")),
    ("okta", re.compile(r"^(?=[0-9A-Za-z]{0,19}[0-9])[0-9a-z]{3}[0-9A-Za-z]{17}$")),
    ("number", re.compile(r"^\d{1,19}$")),
    ("opaque", re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[0-9A-Za-z_\-]{16,}$")),
)
ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?=[0-9A-Za-z]{0,19}[0-9])[0-9a-z]{3}[0-9A-Za-z]{17}|[CGDUWFBTAV][A-Z0-9]{8,12})(?![0-9A-Za-z])"
)
# Query parameters of a next-page link that carry the position, most specific first.
CURSOR_PARAMS = ("after", "cursor", "page_token", "pageToken", "starting_after", "since", "startAt", "page")
BODY_CURSORS = (
    "next_cursor",
    "nextCursor",
    "nextPageToken",
    "next_page_token",
    "response_metadata.next_cursor",
    "meta.next_cursor",
    "pagination.next_cursor",
)
TOKEN_KEYS = ("api_token", "token", "access_token", "bot_token")
USER_KEYS = ("email", "login", "username", "user")
INVALID_TOKEN = "0000ParityInvalidToken0000000000000000"


def id_kind(value: str) -> str:
    """The shape an id has (`uuid`, `number`...), with the prefix for prefixed ids (`okta:00u`)."""
    for kind, shape in ID_SHAPES:
        if shape.match(value):
            if kind == "okta":
                return f"okta:{value[:3]}"
            return f"slack:{value[0]}" if kind == "slack" else kind
    return "text"


def is_id(value: str) -> bool:
    return any(shape.match(value) for _, shape in ID_SHAPES)


def endpoint(exchange: Exchange) -> str:
    """`GET /rest/api/2/issue/{id}`: the method and the path with id-shaped segments templated."""
    return classify_endpoint(exchange.request.method, exchange.request.url)


def credential_class(exchange: Exchange) -> Credential:
    """None without an Authorization header when the answer was a 401 or 403 (else the recorder
    filtered the header out: valid); invalid on a 401; under-scoped when the challenge says
    `insufficient_scope`; valid otherwise (a 403 is a permission, not a credential class)."""
    if exchange.header("request", "authorization") is None:
        return Credential.NONE if exchange.response.status in (401, 403) else Credential.VALID
    if exchange.response.status == 401:
        return Credential.INVALID
    challenge = exchange.header("response", "www-authenticate") or ""
    if exchange.response.status == 403 and "insufficient_scope" in challenge:
        return Credential.UNDER_SCOPED
    return Credential.VALID


def next_link(headers: Headers) -> str:
    """The position a `Link: <…>; rel="next"` header names (its cursor, page or offset), or ""."""
    for query in next_queries(headers)[:1]:
        return next((query[p] for p in CURSOR_PARAMS if query.get(p)), "")
    return ""


_find_in_body = body_cursors(*BODY_CURSORS)


def cursors(headers: Headers, body: Any) -> list[str]:
    """The next-page link's position, then each body cursor field: one slot each, "" when absent."""
    return [next_link(headers), *_find_in_body(headers, body)]


def pick(creds: dict[str, Any], keys: tuple[str, ...], part: str) -> str:
    """The first of `keys` the credentials hold, else the first key with `part` in its name."""
    for key in keys:
        if creds.get(key):
            return str(creds[key])
    return next((str(v) for k, v in creds.items() if part in k.lower() and isinstance(v, str) and v), "")


async def credentials(session: Session, _needed: set[Credential]) -> dict[Credential, dict[str, str]]:
    """The first token the twin's admin API names, as a bearer token (`prepare` matches the scheme
    to the recording's), a token the twin never issued, and none."""
    token = pick(await session.credentials(), TOKEN_KEYS, "token")
    return {
        Credential.VALID: {"Authorization": f"Bearer {token}"} if token else {},
        Credential.INVALID: {"Authorization": f"Bearer {INVALID_TOKEN}"},
        Credential.NONE: {},
    }


def authorization(scheme: str, user: str, token: str) -> str:
    """An Authorization value in the recording's scheme: `Basic` gets `user:token` encoded."""
    if scheme.lower() == "basic":
        return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
    return f"{scheme} {token}"


def recorded_scheme(exchanges: list[Exchange] | tuple[Exchange, ...]) -> str:
    """The scheme of the first Authorization header of the recording (`Bearer` when none)."""
    for exchange in exchanges:
        value = exchange.header("request", "authorization")
        if value and " " in value.strip():
            return value.strip().split(" ", 1)[0]
    return "Bearer"


async def prepare(replay: Replay) -> None:
    """Send the twin's credentials in the scheme the recording used."""
    scheme = recorded_scheme(list(replay.exchanges))
    if scheme == "Bearer":
        return
    creds = await replay.session.credentials()
    token, user = pick(creds, TOKEN_KEYS, "token"), pick(creds, USER_KEYS, "email")
    if token:
        replay.headers[Credential.VALID] = {"Authorization": authorization(scheme, user, token)}
    replay.headers[Credential.INVALID] = {"Authorization": authorization(scheme, user, INVALID_TOKEN)}


PROFILE = Profile(
    name="generic",
    is_id=is_id,
    id_kind=id_kind,
    id_in_text=ID_IN_TEXT,
    endpoint=endpoint,
    credential_class=credential_class,
    credentials=credentials,
    cursors=cursors,
    prepare=prepare,
)
GENERIC = PROFILE
