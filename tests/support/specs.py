"""Vendor OpenAPI documents read once per test process.

Okta's management spec is 3.4 MB of YAML: `load_spec` takes seconds to parse it, and the
completeness, query-parameter and COVERAGE.md tests each read it. They now share one parse; every
call still gets a copy of its own (from a pickle, which keeps the document's shared anchors), so no
test sees another's changes.
"""

from __future__ import annotations

import pickle
from functools import cache
from pathlib import Path
from typing import Any

from twins._runtime.coverage import load_spec as parse_spec


@cache
def _parsed(path: Path, mtime_ns: int, size: int) -> bytes:
    return pickle.dumps(parse_spec(path), protocol=pickle.HIGHEST_PROTOCOL)


def load_spec(path: Path) -> dict[str, Any]:
    """`twins._runtime.coverage.load_spec`, parsed once per process and file version."""
    path = Path(path).resolve()
    stat = path.stat()
    document: dict[str, Any] = pickle.loads(_parsed(path, stat.st_mtime_ns, stat.st_size))
    return document
