"""Query parameters of the official specs: every parameter an operation the twin serves defines is
read by the twin's code, or declared in LIMITATIONS.md ("Query parameters") with what the twin does
with it. A name the twin's code never spells is one it cannot read; a new operation whose
parameters the twin drops fails here until it handles them or declares them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.okta.conftest import make_app
from tests.support.completeness import declared_parameters, mentioned, parameters
from tests.support.specs import load_spec
from twins._runtime.coverage import operations, route_matcher

pytestmark = pytest.mark.reference

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT.parent / "shared" / "reference" / "okta" / "okta-management-openapi-spec" / "dist" / "current"
SPEC_FILES = [SPECS / "management-minimal.yaml", SPECS / "oauth-minimal.yaml"]
if not all(f.is_file() for f in SPEC_FILES):
    pytest.skip(f"{SPECS} is not here", allow_module_level=True)


def test_every_query_parameter_is_read_or_declared() -> None:
    app = make_app()
    implemented = route_matcher(app)
    app.state.twin.store.stop()
    read = mentioned(ROOT / "twins" / "okta")
    table = declared_parameters(ROOT / "twins" / "okta" / "LIMITATIONS.md")
    dropped, stale = [], []
    for file in SPEC_FILES:
        spec = load_spec(file)
        for op in operations(spec):
            if not implemented(op.method, op.path):
                continue
            name = f"{op.method} {op.path}"
            for param in parameters(spec, op.path, op.method.lower(), ("query",)):
                known = (name, param) in table or ("*", param) in table
                if param not in read and not known:
                    dropped.append(f"{name} ?{param}")
                elif param in read and (name, param) in table:
                    stale.append(f"{name} ?{param}")
    assert not dropped, "not read and not declared in LIMITATIONS.md:\n" + "\n".join(dropped)
    assert not stale, f"declared in LIMITATIONS.md but now read: {stale}"
