"""The twins a run talks to: built in this process and served by uvicorn on ephemeral loopback ports
(so an app subprocess reaches them), or already running elsewhere (`--twins-url slack=...`)."""

from __future__ import annotations

import asyncio
import importlib.util
from dataclasses import dataclass, field
from typing import Any

import httpx

from twins import registry
from twins._runtime.errors import ConfigError
from twins._runtime.serve import build_running
from twins._runtime.settings import Settings

STIMULUS_HEADER = "X-Twin-Holdout"  # marks the engine's own vendor calls, so the journal can skip them
KNOWN = ("slack", "okta", "jira")


class TwinsError(RuntimeError):
    """A twin is missing, unreachable, or answered an admin call with an error."""


def check_available(name: str) -> None:
    """Refuse a twin this installation does not have, naming what to install."""
    if name == "jira" and importlib.util.find_spec("twins.jira") is None:
        raise TwinsError("no Jira twin in this install: scenarios that use jira need the twins.jira package")
    if name not in KNOWN:
        raise TwinsError(f"unknown twin {name!r}")


@dataclass
class Twin:
    """One twin's base URL and an admin client for it; `tenant` picks the tenant of a call."""

    name: str
    url: str
    client: httpx.AsyncClient
    admin_token: str = ""

    def _headers(self, tenant: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"X-Twin-Tenant": tenant}
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        return {**headers, **(extra or {})}

    async def admin(
        self, method: str, path: str, tenant: str, *, json: Any = None, params: Any = None, ok: bool = True
    ) -> Any:
        """Call /_twin{path} for a tenant; an error answer raises TwinsError with the twin's message."""
        resp = await self.client.request(
            method, f"/_twin{path}", json=json, params=params, headers=self._headers(tenant)
        )
        if ok and resp.status_code >= 400:
            raise TwinsError(f"{self.name} {method} /_twin{path}: {resp.status_code} {_message(resp)}")
        return resp.json() if resp.content else {}

    async def vendor(
        self, method: str, path: str, tenant: str, auth: str, *, json: Any = None, data: Any = None
    ) -> httpx.Response:
        """A vendor API call made by the engine itself (seeding, stimuli), marked as such."""
        headers = {"Authorization": auth, STIMULUS_HEADER: "stimulus", "Accept": "application/json"}
        return await self.client.request(
            method, path, json=json, data=data, headers=self._headers(tenant, headers)
        )

    async def create_tenant(self, tenant: str, seed: int) -> None:
        await self.admin("DELETE", f"/tenants/{tenant}", tenant="default", ok=False)
        await self.admin("POST", "/tenants", tenant="default", json={"id": tenant, "seed": seed})

    async def drop_tenant(self, tenant: str) -> None:
        await self.admin("DELETE", f"/tenants/{tenant}", tenant="default", ok=False)

    async def rows(self, tenant: str, collection: str, **where: str) -> list[dict[str, Any]]:
        params = {"collection": collection, "where": [f"{k}={v}" for k, v in where.items()], "limit": 100000}
        found = await self.admin("GET", "/state", tenant, params=params)
        return list(found["collections"][collection])

    async def journal(self, tenant: str, after: int = 0) -> list[dict[str, Any]]:
        """Every exchange after seq `after`, oldest first, without the engine's own calls."""
        out: list[dict[str, Any]] = []
        while True:
            page = await self.admin("GET", "/journal", tenant, params={"after": after, "limit": 1000})
            for item in page["exchanges"]:
                names = {k.lower() for k, _ in item["request"]["headers"]}
                if STIMULUS_HEADER.lower() not in names:
                    out.append(item)
            if page.get("next_after") is None:
                return out
            after = page["next_after"]

    async def journal_cursor(self, tenant: str) -> int:
        """The seq of the newest exchange so far (0 when none)."""
        cursor, after = 0, 0
        while True:
            page = await self.admin("GET", "/journal", tenant, params={"after": after, "limit": 1000})
            if page["exchanges"]:
                cursor = page["exchanges"][-1]["seq"]
            if page.get("next_after") is None:
                return cursor
            after = page["next_after"]


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", body["error"]))
    return str(body)[:200]


@dataclass
class TwinSet:
    """The twins of one run, by name; `close()` stops in-process servers."""

    twins: dict[str, Twin] = field(default_factory=dict)
    _servers: list[Any] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __getitem__(self, name: str) -> Twin:
        twin = self.twins.get(name)
        if twin is None:
            raise TwinsError(f"the {name} twin is not running in this run")
        return twin

    async def check(self) -> None:
        """Each twin answers its admin API with this run's token (raises TwinsError otherwise)."""
        for twin in self.twins.values():
            await twin.admin("GET", "/tenants", "default")

    async def close(self) -> None:
        for twin in self.twins.values():
            await twin.client.aclose()
        for server in self._servers:
            server.should_exit = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


async def start_local(names: list[str], *, rate_limits: str = "real") -> TwinSet:
    """Build each twin in memory and serve it on 127.0.0.1 on this event loop."""
    out = TwinSet()
    for name in names:
        check_available(name)
        try:
            spec = registry.load(name)
        except ConfigError as exc:
            raise TwinsError(str(exc)) from None
        settings = Settings.from_env(db_url=":memory:", admin_auth=False, rate_limits=rate_limits)
        running, servers = build_running([(spec, settings, 0)], "127.0.0.1")
        server = servers[0]
        out._servers.append(server)
        out._tasks.append(asyncio.create_task(server.serve()))
        while not server.started:
            if out._tasks[-1].done():
                raise TwinsError(f"the {name} twin did not start")
            await asyncio.sleep(0.01)
        app: Any = server.config.app
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url=running[0].url, timeout=30)
        out.twins[name] = Twin(name, running[0].url, client)
    return out


def connect_remote(urls: dict[str, str], admin_token: str) -> TwinSet:
    """Twins already running; the admin token is the one they print (or TWINS_ADMIN_TOKEN)."""
    out = TwinSet()
    for name, url in urls.items():
        client = httpx.AsyncClient(base_url=url.rstrip("/"), timeout=30, trust_env=False)
        out.twins[name] = Twin(name, url.rstrip("/"), client, admin_token)
    return out
