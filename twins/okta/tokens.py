"""The JWTs the authorization servers mint and read: access tokens, ID tokens, client assertions.

Access and refresh tokens are also rows of `tokens` (by jti, or by the opaque refresh token),
so introspection, revocation and the Bearer check see revocations and expiry on the tenant
clock. Signatures use the server's ACTIVE key; any published key verifies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from joserfc.jws import extract_compact

from twins._runtime.collection import Row, TenantState
from twins.okta import keys
from twins.okta.backend import expressions
from twins.okta.common import parse_iso

ASSERTION_ALGS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]
SECRET_ALGS = ["HS256", "HS384", "HS512"]


@dataclass(frozen=True)
class Issuer:
    """An authorization server as the protocol sees it: the org server, or a custom one."""

    server_id: str  # keys.ORG, or the custom server's id
    path: str | None  # None for the org server; "default" or the server's id
    base: str  # the org URL of this request
    row: Row | None = None

    @property
    def org(self) -> bool:
        return self.path is None

    @property
    def issuer(self) -> str:
        return self.base if self.path is None else f"{self.base}/oauth2/{self.path}"

    @property
    def audience(self) -> str:
        if self.row is None:
            return self.base
        audiences = self.row["audiences"]
        return str(audiences[0]) if audiences else f"api://{self.path}"

    def url(self, endpoint: str) -> str:
        prefix = "/oauth2" if self.path is None else f"/oauth2/{self.path}"
        return f"{self.base}{prefix}/v1/{endpoint}"


def random_token(state: TenantState, kind: str, length: int = 43) -> str:
    return state.ids.chars(kind, length, keys.B64URL)


def sign(state: TenantState, server_id: str, claims: dict[str, Any]) -> str:
    """A compact RS256 JWS of `claims` with the server's ACTIVE key, header {"kid", "alg"}.

    Byte for byte what joserfc's `jwt.encode(header, claims, key, default_type=None)` makes (the
    tests compare them), without its per-call key and header checks: the header is fixed and the
    parsed key is reused.
    """
    row = keys.active_key(state, server_id)
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    signing_input = _protected(row["id"]) + b"." + _b64(payload)
    signature = keys.private_key(row["private_pem"]).sign(signing_input, PKCS1v15(), SHA256())
    return (signing_input + b"." + _b64(signature)).decode()


@lru_cache(maxsize=256)
def _protected(kid: str) -> bytes:
    """The encoded protected header of a token signed with key `kid`."""
    return _b64(json.dumps({"kid": kid, "alg": "RS256"}, separators=(",", ":")).encode())


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def header(token: str) -> dict[str, Any] | None:
    """The JOSE header, unverified; None if `token` is not a compact JWS."""
    try:
        return dict(extract_compact(token.encode()).headers())
    except (JoseError, ValueError, UnicodeError):
        return None


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The payload of a compact JWS without checking its signature (to route it, never to trust it)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def read(
    state: TenantState, server_id: str, token: str, *, now: float | None = None
) -> dict[str, Any] | None:
    """The claims of a JWT signed by one of the server's keys and not expired, else None."""
    head = header(token)
    kid = head.get("kid") if head else None
    row = state["keys"].get(kid) if isinstance(kid, str) else None
    if row is None or row["server_id"] != server_id or head is None or head.get("alg") != "RS256":
        return None
    try:
        claims = dict(jwt.decode(token, keys.key_for(row), algorithms=["RS256"]).claims)
    except (JoseError, ValueError, UnicodeError):
        return None
    if now is not None and not (isinstance(claims.get("exp"), int) and claims["exp"] > now):
        return None
    return claims


def at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def access_token(
    state: TenantState,
    iss: Issuer,
    *,
    client_id: str,
    user: Row | None,
    scopes: list[str],
    ttl: int,
    auth_time: int | None,
    extra: dict[str, Any],
    refresh_id: str | None = None,
) -> tuple[str, Row]:
    """A signed access token ({ver, jti AT.…, iss, aud, iat, exp, cid, uid, scp, auth_time, sub})."""
    now = int(state.clock.now())
    jti = "AT." + random_token(state, "okta-at")
    claims: dict[str, Any] = {
        "ver": 1,
        "jti": jti,
        "iss": iss.issuer,
        "aud": iss.audience,
        "iat": now,
        "exp": now + ttl,
        "cid": client_id,
    }
    if user is not None:
        claims["uid"] = user["id"]
    claims["scp"] = list(scopes)
    if auth_time is not None:
        claims["auth_time"] = auth_time
    claims["sub"] = user["profile"].get("login", user["login"]) if user else client_id
    claims.update({k: v for k, v in extra.items() if k not in claims})
    token = sign(state, iss.server_id, claims)
    data = {
        "iat": now,
        "iss": claims["iss"],
        "aud": claims["aud"],
        "sub": claims["sub"],
        "refresh_id": refresh_id,
    }
    row = state["tokens"].insert(
        {
            "id": jti,
            "kind": "access_token",
            "server_id": iss.server_id,
            "client_id": client_id,
            "user_id": user["id"] if user else None,
            "scopes": list(scopes),
            "expires_at": float(now + ttl),
            "data": data,
        }
    )
    return token, row


