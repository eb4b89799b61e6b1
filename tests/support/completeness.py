"""Response completeness: the properties an official spec defines for an operation's success answer
(its schema and its examples) that the twin's answers never carry.

A property is a dotted key path (`message.bot_profile.icons`); list items add nothing to the path,
keys of maps (`additionalProperties`) are not walked. Only the shallowest missing paths are
reported: when `profile` is missing, `profile.email` is not listed as well.

Declared differences live in each twin's LIMITATIONS.md, in a table under a heading that contains
"Response completeness": `| operation | properties | reason |`, where the operation is
`chat.postMessage`, `GET /api/v1/users/{id}` or `*`, and the properties are back-quoted fnmatch
patterns (`_links.*`), comma-separated. The tests call `report`; its `text()` lists what is left.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_DEPTH = 6
JSON_TYPES = ("application/json", "application/x-www-form-urlencoded")


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (`#/definitions/x`, `#/components/schemas/x`) until there is none."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def schema_paths(spec: dict[str, Any], schema: Any, prefix: str = "", depth: int = 0) -> set[str]:
    """Every key path a schema defines (through $ref, allOf/oneOf/anyOf and array items)."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return set()
    out: set[str] = set()
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key) or []:
            out |= schema_paths(spec, part, prefix, depth)
    if "items" in schema:
        out |= schema_paths(spec, schema["items"], prefix, depth)
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        out.add(path)
        out |= schema_paths(spec, sub, path, depth + 1)
    return out


def value_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (an example or an answer); list items are merged."""
    out: set[str] = set()
    if isinstance(value, list):
        for item in value:
            out |= value_paths(item, prefix)
    elif isinstance(value, dict):
        for key, sub in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.add(path)
            out |= value_paths(sub, path)
    return out


def success_paths(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """The key paths of an operation's 2xx answers: schemas and examples (Swagger 2 or OpenAPI 3)."""
    out: set[str] = set()
    for status, response in (operation.get("responses") or {}).items():
        if not str(status).startswith("2"):
            continue
        response = resolve(spec, response)
        out |= schema_paths(spec, response.get("schema"))
        for example in (response.get("examples") or {}).values():
            out |= value_paths(example)
        for media, content in (response.get("content") or {}).items():
            if not media.startswith("application/json"):
                continue
            out |= schema_paths(spec, content.get("schema"))
            if "example" in content:
                out |= value_paths(resolve(spec, content["example"]))
            for example in (content.get("examples") or {}).values():
                out |= value_paths(resolve(spec, example).get("value"))
    return out


def shallowest_missing(defined: set[str], seen: set[str]) -> list[str]:
    """Defined paths never seen whose parent was seen (or that are top-level), sorted."""
    out = []
    for path in defined - seen:
        parent = path.rpartition(".")[0]
        if not parent or parent in seen:
            out.append(path)
    return sorted(out)


@dataclass
class Declared:
    """One row of the LIMITATIONS.md table: an operation (or `*`), patterns and the reason."""

    operation: str
    patterns: list[str]
    reason: str
    used: set[str] = field(default_factory=set)

    def covers(self, operation: str, path: str) -> bool:
        if self.operation not in ("*", operation):
            return False
        hit = [p for p in self.patterns if fnmatch.fnmatchcase(path, p)]
        self.used.update(hit)
        return bool(hit)


ROW = re.compile(r"^\|\s*`?(?P<op>[^|`]+?)`?\s*\|\s*(?P<props>[^|]+?)\s*\|\s*(?P<reason>[^|]*?)\s*\|$")


def declared(limitations: Path) -> list[Declared]:
    """The rows of the "Response completeness" table of a LIMITATIONS.md."""
    rows: list[Declared] = []
    inside = False
    for line in limitations.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = "response completeness" in line.lower()
            continue
        match = ROW.match(line.strip()) if inside else None
        if match is None or match["op"] in ("operation", "---") or set(match["op"]) <= {"-"}:
            continue
        patterns = re.findall(r"`([^`]+)`", match["props"])
        rows.append(Declared(match["op"].strip(), patterns, match["reason"]))
    return rows


@dataclass
class Report:
    """What a tour of the twin's operations showed."""

    missing: dict[str, list[str]]  # operation -> shallowest missing paths, declared or not
    undeclared: dict[str, list[str]]  # the same, without those LIMITATIONS.md declares
    unused: list[str]  # declared patterns that matched nothing (stale entries)

    def text(self) -> str:
        lines = [f"{op}: {', '.join(paths)}" for op, paths in sorted(self.undeclared.items()) if paths]
        return "\n".join(lines)


def report(defined: dict[str, set[str]], answers: dict[str, Iterable[Any]], rows: list[Declared]) -> Report:
    """Compare the paths each operation defines with those of its answers, then with the table."""
    missing: dict[str, list[str]] = {}
    undeclared: dict[str, list[str]] = {}
    for operation, paths in sorted(defined.items()):
        seen: set[str] = set()
        for body in answers.get(operation, ()):
            seen |= value_paths(body)
        missing[operation] = shallowest_missing(paths, seen)
        undeclared[operation] = [
            p for p in missing[operation] if not any(r.covers(operation, p) for r in rows)
        ]
    unused = [f"{r.operation}: {p}" for r in rows for p in r.patterns if p not in r.used]
    return Report(missing, undeclared, unused)


def parameters(spec: dict[str, Any], path: str, verb: str, places: tuple[str, ...]) -> list[str]:
    """The names of an operation's parameters in `places` (query, formData...), path-level too."""
    item = spec["paths"][path]
    found = [resolve(spec, p) for p in [*item.get("parameters", []), *item[verb].get("parameters", [])]]
    return sorted({p["name"] for p in found if isinstance(p, dict) and p.get("in") in places})


def mentioned(package: Path) -> set[str]:
    """Every double-quoted string literal in a package's source: a parameter whose name the twin's
    code never spells is one it cannot read."""
    names: set[str] = set()
    for file in package.rglob("*.py"):
        names |= set(re.findall(r'"([A-Za-z_][A-Za-z0-9_.]*)"', file.read_text(encoding="utf-8")))
    return names


def declared_parameters(limitations: Path) -> dict[tuple[str, str], str]:
    """(operation, parameter) -> reason, from the "Query parameters" table of a LIMITATIONS.md."""
    out: dict[tuple[str, str], str] = {}
    inside = False
    for line in limitations.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = "query parameters" in line.lower()
            continue
        match = ROW.match(line.strip()) if inside else None
        if match is None or match["op"] in ("operation", "---") or set(match["op"]) <= {"-"}:
            continue
        for name in re.findall(r"`([^`]+)`", match["props"]):
            out[(match["op"].strip(), name)] = match["reason"]
    return out
