"""What every Okta route shares: authentication, JSON bodies, timestamps, ids, Link paging."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import Response

from twins._runtime import untrusted
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext, context_of
from twins._runtime.ids import ALNUM
from twins.okta.errors import OktaError, bad_request_body, invalid_token, no_permission

T = TypeVar("T")
AUTH_RE = re.compile(r"^(SSWS|Bearer)\s*(\S+)$", re.IGNORECASE)
JSON_TYPE = "application/json"

# Okta id prefixes by object kind (3 characters, then 17 more).
PREFIX = {
    "user": "00u",
    "group": "00g",
    "app": "0oa",
    "rule": "0pr",
    "auth_server": "aus",
    "scope": "scp",
    "claim": "ocl",
    "policy": "00p",
    "policy_rule": "0pr",
    "event_hook": "who",
    "session": "102",
    "api_token": "00T",
    "type": "oty",
    "schema": "osc",
    "key": "key",
}


def okta_id(state: TenantState, kind: str) -> str:
    """A 20-character Okta id: the kind's prefix and 17 deterministic characters."""
    return PREFIX[kind] + state.ids.chars(f"okta-{kind}", 17, ALNUM)


def iso(ts: float) -> str:
    """Okta's timestamp format: 2026-02-02T11:08:56.000Z."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def now_iso(state: TenantState) -> str:
    return iso(state.clock.now())


def parse_iso(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass
class Caller:
    """Who is calling: an API token (SSWS) of an admin, or an OAuth access token with scopes."""

    tenant: str
    user_id: str
    scopes: tuple[str, ...] | None  # None: an SSWS token, all admin rights

    def require(self, scope: str) -> None:
        """Bearer callers need the `okta.*` scope; `.manage` implies `.read`."""
        if self.scopes is None:
            return
        family = scope.rsplit(".", 1)[0]
        if scope not in self.scopes and f"{family}.manage" not in self.scopes:
            raise no_permission()


def authenticate(request: Request, scope: str | None = None) -> tuple[TwinContext, Caller]:
    """Check `Authorization: SSWS <token>` (space optional) or `Bearer <access token>`."""
    ctx = context_of(request)
    header = request.headers.get("authorization", "")
    if not header:
        raise OktaError("Invalid session", code="E0000005", status=401)
    match = AUTH_RE.match(header.strip())
    if match is None:
        raise invalid_token()
    kind, token = match.group(1).upper(), match.group(2)
    if kind == "SSWS":
        tenant = ctx.tenant_for_token(token)
        picked = request.scope.get("state", {}).get("twin_tenant")
        if picked and tenant and picked != tenant:
            raise invalid_token()  # the request names another org (X-Twin-Tenant, host)
        state = ctx.store.get(tenant) if tenant else None
        row = state["api_tokens"].by("token", token) if state else None
        if state is None or row is None:
            raise invalid_token()
        owner = state["users"].get(row["user_id"])
        if owner is None or owner["status"] not in ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY"):
            raise invalid_token()
        ctx.use_tenant(request, state.id)
        caller = Caller(state.id, row["user_id"], None)
    else:
        verify = ctx.extras.get("okta_bearer")
        if verify is None:
            raise invalid_token()
        caller = verify(request, token)
        ctx.use_tenant(request, caller.tenant)
    if scope is not None:
        caller.require(scope)
    return ctx, caller


async def read_json(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The JSON object body; bodyless POST/PUT (octet-stream, length 0) gives {}."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad_request_body()
        return {}
    try:
        data = json.loads(raw)
        # Nested past the stack, or text no database stores (NUL, unpaired surrogates).
        if untrusted.unstorable(raw, data) is not None:
            raise bad_request_body()
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise bad_request_body() from None
    if not isinstance(data, dict):
        raise bad_request_body()
    return data


def encode(data: Any) -> bytes:
    """The JSON body of `data`, compact, as every answer is sent."""
    return json.dumps(data, separators=(",", ":")).encode()


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if status == 204:
        return Response(status_code=204, headers=headers)
    return respond_encoded(encode(data), status, headers)


def respond_encoded(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer whose body is already encoded (see `encode`)."""
    return Response(body, status_code=status, headers=headers, media_type=JSON_TYPE)


def base_url(request: Request) -> str:
    return context_of(request).base_url(request)


def page(
    request: Request,
    rows: Iterable[Row],
    *,
    default_limit: int = 200,
    max_limit: int = 200,
    key: str = "id",
) -> tuple[list[Row], dict[str, str]]:
    """One page by `after` (the last id seen) and `limit`, with the Link headers Okta sends.

    `rows` may be lazy: it is read up to `after`, then for one row past the page (to know whether
    there is a next one), and no further.
    """
    params = request.query_params
    try:
        limit = int(params.get("limit", default_limit))
    except ValueError:
        raise OktaError("Api validation failed: limit", causes=["limit: must be a number"]) from None
    limit = max(1, min(limit, max_limit)) if limit > 0 else default_limit
    after = params.get("after")
    remaining = iter(rows)
    if after:
        for row in remaining:
            if row[key] == after:
                break
        else:  # an unknown cursor: an empty last page
            remaining = iter(())
    chunk = list(islice(remaining, limit))
    more = bool(chunk) and next(remaining, None) is not None
    url = f"{base_url(request)}{request.url.path}"
    query = {k: v for k, v in params.items() if k not in ("after",)}
    links = [f'<{url}?{urlencode(query)}>; rel="self"' if query else f'<{url}>; rel="self"']
    if more:
        nxt = {**query, "after": chunk[-1][key], "limit": str(limit)}
        links.append(f'<{url}?{urlencode(nxt)}>; rel="next"')
    return chunk, {"Link": ", ".join(links)}


def link(href: str, **extra: Any) -> dict[str, Any]:
    return {"href": href, **extra}
