"""The per-app context every route reaches: service, settings, store, journal and faults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request

from twins._runtime.collection import TenantState
from twins._runtime.faults import Faults
from twins._runtime.journal import Journal
from twins._runtime.service import Service
from twins._runtime.settings import Settings
from twins._runtime.store import Store

T = TypeVar("T")


@dataclass
class TwinContext:
    """Built by `build_app`; found on `request.app.state.twin`."""

    service: Service
    settings: Settings
    store: Store
    journal: Journal
    faults: Faults
    extras: dict[str, Any] = field(default_factory=dict)

    def tenant_id(self, request: Request) -> str:
        """The tenant the tenancy middleware picked (host, header or credential), else the default."""
        picked = request.scope.get("state", {}).get("twin_tenant")
        return str(picked) if picked else self.settings.default_tenant

    def default_state(self) -> TenantState:
        """The default tenant's state (the one `twins up` seeds), for admin code, tools and tests."""
        state = self.store.get(self.settings.default_tenant)
        if state is None:
            raise LookupError(f"the default tenant {self.settings.default_tenant!r} does not exist")
        return state

    def use_tenant(self, request: Request, tenant_id: str) -> None:
        """Pin the request to a tenant found later (e.g. from a token in the body)."""
        request.scope.setdefault("state", {})["twin_tenant"] = tenant_id

    def tenant_for_token(self, token: str) -> str | None:
        return self.store.tenant_for_credential(token)

    def state(self, request: Request) -> TenantState:
        """The request's tenant state, for reads; writes go through `run`."""
        tenant = self.tenant_id(request)
        state = self.store.get(tenant)
        if state is None:
            raise LookupError(f"tenant {tenant!r} does not exist")
        return state

    async def run(self, request: Request, fn: Callable[[TenantState], T]) -> T:
        """Run a domain operation on the request's tenant and wait until its writes are durable."""
        return await self.store.run(self.tenant_id(request), fn)

    def base_url(self, request: Request) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        scope = request.scope
        server = scope.get("server")  # a tuple from servers, a list from Starlette's TestClient
        key = (
            scope.get("scheme"),
            raw_header(scope, b"host"),
            server and tuple(server),
            scope.get("root_path"),
        )
        cache: dict[Any, str] = self.extras.setdefault("base_urls", {})
        url = cache.get(key)
        if url is None:
            if len(cache) > 1024:  # many Host names: start over rather than grow
                cache.clear()
            url = cache[key] = str(request.base_url).rstrip("/")
        return url


def raw_header(scope: Any, name: bytes) -> bytes | None:
    """The first value of a request header (`name` lower-case, as ASGI has them), without building
    Starlette's `Headers`; None when there is none."""
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return None


def context_of(request: Request) -> TwinContext:
    ctx = request.app.state.twin
    assert isinstance(ctx, TwinContext)
    return ctx