def id_token(
    state: TenantState,
    iss: Issuer,
    *,
    client_id: str,
    user: Row,
    identity: dict[str, Any],
    auth_time: int,
    nonce: str | None,
    access: str | None,
    ttl: int = 3600,
) -> str:
    """A signed ID token; `identity` holds the profile claims the scopes allow (name, email, …)."""
    now = int(state.clock.now())
    claims: dict[str, Any] = {"sub": user["id"]}
    for name in ("name", "email"):
        if name in identity:
            claims[name] = identity[name]
    org_id = (state.meta.get("org") or {}).get("id", "")
    claims.update(
        {
            "ver": 1,
            "iss": iss.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + ttl,
            "jti": "ID." + random_token(state, "okta-idt"),
            "amr": ["pwd"],
            "idp": org_id,
        }
    )
    if nonce:
        claims["nonce"] = nonce
    if "preferred_username" in identity:
        claims["preferred_username"] = identity["preferred_username"]
    claims["auth_time"] = auth_time
    if access is not None:
        claims["at_hash"] = at_hash(access)
    claims.update({k: v for k, v in identity.items() if k not in claims})
    return sign(state, iss.server_id, claims)


# --- claims about the user ----------------------------------------------------------------------
def user_claims(user: Row, scopes: list[str]) -> dict[str, Any]:
    """The OIDC standard claims the scopes grant (what /userinfo returns besides sub)."""
    profile = user["profile"]
    out: dict[str, Any] = {}
    if "profile" in scopes:
        name = " ".join(p for p in (profile.get("firstName"), profile.get("lastName")) if p)
        updated = parse_iso(user.get("last_updated") or "") or 0.0
        out.update(
            {
                "name": name,
                "locale": profile.get("locale") or "en_US",
                "nickname": profile.get("nickName"),
                "preferred_username": profile.get("login", user["login"]),
                "given_name": profile.get("firstName"),
                "middle_name": profile.get("middleName"),
                "family_name": profile.get("lastName"),
                "profile": profile.get("profileUrl"),
                "zoneinfo": profile.get("timezone") or "America/Los_Angeles",
                "updated_at": int(updated),
            }
        )
    if "email" in scopes:
        out["email"] = profile.get("email")
        out["email_verified"] = user["status"] != "STAGED"
    if "address" in scopes:
        address = {
            "street_address": profile.get("streetAddress"),
            "locality": profile.get("city"),
            "region": profile.get("state"),
            "postal_code": profile.get("zipCode"),
            "country": profile.get("countryCode"),
        }
        out["address"] = {k: v for k, v in address.items() if v is not None}
    if "phone" in scopes:
        out["phone_number"] = profile.get("mobilePhone") or profile.get("primaryPhone")
    return {k: v for k, v in out.items() if v is not None}


def _groups(state: TenantState, user: Row | None) -> list[Row]:
    if user is None:
        return []
    rows = (state["groups"].get(m["group_id"]) for m in state["memberships"].where("user_id", user["id"]))
    return [g for g in rows if g is not None]


def _group_claim(groups: list[Row], filter_type: str, value: str) -> list[str]:
    names = [str(g["profile"].get("name", "")) for g in groups]
    tests: dict[str, Callable[[str], bool]] = {
        "STARTS_WITH": lambda n: n.startswith(value),
        "EQUALS": lambda n: n == value,
        "CONTAINS": lambda n: value in n,
        "REGEX": lambda n: re.fullmatch(value, n) is not None,
    }
    test = tests.get(filter_type, tests["STARTS_WITH"])
    try:
        return [n for n in names if test(n)]
    except re.error:
        return []


