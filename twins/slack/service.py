"""The Slack twin, declared on the kit: its tables, seed and credentials, the Web API, the Events
API outbox, the routes beside them and admin routes."""

from __future__ import annotations

from sqlmodel import SQLModel

from twins._runtime.service import Service
from twins.kit import Kit, ready
from twins.slack import errors, outbox, scheduler
from twins.slack.admin import build_admin_routes
from twins.slack.auth import credential_from_headers
from twins.slack.methods import limits, load_all, web_api
from twins.slack.migrations import MIGRATIONS
from twins.slack.models import COLLECTIONS
from twins.slack.response_urls import Interactions, add_hook_routes, forget
from twins.slack.scheduler import Scheduler
from twins.slack.seed import credentials, env, seed
from twins.slack.side_routes import add_side_routes
from twins.slack.web_api import answer_headers, post_due, rate_subject


def kit() -> Kit:
    """The twin as data: the Web API's methods (`methods/`, loaded first) at `/api/{name}` with
    Slack's rate tiers and headers, the Events API outbox, and the routes beside them (OAuth
    pages, incoming webhooks, response URLs); the scheduler starts with the kit's runtime."""
    load_all()
    return Kit(
        name="slack",
        title="Slack",
        default_port=8101,
        collections=COLLECTIONS,
        metadata=SQLModel.metadata,
        migrations=MIGRATIONS,
        seed=seed,
        credentials=credentials,
        credential_from_headers=credential_from_headers,
        env=env,
        style=errors.STYLE,
        http_error=errors.http_error,
        registries=[web_api],
        rpc_path="/api/{name}",
        encode=ready.dumps,  # rendered messages are spliced in as their ready JSON
        outbox=outbox.make,
        limits=limits(),
        answer_headers=answer_headers,
        before_call=post_due,
        rate_subject=rate_subject,
        extensions=[Interactions.build, Scheduler],
        more_routes=[add_side_routes, add_hook_routes],
        admin=build_admin_routes,
        upload_paths=("/upload/",),
        start=scheduler.start,
        forget=forget,
    )


def create_service() -> Service:
    return kit().service()
