"""What Okta's operations on the twin kit share: the management API's auth (SSWS API tokens of
active admins, or the org server's bearer tokens with `okta.*` scopes) and its error style."""

from __future__ import annotations

from dataclasses import replace

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import context_of
from twins.kit import OKTA, Caller, Credential, OktaTokens
from twins.okta.errors import OktaError

ACTIVE = ("ACTIVE", "PASSWORD_EXPIRED", "RECOVERY")  # the owner statuses an API token works for

# The Okta twin renders every error itself (errors.py); OktaError carries the errorCauses.
STYLE = replace(OKTA, error_class=OktaError)


def owner_active(state: TenantState, token: Row) -> bool:
    owner = state["users"].get(token["user_id"])
    return owner is not None and owner["status"] in ACTIVE


def org_bearer(cred: Credential, token: str) -> Caller | None:
    """An access token of the org authorization server (checked by routes/oauth.py's verifier)."""
    verify = context_of(cred.request).extras.get("okta_bearer")
    if verify is None:
        return None
    found = verify(cred.request, token)
    return Caller(found.tenant, found.user_id, "bearer", frozenset(found.scopes or ()))


AUTH = OktaTokens(collection="api_tokens", subject="user_id", bearer=org_bearer, active=owner_active)
