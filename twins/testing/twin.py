"""One test's view of a twin: its own fresh tenant, credentials, an HTTP client and the admin API."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import httpx

from twins.testing.admin import AdminApi
from twins.testing.server import TwinModeError, TwinServer

TENANT_HEADER = "X-Twin-Tenant"


class Twin:
    """A twin seen from one test: everything is scoped to `tenant`, created for the test."""

    service = ""

    def __init__(self, server: TwinServer, tenant: str):
        self.server = server
        self.tenant = tenant
        self._clients: list[httpx.Client] = []

    @property
    def url(self) -> str:
        """The twin's base URL (`http://testserver` in ASGI mode)."""
        return self.server.url

    @property
    def mode(self) -> str:
        return self.server.mode

    @property
    def headers(self) -> dict[str, str]:
        """Headers that pin a request to this test's tenant."""
        return {TENANT_HEADER: self.tenant}

    @cached_property
    def admin(self) -> AdminApi:
        """The admin API (`/_twin/...`) for this tenant."""
        return AdminApi(self._track(self.server.admin()), self.tenant)

    @cached_property
    def credentials(self) -> dict[str, Any]:
        """What a client needs for this tenant: tokens, secrets, URLs (as `GET /_twin/credentials`)."""
        creds: dict[str, Any] = self.admin.call("GET", "credentials")
        return creds

    @cached_property
    def http(self) -> httpx.Client:
        """A raw HTTP client to the vendor API, pinned to this tenant (works in both modes)."""
        return self._track(self.server.client(self.headers))

    def env(self) -> dict[str, str]:
        """The environment variables an application reads to find this twin (as `twins up` prints)."""
        service = self.server.app.state.twin.service
        env: dict[str, str] = service.env(self.url, self.credentials)
        return env

    def require_port(self, what: str) -> None:
        """Fail clearly when `what` needs a real socket and the twin is served in-process."""
        if self.mode != "http":
            raise TwinModeError(f"{what} talks to a real port; run with --twins-mode=http (now: {self.mode})")

    def _track(self, client: httpx.Client) -> httpx.Client:
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close the clients this view opened (the tenant itself is dropped by the fixture)."""
        for client in self._clients:
            client.close()
        self._clients.clear()
