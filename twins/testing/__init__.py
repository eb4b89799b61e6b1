"""Twins in tests: session-scoped servers, a fresh tenant per test, ready official clients.

The pytest plugin (`twins.pytest_plugin`) builds on these; other test runners can use them directly.
"""

from __future__ import annotations

from twins.testing.admin import AdminApi, AdminError
from twins.testing.jira import JiraTwin
from twins.testing.okta import OktaTwin
from twins.testing.server import MODES, Mode, TwinModeError, TwinServer
from twins.testing.slack import SlackTwin
from twins.testing.twin import Twin

# Which view each service's fixture yields; a new twin adds its line here.
TWIN_CLASSES: dict[str, type[Twin]] = {"slack": SlackTwin, "okta": OktaTwin, "jira": JiraTwin}

__all__ = [
    "MODES",
    "TWIN_CLASSES",
    "AdminApi",
    "AdminError",
    "JiraTwin",
    "Mode",
    "OktaTwin",
    "SlackTwin",
    "Twin",
    "TwinModeError",
    "TwinServer",
]