def custom_claims(
    state: TenantState, server: Row | None, claim_type: str, user: Row | None, scopes: list[str]
) -> dict[str, Any]:
    """The server's own (non-system) ACTIVE claims of `claim_type` that apply to these scopes.

    Values are Okta expressions over `user.*` (the subset twins.okta.backend.expressions reads)
    or, for GROUPS claims, the user's groups whose names pass the claim's filter.
    """
    if server is None:
        return {}
    groups = _groups(state, user)
    ctx = expressions.Context(
        user=user or {"profile": {}},
        group_ids=frozenset(g["id"] for g in groups),
        group_names=frozenset(str(g["profile"].get("name", "")) for g in groups),
    )
    out: dict[str, Any] = {}
    for claim in server["data"]["claims"]:
        wanted = claim["conditions"].get("scopes") or []
        if claim["system"] or claim["status"] != "ACTIVE" or claim["claimType"] != claim_type:
            continue
        if wanted and not set(wanted) & set(scopes):
            continue
        if claim_type == "IDENTITY" and not claim.get("alwaysIncludeInToken", True):
            continue
        if claim["valueType"] == "GROUPS":
            out[claim["name"]] = _group_claim(
                groups, claim.get("group_filter_type", ""), claim.get("value", "")
            )
            continue
        try:
            value = expressions.evaluate(expressions.parse(claim.get("value", "")).root, ctx)
        except expressions.ExpressionError:
            continue
        if value is not None:
            out[claim["name"]] = value
    return out


def identity_claims(server: Row | None, user: Row, scopes: list[str]) -> dict[str, Any]:
    """The standard claims the ID token carries: system claims marked alwaysIncludeInToken."""
    standard = user_claims(user, scopes)
    if server is None:
        wanted = {"name", "preferred_username", "email"}
    else:
        wanted = {
            c["name"]
            for c in server["data"]["claims"]
            if c["system"]
            and c["valueType"] == "SYSTEM"
            and c["status"] == "ACTIVE"
            and c.get("alwaysIncludeInToken")
        }
    return {k: v for k, v in standard.items() if k in wanted}


# --- client assertions (private_key_jwt, client_secret_jwt) -------------------------------------
class InvalidAssertion(ValueError):
    """The client_assertion is not acceptable; the message is Okta's error_description."""


def verify_assertion(
    assertion: str,
    *,
    client_id: str,
    jwks: dict[str, Any] | None,
    secret: str | None,
    audience: str,
    now: float,
) -> dict[str, Any]:
    """Check signature (client JWKS or secret), iss = sub = client_id, aud, exp and jti."""
    head = header(assertion)
    if head is None:
        raise InvalidAssertion("The client_assertion token is malformed.")
    alg = head.get("alg")
    try:
        if isinstance(alg, str) and alg in SECRET_ALGS:
            if not secret:
                raise InvalidAssertion("The client_assertion signature is invalid.")
            claims = dict(jwt.decode(assertion, OctKey.import_key(secret), algorithms=SECRET_ALGS).claims)
        elif isinstance(alg, str) and alg in ASSERTION_ALGS:
            claims = _decode_with_jwks(assertion, jwks, head.get("kid"))
        else:
            raise InvalidAssertion("The client_assertion signature is invalid.")
    except (JoseError, ValueError, UnicodeError) as exc:
        if isinstance(exc, InvalidAssertion):
            raise
        raise InvalidAssertion("The client_assertion signature is invalid.") from None
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise InvalidAssertion("The issuer and subject of the client_assertion must both be the client_id.")
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise InvalidAssertion("The audience [aud] claim in the client_assertion is invalid.")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        raise InvalidAssertion("The client_assertion token is expired.")
    if exp - now > 3600:
        raise InvalidAssertion("The client_assertion token has an expiration too far into the future.")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise InvalidAssertion("The client_assertion token must contain a jti claim.")
    return claims


def _decode_with_jwks(assertion: str, jwks: dict[str, Any] | None, kid: Any) -> dict[str, Any]:
    entries = [k for k in (jwks or {}).get("keys", []) if isinstance(k, dict)]
    if kid is not None:
        entries = [k for k in entries if k.get("kid") == kid]
    for entry in entries:
        try:
            key_set = KeySet.import_key_set({"keys": [{k: v for k, v in entry.items() if k != "status"}]})
            return dict(jwt.decode(assertion, key_set.keys[0], algorithms=ASSERTION_ALGS).claims)
        except (JoseError, ValueError):
            continue
    raise InvalidAssertion("The client_assertion signature is invalid.")
