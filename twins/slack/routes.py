"""All HTTP routes of the Slack twin: the Web API (on the kit) plus the twin-hosted side channels."""

from __future__ import annotations

from fastapi import APIRouter

from twins._runtime.context import TwinContext
from twins.slack.response_urls import add_hook_routes
from twins.slack.side_routes import add_side_routes
from twins.slack.web_api import mount


def build_routes(ctx: TwinContext) -> APIRouter:
    """One flat router (no nested routers to walk per request), the Web API first."""
    router = APIRouter()
    router.include_router(mount().routes(ctx))
    add_side_routes(router)
    add_hook_routes(router)
    return router
