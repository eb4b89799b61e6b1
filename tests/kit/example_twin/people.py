"""Users, Okta-like: `SSWS <token>` or a bearer access token the twin issued (verified by the
`AccessTokens` extension), `after`/`limit` paging with Link headers; and an open status page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from tests.kit.example_twin.tasks import BASIC
from twins._runtime.collection import Row
from twins._runtime.context import TwinContext
from twins.kit import OKTA, Anonymous, Call, Caller, Credential, LinkAfter, OktaTokens, Registry
from twins.kit.errors import ErrorStyle, compact

USER_SCOPES = frozenset({"example.users.read", "example.users.manage"})


class AccessTokens:
    """Signs and checks the twin's bearer access tokens; its key is made when the twin starts."""

    def __init__(self, _ctx: TwinContext) -> None:
        self.key = secrets.token_bytes(32)

    def issue(self, caller: Caller, scopes: list[str], now: float) -> str:
        claims = {"tenant": caller.tenant, "sub": caller.subject, "scp": scopes, "exp": int(now) + 3600}
        body = base64.urlsafe_b64encode(compact(claims)).decode()
        return f"{body}.{hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()}"

    def verify(self, token: str) -> dict[str, Any] | None:
        body, _, mac = token.partition(".")
        good = hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, good):
            return None
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body))
        return claims


def bearer(cred: Credential, token: str) -> Caller | None:
    """A bearer caller from an access token `AccessTokens` signed."""
    claims = cred.extensions.get(AccessTokens).verify(token)
    if claims is None:
        return None
    return Caller(claims["tenant"], claims["sub"], "bearer", frozenset(claims["scp"]))


SSWS = OktaTokens(collection="example_tokens", subject="user_id", bearer=bearer, vocabulary=USER_SCOPES)
OAUTH_STYLE = ErrorStyle(
    name="oauth",
    body=lambda e: {"error": e.code, "error_description": e.message},
    statuses={"invalid_scope": 400, "invalid_client": 401},
    http_codes={404: "not_found", 422: "invalid_request", 500: "server_error"},
    invalid_code="invalid_request",
    bad_body_code="invalid_request",
    rate_limit_code="too_many_requests",
    rate_limit_headers=OKTA.rate_limit_headers,
)

users = Registry(auth=SSWS, tags=("users",), style=OKTA)
oauth = Registry(auth=BASIC, tags=("oauth",), style=OAUTH_STYLE)
public = Registry(auth=None, tags=("status",))
tenants = Registry(auth=Anonymous(), tags=("status",))


def render(row: Row, base: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "status": row["status"],
        "profile": {"email": row["email"], "name": row["name"]},
        "_links": {"self": {"href": f"{base}/api/v1/users/{row['id']}"}},
    }


@users.operation("GET", "/api/v1/users", scope="example.users.read", page=LinkAfter(default=1, most=100))
def list_users(call: Call) -> list[dict[str, Any]]:
    """Users in creation order, by Link header."""
    return [render(r, call.base_url) for r in call.page(call.state["example_users"])]


@users.operation("POST", "/api/v1/users", scope="example.users.manage", write=True)
def create_user(call: Call) -> dict[str, Any]:
    """A user, STAGED unless `?activate=true`."""
    body = call.require_body()
    profile = body.obj("profile", required=True)
    email = profile.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise call.error(
            "E0000001", "Api validation failed: login", causes=["email: must be an email address"]
        )
    if call.state["example_users"].by("email", email) is not None:
        raise call.error("E0000001", "Api validation failed: login", causes=["login: already exists"])
    status = "ACTIVE" if call.args.flag("activate", True) else "STAGED"
    user_id = "00u" + call.ids.hex("user", 17)
    row = call.state["example_users"].insert(
        {"id": user_id, "email": email, "name": str(profile.get("name", "")), "status": status}
    )
    return render(row, call.base_url)


@oauth.operation("POST", "/oauth2/v1/token", scope=(), body="form")
def issue_token(call: Call) -> dict[str, Any]:
    """A bearer access token of the Basic caller's, with the scopes asked for (space separated)."""
    asked = call.body.text("scope", required=True).split()
    unknown = [s for s in asked if s not in USER_SCOPES]
    if unknown:
        raise call.error("invalid_scope", f"The requested scope is invalid: {' '.join(unknown)}")
    token = call.ext(AccessTokens).issue(call.caller, asked, call.now())
    return {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(asked)}


@public.operation("GET", "/status")
def status(call: Call) -> dict[str, Any]:
    """Open: the tenant this request reached and its task count."""
    return {"tenant": call.state.id, "tasks": len(call.state["example_tasks"])}


@tenants.operation("GET", "/status/anonymous", scope=())
def anonymous_status(call: Call) -> dict[str, Any]:
    """Open too, through the `Anonymous` strategy."""
    return {"tenant": call.caller.tenant, "kind": call.caller.kind}
