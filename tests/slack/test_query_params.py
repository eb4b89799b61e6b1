"""Arguments of Slack's official spec: every argument a method the twin has defines is read by the
twin's code, or declared in LIMITATIONS.md ("Query parameters") with what the twin does with it.
A name the twin's code never spells is one it cannot read; a new method whose arguments the twin
drops fails here until it handles them or declares them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.completeness import declared_parameters, mentioned, parameters
from twins.slack.methods import load_all

pytestmark = pytest.mark.reference

ROOT = Path(__file__).resolve().parents[2]
SPEC = (
    ROOT.parent
    / "shared"
    / "reference"
    / "slack"
    / "slack-api-specs"
    / "web-api"
    / "slack_web_openapi_v2.json"
)
if not SPEC.is_file():
    pytest.skip(f"{SPEC} is not here", allow_module_level=True)


def test_every_argument_is_read_or_declared() -> None:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    read = mentioned(ROOT / "twins" / "slack")
    table = declared_parameters(ROOT / "twins" / "slack" / "LIMITATIONS.md")
    dropped, stale = [], []
    for method in sorted(load_all()):
        item = spec["paths"].get(f"/{method}")
        if item is None:
            continue
        verb = "post" if "post" in item else "get"
        for param in parameters(spec, f"/{method}", verb, ("query", "formData")):
            if param == "token":
                continue
            known = (method, param) in table or ("*", param) in table
            if param not in read and not known:
                dropped.append(f"{method} {param}")
            elif param in read and (method, param) in table:
                stale.append(f"{method} {param}")
    assert not dropped, "not read and not declared in LIMITATIONS.md:\n" + "\n".join(dropped)
    assert not stale, f"declared in LIMITATIONS.md but now read: {stale}"
