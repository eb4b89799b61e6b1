"""Okta's own admin routes under /_twin/okta: event hook deliveries (the outbox's attempt log, also
at /_twin/okta/outbox as for every kit twin), signing key rotation, OAuth settings.

`build_admin_routes` is the one builder the service registers; each feature adds its routes by
including its own router here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from twins._runtime.admin import Admin, TenantParam, tenant_state
from twins._runtime.context import TwinContext
from twins.okta import hooks


def hook_delivery_routes(ctx: TwinContext) -> APIRouter:
    """GET/DELETE /_twin/okta/hook-deliveries: every attempt to reach an event hook."""
    router = APIRouter()

    @router.get("/hook-deliveries")
    async def list_deliveries(
        request: Request,
        ctx: Admin,
        tenant: TenantParam = None,
        hook_id: str | None = None,
        kind: Annotated[str | None, Query(pattern="^(event|verification)$")] = None,
        status: Annotated[str | None, Query(pattern="^(delivered|failed)$")] = None,
        after: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        outbox = hooks.outbox_of(ctx)
        return {
            "tenant": state.id,
            "deliveries": outbox.log.matching(state.id, after, hook_id=hook_id, kind=kind, status=status),
            "pending": outbox.pending(state.id),
        }

    @router.delete("/hook-deliveries")
    async def clear_deliveries(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return {"removed": hooks.outbox_of(ctx).log.clear(state.id)}

    return router


def build_admin_routes(ctx: TwinContext) -> APIRouter:
    """Mounted by the runtime at /_twin/okta (admin token required), after the kit's own."""
    router = APIRouter(tags=["okta"])
    router.include_router(hook_delivery_routes(ctx))
    from twins.okta.routes.authservers import build_admin_router as oauth_admin_routes

    router.include_router(oauth_admin_routes(ctx))
    return router
