"""One twin app per test session, a fresh tenant of it per test, and a recorder of published events.

Building a twin app (routes, schema, the default tenant) costs far more than most tests that use it,
so a session builds each twin once and gives every test its own freshly seeded tenant. While the test
runs, that tenant is the app's default (code reading `ctx.default_state()` or the default tenant sees
it), the clients of the fixtures name it in `X-Twin-Tenant`, and its credentials are its own. It is
dropped afterwards, and the settings a test may change are put back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Any

from fastapi import FastAPI

from twins._runtime.context import TwinContext
from twins._runtime.faults import Faults
from twins._runtime.store import Store
from twins.kit.outbox import Event

TENANT_HEADER = "X-Twin-Tenant"
ANY = object()  # Recorder.of: any subtype
WAIT = 60.0  # seconds a write may take before the test fails


def context_of(app: FastAPI) -> TwinContext:
    ctx = app.state.twin
    assert isinstance(ctx, TwinContext)
    return ctx


def _create(store: Store, tenant: str, seed: int, size: int) -> None:
    """`Store.create_tenant_now`, but queued behind the writes still in flight (no second writer)."""
    state, ops = store._prepare_tenant(tenant, seed, size)
    store.committer.submit(ops).result(timeout=WAIT)
    for kind, _, payload in ops:
        if kind == "tenant":
            state.version = int(payload["version"])


def _drop(store: Store, tenant: str) -> None:
    state = store.get(tenant)
    if state is not None:
        store._drop(state)
        store.committer.submit([("drop", None, tenant)]).result(timeout=WAIT)


@contextmanager
def fresh_tenant(app: FastAPI) -> Iterator[str]:
    """A new tenant seeded as the app's default one, made the default while the block runs."""
    ctx = context_of(app)
    settings = ctx.settings
    saved = replace(settings, cors_origins=list(settings.cors_origins))
    tenant = "t" + uuid.uuid4().hex[:16]
    _create(ctx.store, tenant, settings.seed, settings.seed_size)
    settings.default_tenant = tenant
    ctx.faults = Faults()
    try:
        yield tenant
    finally:
        for field in fields(settings):  # what the test changed goes back
            setattr(settings, field.name, getattr(saved, field.name))
        ctx.faults = Faults()
        _drop(ctx.store, tenant)


class Recorder:
    """Stands in for the Events API dispatcher: keeps what the Web API publishes for one tenant."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.events: list[tuple[str, dict[str, Any]]] = []

    def watcher(self, tenant_id: str, events: list[Event]) -> None:
        """An outbox watcher (`Outbox.watch`): told of the events of each durable write."""
        if tenant_id == self.tenant:
            self.events.extend((e.type, e.payload) for e in events)

    def of(self, event_type: str, subtype: str | object | None = ANY) -> list[dict[str, Any]]:
        """The events of a type; with `subtype`, only those of that subtype (None: without one)."""
        return [
            e for t, e in self.events if t == event_type and (subtype is ANY or e.get("subtype") == subtype)
        ]

    def types(self) -> list[str]:
        return [t for t, _ in self.events]
