"""The parity engine: replay recordings against a twin on fresh tenants and report its fidelity.

`verify(app_factory or base_url, traces) -> Report` (or `SharedTwin(app_factory)`: one in-process
twin, a fresh tenant per recording); vendor specifics live in profiles
(`recorder.parity.okta`, `recorder.parity.slack`, `recorder.parity.jira`, `recorder.parity.github`;
`recorder.parity.generic` for any other service).
"""

from recorder.parity.engine import load_traces, profile_for, verify, verify_async
from recorder.parity.generic import GENERIC
from recorder.parity.profile import Credential, Profile
from recorder.parity.replay import Replay, Step
from recorder.parity.report import Declared, Outcome, Recording, Report
from recorder.parity.session import SharedTwin
from recorder.parity.values import Difference

__all__ = [
    "GENERIC",
    "Credential",
    "Declared",
    "Difference",
    "Outcome",
    "Profile",
    "Recording",
    "Replay",
    "Report",
    "SharedTwin",
    "Step",
    "load_traces",
    "profile_for",
    "verify",
    "verify_async",
]
