"""JSON documents per resource and tenant, for twins whose resources are described as data (the
generated ones): one table of documents keyed by their collection's concrete path and their key,
one of API tokens, the seed that puts both in a fresh tenant, and the auth strategy that takes
any token the store knows (so a generated mount also accepts the tokens of the twin it extends).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Field, SQLModel

from twins._runtime.collection import CollectionSpec, Row, TenantRow, TenantState, json_field
from twins._runtime.errors import TwinError
from twins.kit.auth import Caller, Credential, Scope, split_header
from twins.kit.errors import ErrorStyle

DOCUMENTS = "kit_documents"
TOKENS = "kit_tokens"
Credentials = Callable[[TenantState, str], dict[str, Any]]
SEP = "\n"  # between a document's scope and key in its row id (neither holds a newline)
metadata = SQLModel.metadata


class KitDocument(TenantRow, table=True):
    __tablename__ = DOCUMENTS
    id: str = Field(primary_key=True)
    scope: str  # the concrete collection path: /api/v1/users, /repos/octo/hello/issues
    key: str
    body: dict[str, Any] = json_field({})
    seeded: bool = False  # recorded before the twin existed: its URLs name the vendor's host


class KitToken(TenantRow, table=True):
    __tablename__ = TOKENS
    token: str = Field(primary_key=True)
    subject: str = ""


COLLECTIONS = [
    CollectionSpec.of(KitDocument, index=("scope",)),
    CollectionSpec.of(KitToken, key="token", credential="token"),
]


def row_id(scope: str, key: str) -> str:
    return f"{scope}{SEP}{key}"


def wrap(body: Any) -> dict[str, Any]:
    """A body as a row's JSON object (a list or scalar is kept under `$value`)."""
    return body if isinstance(body, dict) and "$value" not in body else {"$value": body}


def body_of(row: Row) -> Any:
    """A stored document's body as stored (a list or scalar out of its `$value`), not copied."""
    stored = row["body"]
    return stored.get("$value", stored)


def unwrap(stored: Mapping[str, Any]) -> Any:
    return stored["$value"] if "$value" in stored else dict(stored)


def seed_documents(state: TenantState, documents: Iterable[tuple[str, str, Any]]) -> None:
    """The API token every fresh tenant has, and the documents that existed before any call."""
    token = "twn_" + state.ids.chars("api-token", 40)
    state[TOKENS].insert({"token": token, "subject": "admin"})
    docs = state[DOCUMENTS]
    for scope, key, body in documents:
        if row_id(scope, key) not in docs:
            docs.insert(
                {"id": row_id(scope, key), "scope": scope, "key": key, "body": wrap(body), "seeded": True}
            )


def credentials_as(url_key: str = "base_url", token_key: str = "token", **fixed: str) -> Credentials:
    """The tenant's URL and API token under the names the vendor's clients use (Okta's
    `org_url` and `api_token`), with any `fixed` values beside them (Jira's admin `email`), as
    the admin API and `twins up` show them."""

    def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
        token = next((row["token"] for row in state[TOKENS]), "")
        return {**fixed, url_key: base_url, token_key: token}

    return credentials


credentials = credentials_as()


def credential_from_headers(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The token a request carries: `<scheme> <token>`, Basic `user:token`, or `access_token`."""
    return _token(headers.get("authorization", ""), query)


def _token(header: str, query: Mapping[str, str]) -> str | None:
    """`credential_from_headers` of a request whose Authorization header is `header`."""
    scheme, rest = split_header(header)
    if not rest and scheme.startswith("ssws"):  # Okta takes `SSWS<token>` too
        scheme, rest = "ssws", header.strip()[4:]
    if scheme == "basic":
        try:
            return base64.b64decode(rest).decode().partition(":")[2] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return rest or query.get("access_token") or None


@dataclass(frozen=True)
class StoreTokens:
    """Any token the store maps to a tenant, under any of the vendor's schemes (and Bearer)."""

    schemes: tuple[str, ...] = ("bearer",)
    unauthorized: Callable[[], TwinError] = lambda: TwinError(
        "Requires authentication", code="unauthorized", status=401
    )
    name: str = "tokens"
    scoped: bool = False
    vocabulary: frozenset[str] | None = None

    def authenticate(self, cred: Credential) -> Caller:
        header = cred.authorization  # read from the raw headers once, split once
        scheme, _ = split_header(header)
        scheme = "ssws" if scheme.startswith("ssws") else scheme
        token = _token(header, {})
        if scheme not in (*self.schemes, "bearer", "basic", "token") or not token:
            raise self.unauthorized()
        tenant = cred.store.tenant_for_credential(token)
        if tenant is None or (cred.named_tenant and cred.named_tenant != tenant):
            raise self.unauthorized()
        return Caller(tenant, "admin", scheme)

    def check(self, caller: Caller, scope: Scope) -> None:
        return None


def documents_in(state: TenantState, scope: str) -> list[Row]:
    """The rows of one collection path, oldest first."""
    if DOCUMENTS not in state.collections:
        return []
    return state[DOCUMENTS].where("scope", scope)


def recorded_style(name: str, recorded: Callable[[], Mapping[str, Any]]) -> ErrorStyle:
    """An error style from the bodies a vendor was recorded answering, by status (`recorded()`
    gives `{"404": {"response": …}, …}`); a status never recorded gets `{"message": …}`."""

    def body(error: TwinError) -> Any:
        example = recorded().get(str(error.status)) or {}
        answer = example.get("response")
        if isinstance(answer, dict) and "message" in answer and error.message:
            return {**answer, "message": error.message}
        return answer if answer is not None else {"message": error.message or error.code}

    return ErrorStyle(
        name=name,
        body=body,
        statuses={"unauthorized": 401, "forbidden": 403, "not_found": 404, "rate_limited": 429},
        http_codes={404: "not_found", 405: "method_not_allowed", 422: "bad_request", 500: "internal_error"},
        invalid_code="bad_request",
        bad_body_code="bad_request",
        rate_limit_code="rate_limited",
        rate_limit_headers=lambda d: {"Retry-After": str(d.retry_after)},
    )
