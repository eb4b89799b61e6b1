"""The notes twin's tables, seed and credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Field, SQLModel

from twins._runtime.collection import CollectionSpec, TenantRow, TenantState

metadata = SQLModel.metadata


class NotesNote(TenantRow, table=True):
    __tablename__ = "notes_notes"
    __table_args__ = {"extend_existing": True}
    id: str = Field(primary_key=True)
    number: int
    title: str
    state: str = "open"


class NotesToken(TenantRow, table=True):
    __tablename__ = "notes_tokens"
    __table_args__ = {"extend_existing": True}
    token: str = Field(primary_key=True)
    login: str


COLLECTIONS = [
    CollectionSpec.of(NotesNote),
    CollectionSpec.of(NotesToken, key="token", credential="token"),
]


def seed(state: TenantState, _size: int) -> None:
    """One user's API token; no notes."""
    state["notes_tokens"].insert({"token": "nt_" + state.ids.hex("token", 32), "login": "octo"})


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    row = next(iter(state["notes_tokens"]))
    return {"base_url": base_url, "api_token": row["token"], "login": row["login"]}


def credential_from_headers(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    scheme, _, rest = headers.get("authorization", "").partition(" ")
    return rest.strip() or None if scheme.lower() in ("bearer", "token") else None
