"""The Slack twin as a runtime service: tables, routes, seed, credentials and error style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import SQLModel

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins._runtime.service import Service
from twins.kit import Kit, ready
from twins.slack import errors, outbox, response_urls, scheduler
from twins.slack.admin import build_admin_routes
from twins.slack.methods import limits, load_all, web_api
from twins.slack.migrations import MIGRATIONS
from twins.slack.models import COLLECTIONS
from twins.slack.response_urls import Interactions, add_hook_routes
from twins.slack.scheduler import Scheduler
from twins.slack.seed import seed
from twins.slack.side_routes import add_side_routes
from twins.slack.web_api import answer_headers, post_due, rate_subject


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    """What a client needs: bot token, an admin's user token, the app's secrets."""
    tokens = list(state["tokens"])
    bot = next((t for t in tokens if t["kind"] == "bot" and not t["revoked"]), None)
    admin_ids = {u["id"] for u in state["users"] if u["is_admin"] and not u["deleted"]}
    user = next(
        (t for t in tokens if t["kind"] == "user" and t["user_id"] in admin_ids and not t["revoked"]),
        None,
    )
    app = state["apps"].get(bot["app_id"]) if bot and bot["app_id"] else None
    hook = next((w for w in state["webhooks"] if app and w["app_id"] == app["id"]), None)
    team = state.meta.get("team", {})
    return {
        "api_url": f"{base_url}/api/",
        "team_id": team.get("id", ""),
        "team_domain": team.get("domain", ""),
        "bot_token": bot["id"] if bot else "",
        "bot_user_id": bot["user_id"] if bot else "",
        "user_token": user["id"] if user else "",
        "admin_user_id": user["user_id"] if user else "",
        "app_id": app["id"] if app else "",
        "client_id": app["client_id"] if app else "",
        "client_secret": app["client_secret"] if app else "",
        "signing_secret": app["signing_secret"] if app else "",
        "webhook_url": f"{base_url}{hook['url_path']}" if hook else "",
    }


def credential_from_headers(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return query.get("token")


def env(url: str, creds: dict[str, Any]) -> dict[str, str]:
    return {
        "SLACK_API_URL": f"{url}/api/",
        "SLACK_BOT_TOKEN": str(creds.get("bot_token", "")),
        "SLACK_SIGNING_SECRET": str(creds.get("signing_secret", "")),
    }


def forget(ctx: TwinContext, tenant_id: str) -> None:
    """A reset tenant's response URLs and ephemeral messages: the twin keeps them outside the store
    (the kit's runtime forgets its event deliveries, queues and rate-limit windows)."""
    response_urls.install(ctx).forget(tenant_id)


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
