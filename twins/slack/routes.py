"""All HTTP routes of the Slack twin: the Web API plus the twin-hosted side channels."""

from __future__ import annotations

from fastapi import APIRouter

from twins._runtime.context import TwinContext
from twins.slack.api import add_web_api
from twins.slack.response_urls import add_hook_routes
from twins.slack.side_routes import add_side_routes


def build_routes(_ctx: TwinContext) -> APIRouter:
    """One flat router (no nested routers to walk per request), the Web API first."""
    router = APIRouter()
    add_web_api(router)
    add_side_routes(router)
    add_hook_routes(router)
    return router
