"""Path templates from concrete paths: which segments are ids (they vary across traces) and
which are the route's own words.

A segment is a variable when it looks like an id (numeric, Okta-style, UUID, Jira key, Slack id:
`recorder.classify.is_id`), or when paths that agree everywhere else, and go on with a fixed word,
differ at it (`/repos/<owner>/<repo>/issues`: GitHub's owner and repository names), unless the
segment is a collection's name (it is followed by an id somewhere). A spec's templates win.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from recorder.classify import is_id

VAR = "{}"  # a variable segment before it is named
_SPEC_PARAM = re.compile(r"^\{([^}]+)\}$")
VERSION = re.compile(r"^(v?\d{1,2}(\.\d+)?|latest)$")  # /rest/api/2, /api/v1: part of the route


def split(path: str) -> tuple[str, ...]:
    return tuple(unquote(s) for s in path.strip("/").split("/")) if path.strip("/") else ()


def singular(word: str) -> str:
    """`policies` -> `policy`, `users` -> `user`, `status` stays."""
    word = re.sub(r"\W", "", word) or "item"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses") or word.endswith("xes"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _camel(word: str) -> str:
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", word) if p]
    if not parts:
        return "item"
    return parts[0][:1].lower() + parts[0][1:] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


@dataclass
class SpecPaths:
    """The spec's path templates, tried most literal first."""

    templates: list[tuple[str, ...]] = field(default_factory=list)

    @classmethod
    def of(cls, paths: Iterable[str]) -> SpecPaths:
        out = [split(p) for p in paths]
        out.sort(key=lambda t: (-sum(1 for s in t if not _SPEC_PARAM.match(s)), t))
        return cls(out)

    def match(self, segments: Sequence[str]) -> tuple[str, ...] | None:
        for template in self.templates:
            if len(template) == len(segments) and all(
                _SPEC_PARAM.match(t) or t == s for t, s in zip(template, segments, strict=True)
            ):
                return template
        return None


class Templater:
    """Learns the variable positions from every concrete path, then templates each one."""

    def __init__(self, paths: Iterable[str], spec: SpecPaths | None = None) -> None:
        self.spec = spec or SpecPaths()
        self.variable: set[tuple[str, ...]] = set()  # prefixes (templated) followed by a variable
        concrete = {split(p) for p in paths}
        self.collections = self._collections(concrete)
        self._learn(concrete)

    @staticmethod
    def _collections(paths: set[tuple[str, ...]]) -> set[str]:
        """Words followed by an id somewhere: collection names, never variables themselves."""
        return {p[i] for p in paths for i in range(len(p) - 1) if is_id(p[i + 1]) and not is_id(p[i])}

    def _shape(self, segments: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for i, segment in enumerate(segments):
            version = i > 0 and segments[i - 1] in ("api", "rest") and VERSION.match(segment)
            var = not version and (is_id(segment) or tuple(out) in self.variable)
            out.append(VAR if var and i > 0 else segment)
        return tuple(out)

    def _learn(self, paths: set[tuple[str, ...]]) -> None:
        for _ in range(4):  # a few rounds: a new variable may reveal another (owner after repo)
            shapes = {self._shape(p) for p in paths if self.spec.match(p) is None}
            # Paths alike before a word and ending in the same fixed word, as long: the word varies.
            groups: dict[tuple[tuple[str, ...], int, str], set[str]] = defaultdict(set)
            for shape in shapes:
                for i in range(1, len(shape) - 1):
                    word, last = shape[i], shape[-1]
                    if word == VAR or word in self.collections or last == VAR:
                        continue
                    groups[(shape[:i], len(shape), last)].add(word)
            found = {prefix for (prefix, _n, _last), words in groups.items() if len(words) >= 2}
            if found <= self.variable:
                return
            self.variable |= found

    def template(self, path: str) -> str:
        """The path's template, variables named after the collection before them."""
        segments = split(path)
        spec = self.spec.match(segments)
        if spec is not None:
            return "/" + "/".join(spec)
        return name_variables(self._shape(segments))


def name_variables(shape: Sequence[str]) -> str:
    """`('api', 'v1', 'users', '{}')` -> `/api/v1/users/{userId}`; names unique in the path."""
    out: list[str] = []
    used: set[str] = set()
    for i, segment in enumerate(shape):
        if segment != VAR:
            out.append(segment)
            continue
        before = next((s for s in reversed(shape[:i]) if s != VAR), "item")
        base = _camel(singular(before)) + "Id"
        base = base if base[0].isalpha() else "p" + base
        name, n = base, 2
        while name in used:
            name, n = f"{base}{n}", n + 1
        used.add(name)
        out.append("{" + name + "}")
    return "/" + "/".join(out)


def params(template: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", template)


def values(template: str, path: str) -> dict[str, str]:
    """The concrete values of a template's variables in `path` (same number of segments)."""
    out: dict[str, str] = {}
    for t, s in zip(split(template), split(path), strict=False):
        match = _SPEC_PARAM.match(t)
        if match:
            out[match.group(1)] = s
    return out


def item_at(path: str, collection: str) -> tuple[str, str] | None:
    """(scope, key) of the item of the collection `collection` (a template) that `path` is at
    or under."""
    depth = (collection + "/{x}").count("/")
    segments = path.split("/")
    if len(segments) <= depth:
        return None
    return "/".join(segments[:depth]), segments[depth]


def collection_of(template: str) -> str | None:
    """`/a/{aId}/b/{bId}` -> `/a/{aId}/b` (an item's collection); None when it ends in a word."""
    segments = split(template)
    if not segments or not _SPEC_PARAM.match(segments[-1]) or len(segments) < 2:
        return None
    return "/" + "/".join(segments[:-1])
