"""Scenario files: YAML (format version 1) checked against the published JSON Schema, with the file
and line of every problem, loaded from a directory or from decrypted text held in memory."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_FILE = "scenario.schema.json"
SUFFIXES = (".yaml", ".yml")
ALIAS_KEYS = ("as", "person", "user", "to", "contains_person", "lead", "reporter", "assignee")
Path_ = tuple[str | int, ...]


class ScenarioError(ValueError):
    """A scenario file is unusable: `file:line: what is wrong`."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


@dataclass
class Scenario:
    """One validated scenario; `source` is the file it came from (relative inside a suite)."""

    name: str
    source: str
    data: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    twins: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """An opaque id that names the scenario in public reports without revealing it."""
        return "s-" + hashlib.sha256(self.name.encode()).hexdigest()[:10]

    @property
    def people(self) -> list[str]:
        return list(self.data.get("people") or {})


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema (`holdout/scenario.schema.json`)."""
    text = resources.files("holdout").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


def _compose(text: str, file: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError(file, line, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(file, 1, f"not valid YAML: {exc}") from None


def _lines(node: yaml.Node, where: Path_, out: dict[Path_, int]) -> None:
    """Record the line of every value and key in the node tree, by its JSON path."""
    out[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
            _lines(value, (*where, name), out)
            out[(*where, name)] = key.start_mark.line + 1  # the key's line, not its value's
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*where, index), out)


def _line_of(lines: dict[Path_, int], where: Iterable[str | int]) -> int:
    path = tuple(where)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


def _describe(error: jsonschema.ValidationError) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    best = jsonschema.exceptions.best_match([error])
    message = best.message
    if len(message) > 240:
        message = message[:237] + "..."
    return f"{where or '(top level)'}: {message}"


def _most_relevant(errors: list[jsonschema.ValidationError]) -> jsonschema.ValidationError:
    """The deepest error first: a typo inside a step says more than 'step is invalid'."""
    return max(errors, key=lambda e: (len(e.absolute_path), -len(e.message)))


def parse(text: str, file: str) -> Scenario:
    """Parse and validate one scenario; raises ScenarioError naming the file and line."""
    node = _compose(text, file)
    if node is None:
        raise ScenarioError(
            file, 1, "the file is empty; a scenario needs version, name, twins, steps, expect"
        )
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ScenarioError(file, 1, "a scenario is a mapping (version, name, twins, steps, expect)")
    lines: dict[Path_, int] = {}
    _lines(node, (), lines)
    if data.get("version") not in (None, 1):
        line = _line_of(lines, ("version",))
        raise ScenarioError(file, line, f"format version {data['version']!r} is unknown; this engine reads 1")
    errors = list(_validator().iter_errors(data))
    if errors:
        worst = _most_relevant(errors)
        raise ScenarioError(file, _line_of(lines, worst.absolute_path), _describe(worst))
    _check_references(data, file, lines)
    return Scenario(
        name=data["name"], source=file, data=data, tags=list(data.get("tags") or []), twins=data["twins"]
    )


def _check_references(data: dict[str, Any], file: str, lines: dict[Path_, int]) -> None:
    """Aliases must be declared in `people`; a seed or step for a twin must list that twin."""
    people = set(data.get("people") or {})
    twins = set(data["twins"])
    for name in data.get("seed") or {}:
        if name not in twins:
            raise ScenarioError(file, _line_of(lines, ("seed", name)), f"seed for {name}, not in twins")
    for where, value in _walk(data, ()):
        key = where[-1] if where else ""
        if key in ALIAS_KEYS and isinstance(value, str) and value not in people:
            raise ScenarioError(file, _line_of(lines, where), f"{value!r} is not declared in people")
        if key == "members" and isinstance(value, list):
            for i, alias in enumerate(value):
                if alias not in people:
                    raise ScenarioError(
                        file, _line_of(lines, (*where, i)), f"{alias!r} is not declared in people"
                    )
        if key == "twin" and isinstance(value, str) and value not in twins:
            raise ScenarioError(file, _line_of(lines, where), f"twin {value!r} is not in twins")
        prefix = key.split(".")[0] if isinstance(key, str) and "." in key else ""
        if prefix in ("slack", "okta", "jira") and prefix not in twins:
            raise ScenarioError(file, _line_of(lines, where), f"{key} needs {prefix} in twins")


def _walk(value: Any, where: Path_) -> Iterable[tuple[Path_, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if where == ("people",):
                continue
            yield (*where, k), v
            yield from _walk(v, (*where, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*where, i))


def parse_suite(files: dict[str, str]) -> list[Scenario]:
    """Every scenario of a suite ({relative path: text}); names must be unique."""
    out: list[Scenario] = []
    seen: dict[str, str] = {}
    for file in sorted(files):
        scenario = parse(files[file], file)
        if scenario.name in seen:
            raise ScenarioError(file, 1, f"name {scenario.name!r} is also used by {seen[scenario.name]}")
        seen[scenario.name] = file
        out.append(scenario)
    return out


def read_dir(directory: Path) -> dict[str, str]:
    """{path relative to `directory`: text} of every .yaml/.yml file under it."""
    if not directory.is_dir():
        raise ScenarioError(str(directory), 0, "not a directory of scenarios")
    files = {
        str(p.relative_to(directory)): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*"))
        if p.suffix in SUFFIXES and p.is_file()
    }
    if not files:
        raise ScenarioError(str(directory), 0, "no scenario files (*.yaml, *.yml)")
    return files


def load_dir(directory: Path) -> list[Scenario]:
    """Validate every scenario under a directory; errors name `directory/file:line`."""
    files = read_dir(directory)
    try:
        return parse_suite(files)
    except ScenarioError as exc:
        raise ScenarioError(str(directory / exc.file), exc.line, exc.message) from None
