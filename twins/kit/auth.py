"""Auth strategies: each reads a request's credential and returns a typed `Caller`, or raises
the vendor's error. A strategy that grants scopes (`scoped`) makes the `scope=` of every operation
using it mandatory, and checks the named scopes against its vocabulary: a missing or unknown scope
is an error when the twin starts, never a silent default (`scope=()` says "no scope needed").

Ready made: `SlackTokens` (bearer header or `token` argument, scopes on the token row),
`OktaTokens` (`SSWS <api token>`, all admin rights; `Bearer <access token>` with `okta.*` scopes,
`.manage` implying `.read`), `BasicOrBearer` (Jira: `Basic email:api-token` with the user's
rights, `Bearer` with OAuth scopes) and `Anonymous`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from starlette.requests import Request

from twins._runtime.collection import Row, TenantState
from twins._runtime.errors import TwinError
from twins._runtime.store import Store
from twins.kit.extensions import Extensions

Scope = str | tuple[str, ...]


@dataclass(frozen=True)
class Caller:
    """Who calls: the tenant, the subject (user or app id), how, and the scopes granted
    (None: every right, as an admin API token has)."""

    tenant: str
    subject: str
    kind: str
    scopes: frozenset[str] | None = None
    token: Row | None = None


class Credential:
    """What a strategy reads from a request: headers (lower-case names), arguments, the tenant
    the request named (`X-Twin-Tenant`, host), the store and the twin's extensions (a bearer
    token verifier keeps its keys there), and the request itself. Without `headers` given, they
    are the request's, read when first asked for; `authorization` reads that one header."""

    __slots__ = ("_headers", "args", "extensions", "named_tenant", "request", "store")

    def __init__(
        self,
        headers: Mapping[str, str] | None,
        args: Mapping[str, Any],
        named_tenant: str | None,
        store: Store,
        extensions: Extensions,
        request: Request,
    ) -> None:
        self._headers = headers
        self.args = args
        self.named_tenant = named_tenant
        self.store = store
        self.extensions = extensions
        self.request = request

    @property
    def headers(self) -> Mapping[str, str]:
        if self._headers is None:
            self._headers = self.request.headers
        return self._headers

    @property
    def authorization(self) -> str:
        """The Authorization header ("" without one): the first, as `headers` gives it."""
        if self._headers is not None:
            return self._headers.get("authorization", "")
        for key, value in self.request.scope.get("headers") or ():
            if key == b"authorization":
                return bytes(value).decode("latin-1")
        return ""


class AuthStrategy(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def scoped(self) -> bool:
        """Whether callers hold scopes, so that every operation must name the one it needs."""

    @property
    def vocabulary(self) -> frozenset[str] | None:
        """The scopes operations may name; None: any."""

    def authenticate(self, cred: Credential) -> Caller: ...

    def check(self, caller: Caller, scope: Scope) -> None:
        """Raise the vendor's error unless `caller` holds `scope` (one of them, for a tuple)."""


def token_row(store: Store, collection: str, field: str, token: str) -> tuple[TenantState, Row] | None:
    """The tenant state and row holding `token` (a credential column of `collection`)."""
    tenant = store.tenant_for_credential(token) if token else None
    state = store.get(tenant) if tenant else None
    if state is None:
        return None
    coll = state[collection]
    row = coll.get(token) if coll.spec.key == field else coll.by(field, token)
    return None if row is None else (state, row)


def split_auth(headers: Mapping[str, str]) -> tuple[str, str]:
    """(scheme lower-cased, the rest) of the Authorization header; ("", "") without one."""
    return split_header(headers.get("authorization", ""))


def split_header(header: str) -> tuple[str, str]:
    """(scheme lower-cased, the rest) of an Authorization header's value."""
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), rest.strip()


def as_scopes(value: Any) -> frozenset[str]:
    """The scopes of a token row's field: a list, or a string separated by commas or spaces."""
    if isinstance(value, str):
        return _scopes(tuple(value.replace(",", " ").split()))
    return _scopes(tuple(value or ()))


