"""A Jira twin served over real HTTP for the whole module, and its admin's credentials."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from atlassian import Jira
from jira import JIRA

from tests.support.servers import serve_app
from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.jira import create_service


@dataclass
class JiraSite:
    url: str
    creds: dict[str, Any]

    @property
    def auth(self) -> tuple[str, str]:
        return (self.creds["email"], self.creds["api_token"])


@pytest.fixture(scope="module")
def jira_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JiraSite]:
    folder: Path = tmp_path_factory.mktemp("jira")
    app = build_app(
        create_service(), Settings(data_dir=folder, admin_token="jira-admin-token-0123", seed_size=10)
    )
    ctx = app.state.twin
    with serve_app(app) as url:
        yield JiraSite(url, ctx.service.credentials(ctx.default_state(), url))
    ctx.store.stop()


@pytest.fixture(scope="module")
def jira(jira_site: JiraSite) -> JIRA:
    """The `jira` client on the module's site."""
    return JIRA(server=jira_site.url, basic_auth=jira_site.auth, max_retries=0)


@pytest.fixture(scope="module")
def cloud(jira_site: JiraSite) -> Jira:
    """atlassian-python-api's Jira client on the module's site, in Cloud mode."""
    return Jira(url=jira_site.url, username=jira_site.auth[0], password=jira_site.auth[1], cloud=True)
