"""The example twin's tables, seed and credentials: users, their API tokens, tasks and webhooks."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from sqlmodel import Field, SQLModel

from twins._runtime.collection import CollectionSpec, TenantRow, TenantState, json_field

metadata = SQLModel.metadata


class ExampleUser(TenantRow, table=True):
    __tablename__ = "example_users"
    id: str = Field(primary_key=True)
    email: str
    name: str
    status: str = "ACTIVE"


class ExampleToken(TenantRow, table=True):
    __tablename__ = "example_tokens"
    token: str = Field(primary_key=True)
    user_id: str
    email: str
    scopes: list[str] = json_field([])


class ExampleTask(TenantRow, table=True):
    __tablename__ = "example_tasks"
    id: str = Field(primary_key=True)
    title: str
    done: bool = False
    owner: str = ""
    created: float = 0.0


class ExampleHook(TenantRow, table=True):
    __tablename__ = "example_hooks"
    id: str = Field(primary_key=True)
    url: str
    secret: str = ""
    events: list[str] = json_field([])
    owner: str = ""  # deliver only events of this owner's tasks ("" = all), like a JQL filter


COLLECTIONS = [
    CollectionSpec.of(ExampleUser, unique=("email",)),
    CollectionSpec.of(ExampleToken, key="token", index=("user_id",), credential="token"),
    CollectionSpec.of(ExampleTask, index=("owner",)),
    CollectionSpec.of(ExampleHook),
]
ALL_SCOPES = ["read:tasks", "write:tasks", "manage:webhooks", "example.users.read", "example.users.manage"]


def seed(state: TenantState, size: int) -> None:
    """Two users (an admin with every scope, a reader) and `size` tasks owned by the admin."""
    for user_id, email, scopes in (
        ("U1", "admin@example.test", ALL_SCOPES),
        ("U2", "reader@example.test", []),
    ):
        state["example_users"].insert({"id": user_id, "email": email, "name": email.split("@")[0]})
        token = "ex-" + state.ids.hex(f"token-{user_id}", 24)
        state["example_tokens"].insert({"token": token, "user_id": user_id, "email": email, "scopes": scopes})
    reader = state["example_tokens"].where("user_id", "U2")[0]
    state["example_tokens"].update(reader["token"], scopes=["read:tasks", "example.users.read"])
    for i in range(size):
        task_id = state.ids.next("task", prefix="T-", length=6)
        state["example_tasks"].insert({"id": task_id, "title": f"task {i}", "owner": "U1", "created": i})


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    """The tokens of the seeded users, by user id, and their emails."""
    out: dict[str, Any] = {"base_url": base_url}
    for row in state["example_tokens"]:
        out[f"{row['user_id']}_token"] = row["token"]
        out[f"{row['user_id']}_email"] = row["email"]
    return out


def credential_from_headers(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The token a request carries (Basic email:token, Bearer, SSWS, or a `token` argument)."""
    scheme, _, rest = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(rest).decode().partition(":")[2] or None
        except ValueError:
            return None
    if scheme.lower() in ("bearer", "ssws"):
        return rest.strip() or None
    return query.get("token")
