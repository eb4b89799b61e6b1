"""What kind of create a request is, for the read that follows it: a Jira issue created in a
team-managed project reads back with fields (`simplified`, `entityId`) one made in another
project lacks, so the document a create stores is the read of an item made by the most alike
recorded request (`twins.kit.resources.Engine.document`)."""

from __future__ import annotations

import re
from typing import Any

MOST = 8  # kinds of create request kept
WORD = re.compile(r"^([A-Z][A-Za-z0-9_-]*|[a-z][a-z0-9_-]*)$")  # a name, not free text


def kind(request: Any, depth: int = 0, at: str = "") -> tuple[Any, ...]:
    """The word-like values of a request, however deep (`fields.project.key: TEST`,
    `fields.issuetype.name: Task`), as sorted (path, value) pairs."""
    if not isinstance(request, dict) or depth > 3:
        return ()
    out: list[tuple[str, str]] = []
    for key, value in request.items():
        here = f"{at}.{key}" if at else str(key)
        if isinstance(value, str) and len(value) <= 40 and WORD.match(value):
            out.append((here, value))
        elif isinstance(value, dict):
            out += list(kind(value, depth + 1, here))
    return tuple(sorted(out))
