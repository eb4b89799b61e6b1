"""Okta's parity profile: 20-character ids with a 3-character prefix, SSWS tokens, `Link` cursors."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from recorder.normalize import parse_json
from recorder.parity.profile import Credential, Profile, next_link_cursors
from recorder.parity.replay import Replay
from recorder.parity.session import Session
from recorder.trace import Exchange

# An Okta id: a lower-case 3-character prefix (`00u`, `0oa`, `aus`, `scp`...) and 17 more
# letters or digits, at least one of them a digit. `authorizationServers` has none.
_ID = r"(?=[0-9A-Za-z]{0,19}[0-9])[0-9a-z]{3}[0-9A-Za-z]{17}"
OKTA_ID = re.compile(rf"^{_ID}$")
ID_IN_TEXT = re.compile(rf"(?<![0-9A-Za-z]){_ID}(?![0-9A-Za-z])")
ID_SEGMENT = re.compile(rf"/{_ID}(?=/|$)")
INVALID_TOKEN = "00ParityInvalidToken0000000000000000000000"


def is_id(value: str) -> bool:
    return bool(OKTA_ID.match(value))


def endpoint(exchange: Exchange) -> str:
    """`GET /api/v1/groups/{id}`: the method and path with Okta ids templated."""
    path = ID_SEGMENT.sub("/{id}", urlsplit(exchange.request.url).path)
    return f"{exchange.request.method} {path}"


def credential_class(exchange: Exchange) -> Credential:
    """None without an Authorization header; invalid when Okta answered E0000011; under-scoped
    when a bearer token got `insufficient_scope`; valid otherwise (a 403 to an SSWS token is a
    permission the org lacks, not a credential class)."""
    auth = exchange.header("request", "authorization")
    if auth is None:
        return Credential.NONE
    body = parse_json(exchange.response.body.text)
    code = body.get("errorCode") if isinstance(body, dict) else None
    if exchange.response.status == 401 and code == "E0000011":
        return Credential.INVALID
    challenge = exchange.header("response", "www-authenticate") or ""
    if exchange.response.status == 403 and "insufficient_scope" in challenge:
        return Credential.UNDER_SCOPED
    return Credential.VALID


async def credentials(session: Session, _needed: set[Credential]) -> dict[Credential, dict[str, str]]:
    """The admin's SSWS token, a well-formed token Okta never issued, and none."""
    token = (await session.credentials())["api_token"]
    return {
        Credential.VALID: {"Authorization": f"SSWS {token}"},
        Credential.INVALID: {"Authorization": f"SSWS {INVALID_TOKEN}"},
        Credential.NONE: {},
    }


async def resolve(replay: Replay, recorded_id: str, _exchange: Exchange) -> str | None:
    """A twin id for a recorded id first named in a request: the group or authorization server of
    that name, the user of that login (the Everyone group, a pre-existing user)."""
    shown = replay.objects.get(recorded_id, {})
    profile: Any = shown.get("profile") if isinstance(shown.get("profile"), dict) else {}
    session = replay.session
    if recorded_id.startswith("00g") and profile.get("name"):
        return _first_id(await session.rows("groups", name=str(profile["name"])))
    if recorded_id.startswith("aus") and shown.get("name"):
        return _first_id(await session.rows("auth_servers", name=str(shown["name"])))
    if recorded_id.startswith("00u") and profile.get("login"):
        login = str(profile["login"]).lower()
        return _first_id([u for u in await session.rows("users") if str(u.get("login")).lower() == login])
    return None


def _first_id(rows: list[dict[str, Any]]) -> str | None:
    return str(rows[0]["id"]) if rows else None


# (endpoint, key path prefix) -> why the twin's answer differs from Okta's there. `*` stands for any endpoint,
# at any depth of list items.
DIFFERENCES: dict[tuple[str, str], str] = {
    ("*", "_links.accessPolicy"): "Identity Engine app sign-on policies are not implemented",
    ("*", "_links.profileEnrollment"): "Identity Engine profile enrollment policies are not implemented",
    ("*", "_links.resetFactors"): "no MFA factors in the twin, so no resetFactors link",
    ("*", "realmId"): "Okta realms are not modelled",
    ("*", "universalLogout"): "app Universal Logout settings are not modelled",
    ("GET /api/v1/meta/schemas/user/default", "definitions.custom.properties"): (
        "the recorded org holds custom attributes other tests left behind; a fresh twin has only its own"
    ),
    ("POST /api/v1/meta/schemas/user/default", "definitions.custom.properties"): "as above",
    **{
        ("GET /.well-known/oauth-authorization-server", key): (
            "the recorded org advertises grant types and scopes of features the twin lacks "
            "(OTP, OOB, device SSO, custom admin scopes)"
        )
        for key in ("grant_types_supported", "scopes_supported")
    },
    **{
        ("*", key): (
            "metadata of features the twin lacks (front-channel logout, DPoP, token exchange chaining)"
        )
        for key in (
            "frontchannel_logout_supported",
            "frontchannel_logout_session_supported",
            "dpop_signing_alg_values_supported",
            "identity_chaining_requested_token_types_supported",
        )
    },
}

PROFILE = Profile(
    name="okta",
    is_id=is_id,
    id_kind=lambda value: value[:3],
    id_in_text=ID_IN_TEXT,
    endpoint=endpoint,
    credential_class=credential_class,
    credentials=credentials,
    cursors=next_link_cursors,
    resolve=resolve,
    declared=DIFFERENCES,
)
