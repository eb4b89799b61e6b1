"""The Okta twin, declared on the kit: its tables, seed and credentials, operations, error style,
limits, event hooks and admin routes."""

from __future__ import annotations

from sqlmodel import SQLModel

from twins._runtime.service import Service
from twins.kit import Kit
from twins.kit.openapi import by_route
from twins.okta import errors, hooks
from twins.okta.admin import build_admin_routes
from twins.okta.common import encode
from twins.okta.kit import STYLE, OrgBearer, credential_from_headers
from twins.okta.models import COLLECTIONS
from twins.okta.ratelimits import LIMIT
from twins.okta.routes import REGISTRIES
from twins.okta.seed import credentials, env, seed


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
