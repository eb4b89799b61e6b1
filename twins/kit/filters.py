"""List filters from the query string, as vendors spell them: `q` (a prefix of a name),
`search`/`filter` expressions (`profile.login eq "a@b.c" and status eq "ACTIVE"`, SCIM-like:
eq, ne, sw, co, pr, gt, lt), and `field=value` for a field the documents have."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

IGNORED = frozenset(
    {"after", "limit", "startAt", "maxResults", "page", "per_page", "cursor", "expand", "sortBy",
     "sortOrder", "sort", "direction", "fields", "include", "activate", "sendEmail", "nextPageToken"}
)  # fmt: skip
TEXT = ("q", "query")
EXPRESSIONS = ("search", "filter")
CLAUSE = re.compile(
    r'^\s*([\w.$]+)\s+(eq|ne|sw|co|gt|lt|ge|le|pr)\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))?\s*$', re.I
)


def _get(doc: Any, name: str) -> Any:
    for part in name.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def _strings(doc: Any, depth: int = 0) -> list[str]:
    if isinstance(doc, str):
        return [doc]
    if isinstance(doc, dict) and depth < 2:
        return [s for v in doc.values() for s in _strings(v, depth + 1)]
    return []


def _clause(doc: Any, text: str) -> bool:
    match = CLAUSE.match(text)
    if match is None:
        return True  # an expression we cannot read filters nothing out
    name, op, quoted, bare = match.groups()
    value = _get(doc, name)
    if op.lower() == "pr":
        return value is not None
    wanted = quoted if quoted is not None else (bare or "")
    have = "" if value is None else str(value).lower()
    want = wanted.lower()
    op = op.lower()
    if op == "eq":
        return have == want
    if op == "ne":
        return have != want
    if op == "sw":
        return have.startswith(want)
    if op == "co":
        return want in have
    if op in ("gt", "ge"):
        return have > want or (op == "ge" and have == want)
    return have < want or (op == "le" and have == want)


def expression(doc: Any, text: str) -> bool:
    """A filter expression: clauses joined by `or` (any) of clauses joined by `and` (all)."""
    text = text.strip().strip("()")
    return any(
        all(_clause(doc, part) for part in re.split(r"\s+and\s+", alternative, flags=re.I))
        for alternative in re.split(r"\s+or\s+", text, flags=re.I)
    )


def matches(doc: Any, args: Mapping[str, Any]) -> bool:
    """Whether a document passes every filter of the query."""
    for name, value in args.items():
        if name in IGNORED or not isinstance(value, str):
            continue
        if name in TEXT:
            if value and not any(s.lower().startswith(value.lower()) for s in _strings(doc)):
                return False
        elif name in EXPRESSIONS:
            if value and not expression(doc, value):
                return False
        elif isinstance(doc, dict) and value.lower() != "all":
            have = _get(doc, name)
            if have is None and isinstance(doc.get("profile"), dict):
                have = doc["profile"].get(name)
            if have is not None and str(have).lower() != value.lower():
                return False
    return True
