"""The default tenant's state of an app built by `build_app`, for tests that look behind the API."""

from __future__ import annotations

from fastapi import FastAPI

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext


def default_state(app: FastAPI) -> TenantState:
    ctx = app.state.twin
    assert isinstance(ctx, TwinContext)
    return ctx.default_state()
