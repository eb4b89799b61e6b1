"""What Okta's operations on the twin kit share: the management API's auth (SSWS API tokens of
active admins, or the org server's bearer tokens with `okta.*` scopes) and its error style, and the
OAuth endpoints' error style; the credential a request names (`credential_from_headers`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import TwinError
from twins.kit import OKTA, Call, Caller, Credential, LinkAfter, OktaTokens
from twins.kit.errors import okta_body
from twins.okta import tokens
from twins.okta.backend import oidc
from twins.okta.errors import OktaError, invalid_token

OKTA_ID = re.compile(r"[0-9A-Za-z]{20}")  # what Okta's ids (and so its `after` cursors) look like
ACTIVE = ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY")  # the owner statuses an API token works for

# The Okta twin renders every error itself (errors.py); OktaError carries the errorCauses.
STYLE = replace(OKTA, error_class=OktaError)


def oauth_body(error: TwinError) -> dict[str, Any]:
    """OAuth's `{"error", "error_description"}`; Okta's own errors (an unknown authorization
    server: 404 E0000007) keep Okta's body."""
    if error.code.startswith("E0000"):
        return okta_body(error)
    return {"error": error.code, "error_description": error.message}


OAUTH_STYLE = replace(
    STYLE,
    name="okta-oauth",
    body=oauth_body,
    statuses={**OKTA.statuses, "invalid_request": 400, "invalid_client": 401, "server_error": 500},
    invalid_code="invalid_request",
    bad_body_code="invalid_request",
)


def owner_active(state: TenantState, token: Row) -> bool:
    owner = state["users"].get(token["user_id"])
    return owner is not None and owner["status"] in ACTIVE


class OrgBearer:
    """The management API's check of `Bearer` tokens (an extension built when the twin starts):
    access tokens of the org authorization server, signed by the org key, unexpired, unrevoked."""

    def __init__(self, ctx: TwinContext) -> None:
        self.ctx = ctx

    def verify(self, cred: Credential, token: str) -> Caller:
        jti = (tokens.unverified_claims(token) or {}).get("jti")
        if not isinstance(jti, str):
            raise invalid_token()
        store = self.ctx.store
        first = cred.named_tenant or self.ctx.settings.default_tenant
        for tenant_id in [first, *(t for t in list(store.tenants) if t != first)]:
            state = store.get(tenant_id)
            if state is None or state["tokens"].get(jti) is None:
                continue
            found = oidc.management_caller(state, token)
            if found is None:
                break
            return Caller(state.id, found[0], "bearer", frozenset(found[1]))
        raise invalid_token()


def org_bearer(cred: Credential, token: str) -> Caller | None:
    return cred.extensions.get(OrgBearer).verify(cred, token)


AUTH = OktaTokens(collection="api_tokens", subject="user_id", bearer=org_bearer, active=owner_active)


def pages(default: int = 200, most: int = 200, key: str = "id") -> LinkAfter:
    """Okta's `after`/`limit` paging by object ids; an `after` that is no Okta id is refused."""
    return LinkAfter(default=default, most=most, key=key, cursor=OKTA_ID.fullmatch)


def expand(
    call: Call, supported: tuple[str, ...], *, known: tuple[str, ...] = (), several: bool = False
) -> str:
    """The `expand` argument: values the twin supports, or that Okta knows and the twin does not
    model (`known`: accepted, no effect; LIMITATIONS.md says which). Any other value is refused
    as an invalid argument. `several`: a comma-separated list (groups); a supported value ending
    in "/" takes an id after it (`user/{userId}`)."""
    value = call.args.text("expand")
    parts = (value.split(",") if several else [value]) if value else []
    for part in parts:
        exact = part in known or (part in supported and not part.endswith("/"))
        if not exact and not any(s.endswith("/") and part.startswith(s) and part != s for s in supported):
            choices = ", ".join(s + "{id}" if s.endswith("/") else s for s in (*supported, *known))
            raise call.args.refuse("expand", f"Unsupported expand value {part!r}; valid values: {choices}")
    return value


def credential_from_headers(headers: Mapping[str, str], _query: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "").strip()
    if auth[:4].upper() == "SSWS":
        return auth[4:].strip()
    return None
