"""The admin control plane under `/_twin/`: tenants, seed, reset, snapshots, state, journal, clock, faults."""

from __future__ import annotations

import hmac
import ipaddress
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from twins._runtime.clock import Clock, ClockError, check_instant
from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext, context_of
from twins._runtime.errors import AdminError
from twins._runtime.faults import FaultRule
from twins._runtime.store import SEED_SNAPSHOT

TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def admin_error_response(exc: AdminError) -> JSONResponse:
    """The admin API's error shape: {"error": {"code", "message"}}."""
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)


def loopback_name(host: str) -> bool:
    """Whether a Host header (or an origin's host) names this machine: `localhost` and its
    subdomains (tenants), loopback addresses, and `testserver` (in-process test clients; it
    resolves nowhere, so no web page can send it)."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.split(":")[0]
    if name in ("localhost", "testserver") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_local(request: Request, allowed_origins: list[str]) -> None:
    """Without an admin token, only this machine may call: a Host that is not a loopback name (DNS
    rebinding) or an Origin of another site (a page posting a form) is refused."""
    host = request.headers.get("host", "")
    if not loopback_name(host):
        raise AdminError(
            403, "admin_host_refused", f"Host {host!r} is not a loopback name; without an admin token "
            "the admin API answers only requests to localhost / 127.0.0.1"
        )  # fmt: skip
    origin = request.headers.get("origin")
    if origin is None or origin.rstrip("/") in allowed_origins:
        return
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not loopback_name(parts.netloc):
        raise AdminError(
            403, "admin_origin_refused", f"Origin {origin!r} is another site; without an admin token the "
            "admin API refuses calls from web pages (allow one with --cors-origin)"
        )  # fmt: skip


async def require_admin(request: Request) -> TwinContext:
    """Admin calls carry the token (`Authorization: Bearer` or `X-Twin-Admin-Token`). A coroutine,
    so FastAPI runs it on the loop: a plain function would cost every admin call a worker thread."""
    ctx = context_of(request)
    if not ctx.settings.admin_auth:
        check_local(request, ctx.settings.cors_origins)
        return ctx
    given = request.headers.get("x-twin-admin-token", "")
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not given:
        raise AdminError(
            401,
            "admin_token_required",
            "send the admin token as 'Authorization: Bearer <token>' "
            "(printed by `twins up`, or set TWINS_ADMIN_TOKEN)",
        )
    if not hmac.compare_digest(given.encode("latin-1"), ctx.settings.admin_token.encode()):
        raise AdminError(403, "admin_token_invalid", "the admin token is wrong")
    return ctx


Admin = Annotated[TwinContext, Depends(require_admin)]
TenantParam = Annotated[str | None, Query(description="tenant id (default: the default tenant)")]


def tenant_state(ctx: TwinContext, request: Request, tenant: str | None) -> TenantState:
    tenant_id = tenant or request.headers.get("x-twin-tenant") or ctx.settings.default_tenant
    state = ctx.store.get(tenant_id)
    if state is None:
        raise AdminError(
            404,
            "tenant_not_found",
            f"tenant {tenant_id!r} does not exist; create it with POST /_twin/tenants",
        )
    return state


class TenantIn(BaseModel):
    id: str = Field(description="lower-case letters, digits and '-'")
    seed: int | None = None
    size: int | None = Field(default=None, ge=0, le=100_000)


class SeedIn(BaseModel):
    seed: int | None = None
    size: int | None = Field(default=None, ge=0, le=100_000)


class NameIn(BaseModel):
    name: str


class ResetIn(BaseModel):
    snapshot: str | None = Field(default=None, description="a named snapshot (default: the seed state)")


class ClockIn(BaseModel):
    freeze: bool | None = None
    at: float | None = Field(default=None, description="epoch seconds")
    advance: float | None = None


def apply_clock(clock: Clock, body: ClockIn) -> None:
    """Freeze, unfreeze, set and advance `clock` as the body asks (ClockError on a non-finite value)."""
    at = None if body.at is None else check_instant(body.at, "at")
    advance = check_instant(body.advance or 0.0, "advance")
    if body.freeze is True:
        clock.freeze(at)
    elif body.freeze is False:
        clock.unfreeze()
        if at is not None:
            clock.set(at)
    elif at is not None:
        clock.set(at)
    if advance:
        clock.advance(advance)


def describe_tenant(state: TenantState) -> dict[str, Any]:
    return {
        "id": state.id,
        "seed": state.seed,
        "size": state.size,
        "rows": {name: len(c) for name, c in state.collections.items()},
        "clock": state.clock.describe(),
    }


def forget_tenant(ctx: TwinContext, tenant_id: str) -> None:
    """Drop the tenant's journal and every log and queue its service keeps outside the store."""
    ctx.journal.clear(tenant_id)
    if ctx.service.on_reset is not None:
        ctx.service.on_reset(ctx, tenant_id)


