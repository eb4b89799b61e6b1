"""Looking into the Okta twin's default org from tests: users, groups and System Log events."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.support.state import default_state as org
from twins._runtime.collection import Row

__all__ = ["active_users", "events", "group_named", "org", "row_of", "status_of", "user_in"]


def events(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    """The `data` of every System Log event of this type, oldest first."""
    return [e["data"] for e in org(app)["log_events"] if e["event_type"] == event_type]


def active_users(app: FastAPI) -> list[Row]:
    return [u for u in org(app)["users"] if u["status"] == "ACTIVE"]


def group_named(app: FastAPI, name: str) -> Row:
    return next(g for g in org(app)["groups"] if g["name"] == name)


def row_of(app: FastAPI, user_id: str) -> Row:
    row = org(app)["users"].get(user_id)
    assert row is not None
    return row


def user_in(app: FastAPI, status: str) -> Row:
    """A seeded user (never the admin) in `status`."""
    state = org(app)
    admin = state.meta["admin_user_id"]
    return next(u for u in state["users"] if u["status"] == status and u["id"] != admin)


def status_of(app: FastAPI, user_id: str) -> str:
    return str(row_of(app, user_id)["status"])
