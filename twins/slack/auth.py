"""Who calls the Web API: a token (bearer header or `token` argument, scopes on the token row),
or for oauth.v2.access the app's client credentials (arguments or HTTP Basic)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import context_of
from twins._runtime.store import Store
from twins.kit.auth import Caller, Credential, Scope, SlackTokens, split_header


def inactive(state: TenantState, token: Row) -> str | None:
    """A live token of a deactivated user is refused with `account_inactive`."""
    user = state["users"].get(token["user_id"])
    return "account_inactive" if user is not None and user["deleted"] else None


TOKENS = SlackTokens(collection="tokens", field="id", subject="user_id", refuse=inactive)


def basic_credentials(cred: Credential) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic header, if the request has a readable one."""
    scheme, rest = split_header(cred.authorization)
    if scheme != "basic":
        return None
    try:
        user, _, password = base64.b64decode(rest).decode().partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return user, password


def tenant_of_client(store: Store, picked: str, client_id: str) -> str | None:
    """The tenant whose app has `client_id`: `picked` (the request's own) first, then any other."""
    if not client_id:
        return None
    own = store.get(picked)
    if own is not None and own["apps"].by("client_id", client_id) is not None:
        return own.id
    for state in list(store.tenants.values()):
        if state["apps"].by("client_id", client_id) is not None:
            return state.id
    return None


@dataclass(frozen=True)
class ClientApp:
    """oauth.v2.access: no token; the tenant is the one whose app has the `client_id` given (as an
    argument or as HTTP Basic's user, the secret as its password), the request's own first. The
    caller's `token` holds the credentials read from Basic, for the handler to check."""

    name: str = "slack-client"
    scoped: bool = False
    vocabulary: frozenset[str] | None = None

    def authenticate(self, cred: Credential) -> Caller:
        basic = basic_credentials(cred)
        given = {"client_id": basic[0], "client_secret": basic[1]} if basic else {}
        client_id = str(cred.args.get("client_id") or given.get("client_id") or "").strip()
        picked = cred.named_tenant or context_of(cred.request).settings.default_tenant
        tenant = tenant_of_client(cred.store, picked, client_id) or picked
        return Caller(tenant, client_id, "client", None, given)

    def check(self, caller: Caller, scope: Scope) -> None:
        return None


def credential_from_headers(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return query.get("token")
