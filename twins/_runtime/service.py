"""What a twin service plugs into the runtime: tables, routes, seed, credentials and error style."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import CollectionSpec, TenantState
from twins._runtime.errors import TwinError
from twins._runtime.migrations import Migration

if TYPE_CHECKING:
    from twins._runtime.context import TwinContext


@dataclass
class Service:
    """A vendor twin as the runtime sees it; `twins.<name>:SERVICE` or `create_service()`."""

    name: str
    title: str
    default_port: int
    collections: list[CollectionSpec]
    metadata: sa.MetaData | None
    routes: Callable[[TwinContext], APIRouter]
    render_error: Callable[[TwinError, Request], Response]
    http_error: Callable[[int, Request, str], TwinError]
    seed: Callable[[TenantState, int], None]
    credentials: Callable[[TenantState, str], dict[str, Any]]
    credential_from_headers: Callable[[Mapping[str, str], Mapping[str, str]], str | None]
    rate_limited: Callable[[int, Request], TwinError]
    env: Callable[[str, dict[str, Any]], dict[str, str]] = field(default=lambda url, creds: {})
    admin_routes: Callable[[TwinContext], APIRouter] | None = None
    on_start: Callable[[TwinContext], None] | None = None
    on_stop: Callable[[TwinContext], None] | None = None
    # Forget what the service keeps of a tenant outside the store (delivery logs, queues, rate-limit
    # windows...), so a reset or re-seeded tenant looks like a fresh one in every admin view.
    on_reset: Callable[[TwinContext, str], None] | None = None
    implements: Callable[[str, str], bool] | None = None
    # Path prefixes that take file uploads: their bodies may reach `Settings.max_upload`.
    upload_paths: tuple[str, ...] = ()
    # Vendor ASGI middleware around the service's routes (inside fault injection), e.g. rate limits.
    middleware: Callable[[Any, TwinContext], Any] | None = None  # (METHOD, spec path) for COVERAGE.md
    # Schema versions of the twin's tables, oldest first (migrations.py).
    migrations: list[Migration] = field(default_factory=list)
