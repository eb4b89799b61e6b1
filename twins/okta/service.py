"""The Okta twin as a runtime service: tables, routes, seed, credentials and error style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import SQLModel

from twins._runtime.collection import TenantState
from twins._runtime.service import Service
from twins.kit import Kit
from twins.kit.openapi import by_route
from twins.okta import errors, hooks
from twins.okta.admin import build_admin_routes
from twins.okta.common import encode
from twins.okta.kit import STYLE, OrgBearer
from twins.okta.models import COLLECTIONS
from twins.okta.ratelimits import LIMIT
from twins.okta.routes import REGISTRIES
from twins.okta.seed import seed, seed_password


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    """API token of the admin, the OIDC web app's and the service app's client credentials."""
    admin_id = state.meta.get("admin_user_id", "")
    token = next((t for t in state["api_tokens"] if t["user_id"] == admin_id), None)
    admin = state["users"].get(admin_id) or {}
    out: dict[str, Any] = {
        "org_url": base_url,
        "api_token": token["token"] if token else "",
        "admin_login": admin.get("login", ""),
        "admin_password": seed_password(state),
        "user_password": seed_password(state),
    }
    for key, app_id in (
        ("web_app", state.meta.get("web_app_id")),
        ("service_app", state.meta.get("service_app_id")),
    ):
        app = state["apps"].get(app_id) if app_id else None
        if app is not None:
            oauth = app["data"].get("credentials", {}).get("oauthClient", {})
            out[f"{key}_client_id"] = oauth.get("client_id", "")
            out[f"{key}_client_secret"] = oauth.get("client_secret", "")
    out["issuer"] = f"{base_url}/oauth2/default"
    return out


def credential_from_headers(headers: Mapping[str, str], _query: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "").strip()
    if auth[:4].upper() == "SSWS":
        return auth[4:].strip()
    return None


def env(url: str, creds: dict[str, Any]) -> dict[str, str]:
    return {
        "OKTA_CLIENT_ORGURL": url,
        "OKTA_CLIENT_TOKEN": str(creds.get("api_token", "")),
        "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK": "true",
    }


def kit() -> Kit:
    """The twin as data: its operations (`routes/`) in Okta's error style, rendered by its own
    renderer; its org-wide limits counted before routing (ratelimits.py); the event hooks' outbox."""
    return Kit(
        name="okta",
        title="Okta",
        default_port=8102,
        collections=COLLECTIONS,
        metadata=SQLModel.metadata,
        seed=seed,
        credentials=credentials,
        credential_from_headers=credential_from_headers,
        env=env,
        style=STYLE,
        render_error=errors.render,
        http_error=errors.http_error,
        registries=REGISTRIES,
        encode=encode,
        extensions=[OrgBearer],
        outbox=hooks.make,
        pre_route_limit=LIMIT,
        admin=build_admin_routes,
        coverage=by_route,
    )


def create_service() -> Service:
    return kit().service()