def build_admin_router() -> APIRouter:
    router = APIRouter(prefix="/_twin", tags=["admin"])

    @router.get("/health")
    async def health(request: Request) -> dict[str, Any]:
        ctx = context_of(request)
        return {"status": "ok", "service": ctx.service.name, "tenants": len(ctx.store.tenants)}

    @router.get("/tenants")
    async def list_tenants(ctx: Admin) -> dict[str, Any]:
        return {"tenants": [describe_tenant(s) for s in ctx.store.tenants.values()]}

    @router.post("/tenants", status_code=201)
    async def create_tenant(body: TenantIn, ctx: Admin) -> dict[str, Any]:
        if not TENANT_RE.match(body.id):
            raise AdminError(
                400, "invalid_tenant_id", f"tenant id {body.id!r} must be 1-63 of a-z, 0-9 and '-'"
            )
        if ctx.store.get(body.id) is not None:
            raise AdminError(409, "tenant_exists", f"tenant {body.id!r} exists; reset or delete it")
        seed = ctx.settings.seed if body.seed is None else body.seed
        size = ctx.settings.seed_size if body.size is None else body.size
        state = await ctx.store.create_tenant(body.id, seed, size)
        return describe_tenant(state)

    @router.delete("/tenants/{tenant_id}")
    async def delete_tenant(tenant_id: str, ctx: Admin) -> dict[str, Any]:
        if tenant_id == ctx.settings.default_tenant:
            raise AdminError(400, "cannot_delete_default", "the default tenant can be reset, not deleted")
        if not await ctx.store.drop_tenant(tenant_id):
            raise AdminError(404, "tenant_not_found", f"tenant {tenant_id!r} does not exist")
        forget_tenant(ctx, tenant_id)
        ctx.faults.remove(tenant=tenant_id)
        return {"deleted": tenant_id}

    @router.post("/reset")
    async def reset(
        request: Request, ctx: Admin, body: ResetIn | None = None, tenant: TenantParam = None
    ) -> dict[str, Any]:
        """Back to the seed state (or to a named snapshot) as a fresh tenant: a real-time clock, no
        journal, no per-twin logs or queues, no faults."""
        state = tenant_state(ctx, request, tenant)
        name = body.snapshot if body is not None else None
        if name is not None:
            restored = await ctx.store.restore(state.id, name, clock=Clock())
            if restored is None:
                raise AdminError(
                    404,
                    "snapshot_not_found",
                    f"no snapshot {name!r} for tenant {state.id!r}; see GET /_twin/snapshots",
                )
        else:
            restored = await ctx.store.reset(state.id)
        if restored is None:
            restored = await ctx.store.create_tenant(state.id, state.seed, state.size)
        forget_tenant(ctx, state.id)
        ctx.faults.remove(tenant=state.id)
        return describe_tenant(restored)

    @router.post("/seed")
    async def seed(
        request: Request, ctx: Admin, body: SeedIn | None = None, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        body = body or SeedIn()
        new = await ctx.store.create_tenant(
            state.id,
            state.seed if body.seed is None else body.seed,
            state.size if body.size is None else body.size,
        )
        forget_tenant(ctx, state.id)
        return describe_tenant(new)

    @router.post("/snapshot", status_code=201)
    async def snapshot(
        body: NameIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        if not NAME_RE.match(body.name) or body.name == SEED_SNAPSHOT:
            raise AdminError(400, "invalid_name", f"snapshot name {body.name!r} must match {NAME_RE.pattern}")
        rows = await ctx.store.snapshot(state.id, body.name)
        return {"tenant": state.id, "name": body.name, "rows": rows}

    @router.get("/snapshots")
    async def snapshots(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        return {"tenant": state.id, "snapshots": ctx.store.list_snapshots(state.id)}

    @router.post("/restore")
    async def restore(
        body: NameIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        restored = await ctx.store.restore(state.id, body.name)
        if restored is None:
            raise AdminError(
                404,
                "snapshot_not_found",
                f"no snapshot {body.name!r} for tenant {state.id!r}; see GET /_twin/snapshots",
            )
        return describe_tenant(restored)

    @router.get("/credentials")
    async def credentials(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        base = ctx.base_url(request)
        return {"tenant": state.id, "base_url": base, **ctx.service.credentials(state, base)}

    @router.get("/state")
    async def state_view(
        request: Request,
        ctx: Admin,
        tenant: TenantParam = None,
        collection: str | None = None,
        where: Annotated[list[str] | None, Query(description="field=value, repeatable")] = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        names = list(state.collections)
        if collection is not None:
            if collection not in state.collections:
                raise AdminError(
                    404,
                    "collection_not_found",
                    f"no collection {collection!r}; there are: {', '.join(names)}",
                )
            names = [collection]
        filters = []
        for item in where or []:
            field, sep, value = item.partition("=")
            if not sep:
                raise AdminError(400, "invalid_filter", f"filter {item!r} must be field=value")
            filters.append((field, value))
        out: dict[str, Any] = {}
        for name in names:
            rows = [
                {k: v for k, v in row.items() if k not in ("tenant_id", "twin_seq")}
                for row in sorted(state.collections[name].rows.values(), key=lambda r: r["twin_seq"])
                if all(str(row.get(f)) == v for f, v in filters)
            ]
            out[name] = rows[:limit]
        return {"tenant": state.id, "meta": state.meta, "collections": out}

    @router.get("/journal")
    async def journal(
        request: Request,
        ctx: Admin,
        tenant: TenantParam = None,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        method: str | None = None,
        path: str | None = None,
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        want_method = method.upper() if method else None

        def match(entry: Any) -> bool:
            if want_method and entry.method != want_method:
                return False
            return not path or path in entry.url

        items, cursor = ctx.journal.page(state.id, after=after, limit=limit, match=match)
        return {
            "tenant": state.id,
            "exchanges": [e.model_dump(mode="json") for e in items],
            "next_after": cursor,
        }

    @router.get("/clock")
    async def get_clock(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        return tenant_state(ctx, request, tenant).clock.describe()

    @router.post("/clock")
    async def set_clock(
        body: ClockIn, request: Request, ctx: Admin, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)

        def change(st: TenantState) -> dict[str, Any]:
            clock = st.clock.copy()
            try:
                apply_clock(clock, body)
                clock.check()
            except ClockError as exc:  # nothing changed: the tenant keeps its clock
                raise AdminError(400, "invalid_clock", str(exc)) from None
            st.clock.offset, st.clock.frozen_at = clock.offset, clock.frozen_at
            st.mark_dirty()
            return st.clock.describe()

        return await ctx.store.run(state.id, change)

    @router.get("/faults")
    async def list_faults(request: Request, ctx: Admin, tenant: TenantParam = None) -> dict[str, Any]:
        return {"faults": ctx.faults.list(tenant)}

    @router.post("/faults", status_code=201)
    async def add_fault(
        rule: FaultRule,
        request: Request,
        ctx: Admin,
        tenant: TenantParam = None,
        scope: Annotated[str, Query(pattern="^(tenant|all)$")] = "tenant",
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant)
        fault = ctx.faults.add(rule, None if scope == "all" else state.id, seed=state.seed)
        return fault.describe()

    @router.delete("/faults")
    async def clear_faults(
        request: Request, ctx: Admin, id: str | None = None, tenant: TenantParam = None
    ) -> dict[str, Any]:
        state = tenant_state(ctx, request, tenant) if tenant else None
        removed = ctx.faults.remove(fault_id=id, tenant=state.id if state else None)
        if id is not None and removed == 0:
            raise AdminError(404, "fault_not_found", f"no fault {id!r}")
        return {"removed": removed}

    return router
