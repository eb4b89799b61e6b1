"""All HTTP routes of the Slack twin: the Web API plus the twin-hosted side channels."""

from __future__ import annotations

from fastapi import APIRouter

from twins._runtime.context import TwinContext
from twins.slack.api import build_router
from twins.slack.response_urls import build_hooks_router
from twins.slack.side_routes import build_side_router


def build_routes(ctx: TwinContext) -> APIRouter:
    router = APIRouter()
    router.include_router(build_router(ctx))
    router.include_router(build_side_router())
    router.include_router(build_hooks_router())
    return router