@lru_cache(maxsize=4096)
def _scopes(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(str(s) for s in names if s)  # a token's set, made once (every call checks it)


class Callers:
    """Callers made from token rows, each kept while its token's row is the very same object
    (rows are read-only: a change stores a new one) in the same tenant; a strategy's own."""

    __slots__ = ("made",)

    def __init__(self) -> None:
        self.made: dict[Any, tuple[Row, str, Caller]] = {}

    def of(self, key: Any, state: TenantState, row: Row, make: Callable[[], Caller]) -> Caller:
        found = self.made.get(key)
        if found is not None and found[0] is row and found[1] == state.id:
            return found[2]
        if len(self.made) > 4096:
            self.made.clear()
        caller = make()
        self.made[key] = (row, state.id, caller)
        return caller


def _named_other(cred: Credential, state: TenantState) -> bool:
    return bool(cred.named_tenant) and cred.named_tenant != state.id


@dataclass(frozen=True)
class SlackTokens:
    """Slack: `Authorization: Bearer xox…` or a `token` argument; scopes on the token row."""

    collection: str = "tokens"
    field: str = "token"
    subject: str = "user_id"
    scopes_field: str = "scopes"
    revoked_field: str | None = "revoked"
    vocabulary: frozenset[str] | None = None
    name: str = "slack"
    scoped: bool = True
    # The error code refusing a live token (Slack: `account_inactive` for a deactivated user's).
    refuse: Callable[[TenantState, Row], str | None] | None = None
    callers: Callers = dataclasses.field(default_factory=Callers, init=False, compare=False, repr=False)

    def authenticate(self, cred: Credential) -> Caller:
        scheme, rest = split_header(cred.authorization)
        token = rest if scheme == "bearer" else str(cred.args.get("token") or "")
        if not token:
            raise TwinError(code="not_authed", status=200)
        found = token_row(cred.store, self.collection, self.field, token)
        if found is None:
            raise TwinError(code="invalid_auth", status=200)
        state, row = found
        if self.revoked_field and row.get(self.revoked_field):
            raise TwinError(code="token_revoked", status=200)
        refused = self.refuse(state, row) if self.refuse is not None else None
        if refused:
            raise TwinError(code=refused, status=200)
        return self.callers.of(
            token,
            state,
            row,
            lambda: Caller(
                state.id, str(row.get(self.subject, "")), "token", as_scopes(row.get(self.scopes_field)), row
            ),
        )

    def check(self, caller: Caller, scope: Scope) -> None:
        accepted = (scope,) if isinstance(scope, str) else scope
        if caller.scopes is None or not accepted or caller.scopes.intersection(accepted):
            return
        granted = caller.token.get(self.scopes_field) if caller.token is not None else None
        # As the token lists them (Slack keeps the order they were granted in).
        provided = ",".join(granted) if isinstance(granted, list) else ",".join(sorted(caller.scopes))
        raise TwinError(code="missing_scope", status=200, needed=accepted[0], provided=provided)


def okta_invalid_token() -> TwinError:
    return TwinError("Invalid token provided", code="E0000011", status=401)


def okta_forbidden() -> TwinError:
    return TwinError(
        "You do not have permission to perform the requested action", code="E0000006", status=403
    )


BearerCheck = Callable[[Credential, str], Caller | None]
OKTA_AUTH = re.compile(r"^(SSWS|Bearer)\s*(\S+)$", re.IGNORECASE)  # Okta takes "SSWS<token>" too


@dataclass(frozen=True)
class OktaTokens:
    """Okta: `SSWS <api token>` (an active admin's, every right) or `Bearer <access token>`,
    checked by `bearer` (the twin's token verifier), with `okta.*` scopes."""

    collection: str = "api_tokens"
    field: str = "token"
    subject: str = "user_id"
    bearer: BearerCheck | None = None
    active: Callable[[TenantState, Row], bool] | None = None
    vocabulary: frozenset[str] | None = None
    name: str = "okta"
    scoped: bool = True
    callers: Callers = dataclasses.field(default_factory=Callers, init=False, compare=False, repr=False)

    def authenticate(self, cred: Credential) -> Caller:
        header = cred.authorization
        if not header:
            raise TwinError("Invalid session", code="E0000005", status=401)
        match = OKTA_AUTH.match(header.strip())
        if match is None:
            raise okta_invalid_token()
        scheme, token = match.group(1).lower(), match.group(2)
        if scheme == "ssws":
            found = token_row(cred.store, self.collection, self.field, token)
            if found is None or _named_other(cred, found[0]):
                raise okta_invalid_token()
            state, row = found
            if self.active is not None and not self.active(state, row):
                raise okta_invalid_token()
            return self.callers.of(
                token, state, row, lambda: Caller(state.id, str(row[self.subject]), "ssws", None, row)
            )
        if self.bearer is not None:
            caller = self.bearer(cred, token)
            if caller is not None:
                return caller
        raise okta_invalid_token()

    def check(self, caller: Caller, scope: Scope) -> None:
        if caller.scopes is None or scope == ():
            return
        for wanted in (scope,) if isinstance(scope, str) else scope:
            family = wanted.rsplit(".", 1)[0]
            if wanted in caller.scopes or f"{family}.manage" in caller.scopes:
                return
        raise okta_forbidden()


@dataclass(frozen=True)
class BasicOrBearer:
    """Jira: `Basic base64(email:api-token)` (the user's own rights) or `Bearer <token>` with
    OAuth scopes; both look the token up in `collection`, whose `email` field must match."""

    collection: str = "api_tokens"
    field: str = "token"
    subject: str = "account_id"
    email_field: str = "email"
    scopes_field: str = "scopes"
    vocabulary: frozenset[str] | None = None
    name: str = "jira"
    scoped: bool = True

    def authenticate(self, cred: Credential) -> Caller:
        scheme, rest = split_header(cred.authorization)
        if scheme == "basic":
            try:
                email, _, token = base64.b64decode(rest, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise self.unauthorized() from None
            found = token_row(cred.store, self.collection, self.field, token)
            if found is None or found[1].get(self.email_field) != email or _named_other(cred, found[0]):
                raise self.unauthorized()
            return Caller(found[0].id, str(found[1][self.subject]), "basic", None, found[1])
        if scheme == "bearer" and rest:
            found = token_row(cred.store, self.collection, self.field, rest)
            if found is None or _named_other(cred, found[0]):
                raise self.unauthorized()
            scopes = as_scopes(found[1].get(self.scopes_field))
            return Caller(found[0].id, str(found[1][self.subject]), "bearer", scopes, found[1])
        raise self.unauthorized()

    @staticmethod
    def unauthorized() -> TwinError:
        return TwinError(
            "Client must be authenticated to access this resource.", code="unauthorized", status=401
        )

    def check(self, caller: Caller, scope: Scope) -> None:
        accepted = (scope,) if isinstance(scope, str) else scope
        if caller.scopes is None or not accepted or caller.scopes.intersection(accepted):
            return
        raise TwinError("Unauthorized; scope does not match", code="unauthorized", status=401)


@dataclass(frozen=True)
class Anonymous:
    """No credential: the caller is the tenant the request named (or the default one)."""

    default_tenant: str = "default"
    name: str = "anonymous"
    scoped: bool = False
    vocabulary: frozenset[str] | None = None

    def authenticate(self, cred: Credential) -> Caller:
        return Caller(cred.named_tenant or self.default_tenant, "", "anonymous")

    def check(self, caller: Caller, scope: Scope) -> None:
        return None


def check_declared(op_name: str, strategy: AuthStrategy | None, scope: Scope | None) -> None:
    """Start-up check of one operation's auth and scope (see the module's docstring)."""
    if strategy is None or not strategy.scoped:
        if scope is not None and strategy is None:
            raise ValueError(f"{op_name}: scope={scope!r} without an auth strategy")
        return
    if scope is None:
        raise ValueError(f"{op_name}: auth {strategy.name!r} grants scopes, so the operation must name one")
    named: Collection[str] = (scope,) if isinstance(scope, str) else scope
    unknown = [s for s in named if strategy.vocabulary is not None and s not in strategy.vocabulary]
    if unknown:
        raise ValueError(f"{op_name}: unknown scope(s) {', '.join(unknown)} for auth {strategy.name!r}")
