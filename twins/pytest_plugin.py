"""pytest plugin: `slack_twin`, `okta_twin` and `jira_twin` fixtures, a session-scoped twin each,
a fresh tenant per test.

    def test_welcome(slack_twin):
        slack_twin.client.chat_postMessage(channel="#general", text="hi")
        assert slack_twin.texts("#general")[-1] == "hi"

Options: `--twins-mode=http|asgi` (real loopback port, or in-process with no port),
`--twins-db` (default `:memory:`), `--twins-rate-limits` (default `off`). The `twin` marker seeds
a test's tenant: `@pytest.mark.twin(seed=7, size=20, frozen_at=1700000000)`, or for one twin only
`@pytest.mark.twin("okta", size=50)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from twins.testing import Twin, TwinServer

MARKER = "twin"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("twins", "digital twins of Slack, Okta and Jira")
    group.addoption(
        "--twins-mode",
        choices=("http", "asgi"),
        default=None,
        help="serve twins on a loopback port (http, default) or in-process (asgi); env TWINS_PYTEST_MODE",
    )
    group.addoption("--twins-db", default=None, help="database of the twins (default :memory:)")
    group.addoption("--twins-rate-limits", default=None, help="real, off (default) or strict")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(service=None, *, seed=None, size=None, frozen_at=None): seed this test's twin tenant "
        "(all twins, or the one named) with the given faker seed and size, clock frozen at an epoch",
    )


class ServerPool:
    """The session's twin servers, started on first use and stopped at the end."""

    def __init__(self, mode: str, db_url: str, rate_limits: str):
        self.mode = mode
        self.db_url = db_url
        self.rate_limits = rate_limits
        self.servers: dict[str, TwinServer] = {}

    def get(self, service: str) -> TwinServer:
        server = self.servers.get(service)
        if server is None:
            from twins.testing import TwinServer

            server = TwinServer(service, self.mode, self.db_url, self.rate_limits)  # type: ignore[arg-type]
            self.servers[service] = server.start()
        return server

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()


@pytest.fixture(scope="session")
def twins_servers(pytestconfig: pytest.Config) -> Iterator[ServerPool]:
    """Every twin server of this session (one set per xdist worker)."""
    mode = pytestconfig.getoption("--twins-mode") or os.environ.get("TWINS_PYTEST_MODE") or "http"
    db_url = pytestconfig.getoption("--twins-db") or ":memory:"
    rate_limits = pytestconfig.getoption("--twins-rate-limits") or "off"
    pool = ServerPool(mode, db_url, rate_limits)
    yield pool
    pool.close()


def marker_options(node: pytest.Item, service: str) -> dict[str, Any]:
    """seed/size/frozen_at from the closest `twin` markers that apply to `service`."""
    options: dict[str, Any] = {}
    for mark in node.iter_markers(MARKER):
        named = mark.args[0] if mark.args else mark.kwargs.get("service")
        if named not in (None, service):
            continue
        unknown = set(mark.kwargs) - {"service", "seed", "size", "frozen_at"}
        if unknown:
            raise pytest.UsageError(f"@pytest.mark.{MARKER}: unknown option(s) {', '.join(sorted(unknown))}")
        for key in ("seed", "size", "frozen_at"):
            if key in mark.kwargs:
                options.setdefault(key, mark.kwargs[key])
    return options


def open_twin(pool: ServerPool, service: str, node: pytest.Item) -> Twin:
    """A fresh tenant of the session's `service` twin, seeded as the test's markers say."""
    from twins.testing import TWIN_CLASSES

    options = marker_options(node, service)
    server = pool.get(service)
    tenant = server.new_tenant(seed=options.get("seed"), size=options.get("size"))
    twin = TWIN_CLASSES[service](server, tenant)
    if options.get("frozen_at") is not None:
        twin.admin.freeze_clock(float(options["frozen_at"]))
    return twin


def twin_fixture(service: str) -> Callable[..., Iterator[Twin]]:
    """The function-scoped fixture for one twin: a tenant made for the test, dropped after it."""

    def fixture(twins_servers: ServerPool, request: pytest.FixtureRequest) -> Iterator[Twin]:
        twin = open_twin(twins_servers, service, request.node)
        try:
            yield twin
        finally:
            twin.close()
            twins_servers.get(service).drop_tenant(twin.tenant)

    fixture.__name__ = f"{service}_twin"
    fixture.__doc__ = f"The {service} twin with a fresh tenant for this test (see twins.testing)."
    return pytest.fixture(fixture)


slack_twin = twin_fixture("slack")
okta_twin = twin_fixture("okta")
jira_twin = twin_fixture("jira")
