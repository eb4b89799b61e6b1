"""The Okta twin's operations, one module per resource family: each holds a `Registry` (`ops`) of
operations on the twin kit, served together by one `Mount` (the OAuth endpoints too: HTML sign-in,
redirects and cookies are replies of their own)."""

from __future__ import annotations

from fastapi import APIRouter

from twins._runtime.context import TwinContext
from twins.kit.twin import Mount
from twins.okta import hooks
from twins.okta.common import encode
from twins.okta.kit import STYLE, OrgBearer
from twins.okta.ratelimits import LIMIT
from twins.okta.routes import (
    apps,
    authn,
    authserver_items,
    authservers,
    credentials,
    discovery,
    eventhooks,
    group_rules,
    groups,
    lifecycle,
    logs,
    oauth,
    schema,
    sessions,
    users,
)

# /groups/rules before /groups/{id}: the first match wins.
REGISTRIES = [
    users.ops,
    lifecycle.ops,
    credentials.ops,
    sessions.ops,
    schema.ops,
    group_rules.ops,
    groups.ops,
    apps.ops,
    authservers.ops,
    authserver_items.ops,
    logs.ops,
    authn.ops,
    eventhooks.ops,
    discovery.ops,
    oauth.ops,
]


def mount() -> Mount:
    """The operations, served together: Okta's error style, its org-wide limits counted before
    routing (ratelimits.py), the event hooks' outbox (hooks.py)."""
    return Mount(
        style=STYLE,
        registries=REGISTRIES,
        encode=encode,
        extensions=[OrgBearer],
        outbox=hooks.make,
        pre_route_limit=LIMIT,
    )


MOUNT = mount()


def build_routes(ctx: TwinContext) -> APIRouter:
    """Every operation of the twin, served by the kit."""
    router = MOUNT.routes(ctx)
    hooks.bind(ctx)
    return router
