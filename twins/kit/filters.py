"""List filters from the query string, as vendors spell them: `q` (a prefix of a name),
`search`/`filter` expressions (`profile.login eq "a@b.c" and status eq "ACTIVE"`, SCIM-like:
eq, ne, sw, co, pr, gt, lt), and `field=value` for a field the documents have."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
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


def dotted(doc: Any, name: str) -> Any:
    """The value of a JSON document at a dotted name (`profile.login`), None where it has none."""
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
    value = dotted(doc, name)
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


def predicate(args: Mapping[str, Any]) -> Callable[[Any], bool]:
    """One test of a document for every filter of the query, read from the query once."""
    equal, other = split(args)
    tests: list[Callable[[Any], bool]] = [partial(_equal, name, wanted) for name, wanted in equal]
    tests += other
    return lambda doc: all(test(doc) for test in tests)


def split(args: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[Callable[[Any], bool]]]:
    """The query's filters: the `field=value` ones as (field, value in lower case), which an
    index can answer (`equal_key`), and a test for each of the others."""
    equal: list[tuple[str, str]] = []
    other: list[Callable[[Any], bool]] = []
    for name, value in args.items():
        if name in IGNORED or not isinstance(value, str) or not value:
            continue
        if name in TEXT:
            other.append(partial(_starts, value.lower()))
        elif name in EXPRESSIONS:
            other.append(partial(_expression, value))
        elif value.lower() != "all":
            equal.append((name, value.lower()))
    return equal, other


def _starts(wanted: str, doc: Any) -> bool:
    return any(s.lower().startswith(wanted) for s in _strings(doc))


def _expression(text: str, doc: Any) -> bool:
    return expression(doc, text)


def equal_key(doc: Any, name: str) -> str | None:
    """What `field=value` compares of a document: the field (or the profile's field of that
    name) in lower case; None when the document lacks it, and then it passes (the vendor ignores
    what it lacks)."""
    if not isinstance(doc, dict):
        return None
    have = doc.get(name) if "." not in name else dotted(doc, name)
    if have is None and isinstance(doc.get("profile"), dict):
        have = doc["profile"].get(name)
    return None if have is None else str(have).lower()


def _equal(name: str, wanted: str, doc: Any) -> bool:
    have = equal_key(doc, name)
    return have is None or have == wanted


def matches(doc: Any, args: Mapping[str, Any]) -> bool:
    """Whether a document passes every filter of the query."""
    return predicate(args)(doc)
