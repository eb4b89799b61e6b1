"""Answers made from recorded ones: a recorded body with the recording's values (host, keys, the
collection's path, timestamps) replaced by this call's, and the fields the recorded request
supplied replaced by what this request supplies."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from twins._runtime.frozen import FrozenDict, FrozenList

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
SECRET = re.compile(r"(pass(word)?|secret)$", re.I)  # a key naming one (not `passwordField`)


KEYED = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-[0-9]+$")
SHARED = (FrozenDict, FrozenList)  # read-only parts of recorded bodies (`Engine.examples`)
HELD = 50_000
# Bounded caches of what cannot change, like the `re` module's: which of some recorded values a
# read-only part of a recorded body holds, and that part with those values swapped, by the part's
# identity (the part itself is kept beside, so an identity is never taken for another's).
_USED: dict[tuple[int, tuple[str, ...]], tuple[Any, tuple[frozenset[str], tuple[Any, ...]]]] = {}
_MADE: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[Any, Any]] = {}
_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}  # one alternation per set of recorded values


def stamp_like(recorded: str, now: float) -> str:
    """`now` written the way `recorded` writes a time (fraction digits, `Z` or an offset)."""
    moment = datetime.fromtimestamp(now, UTC)
    match = STAMP.match(recorded)
    fraction = len(match.group(1)) - 1 if match and match.group(1) else 0
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + f"{moment.microsecond:06d}"[:fraction].ljust(fraction, "0")
    zone = match.group(2) if match else "Z"
    return text + ("Z" if zone in (None, "Z") else "+00:00" if ":" in zone else "+0000")


@dataclass(frozen=True)
class Swap:
    """Replace the recording's values by this call's, in every string of a body."""

    pairs: tuple[tuple[str, str], ...]  # (recorded, now), longest first

    @classmethod
    def of(cls, pairs: Mapping[str, str]) -> Swap:
        kept = {a: b for a, b in pairs.items() if a and a != b and (len(a) >= 3 or not a.isdigit())}
        numbers = {a: b for a, b in pairs.items() if a and a != b and a.isdigit() and len(a) < 3}
        out = sorted(kept.items(), key=lambda p: -len(p[0]))
        return cls(tuple(out) + tuple(("/" + a, "/" + b) for a, b in numbers.items()))

    def text(self, value: str) -> str:
        """Every recorded value in `value` replaced, in one pass (so a value just put in is never
        replaced again); a number only where it ends a path segment."""
        if not self.pairs:
            return value
        return self._pattern.sub(self._replacement, value)

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        pattern = _PATTERNS.get(self.olds)
        if pattern is None:
            pattern = re.compile("|".join(_alternative(old) for old in self.olds))
            _remember(_PATTERNS, self.olds, pattern)
        return pattern

    @cached_property
    def _replacement(self) -> Callable[[re.Match[str]], str]:
        new = dict(self.pairs)
        return lambda match: new[match.group()]

    def apply(self, body: Any) -> Any:
        """`body` with this call's values: a new object (or list) at the top; inside it, parts of
        a recorded body (read-only) are made once for the values they hold and then shared."""
        apply = self._apply
        if not self.pairs:
            if isinstance(body, dict):
                return {k: apply(v) for k, v in body.items()}
            return [apply(v) for v in body] if isinstance(body, list) else apply(body)
        sub, replacement = self._pattern.sub, self._replacement
        if isinstance(body, dict):  # strings inline: most of a body's values
            return {k: sub(replacement, v) if v.__class__ is str else apply(v) for k, v in body.items()}
        if isinstance(body, list):
            return [sub(replacement, v) if v.__class__ is str else apply(v) for v in body]
        return apply(body)

    def _apply(self, body: Any) -> Any:
        if isinstance(body, str):
            return self.text(body)
        if body.__class__ in SHARED:
            used, holders = self._used(body)
            if not used:
                return body
            key = (id(body), tuple(pair for pair in self.pairs if pair[0] in used))
            hit = _MADE.get(key)
            if hit is not None and hit[0] is body:
                return hit[1]
            made = self._made(body, holders)
            _remember(_MADE, key, (body, made))
            return made
        if isinstance(body, dict | list):
            return self.apply(body)
        return body

    def _made(self, body: Any, holders: tuple[Any, ...]) -> Any:
        """A read-only part with its `holders` (the keys or places of the values that hold a
        recorded value) made anew; every other value is the part's own, shared."""
        if isinstance(body, dict):
            out = dict(body)
            for key in holders:
                out[key] = self._apply(body[key])
            return FrozenDict(out)
        items = list(body)
        for place in holders:
            items[place] = self._apply(body[place])
        return FrozenList(items)

    @cached_property
    def olds(self) -> tuple[str, ...]:
        return tuple(old for old, _ in self.pairs)

    def _used(self, body: Any) -> tuple[frozenset[str], tuple[Any, ...]]:
        """The recording's values that strings of a read-only part of a body hold, and the keys
        (or places) of its values that hold any; remembered by the part's identity (it cannot
        change)."""
        key = (id(body), self.olds)
        hit = _USED.get(key)
        if hit is not None and hit[0] is body:
            return hit[1]
        used: set[str] = set()
        holders: list[Any] = []
        for place, value in body.items() if isinstance(body, dict) else enumerate(body):
            if isinstance(value, str):
                held = {old for old in self.olds if old in value}
            elif value.__class__ in SHARED:
                held = set(self._used(value)[0])
            else:
                continue
            if held:
                used |= held
                holders.append(place)
        found = (frozenset(used), tuple(holders))
        _remember(_USED, key, (body, found))
        return found


def _alternative(old: str) -> str:
    number = old.isdigit() or (old.startswith("/") and old[1:].isdigit())
    return re.escape(old) + (r"(?=$|[/?#\"])" if number else "")


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= HELD:
        cache.clear()
    cache[key] = value


def restamp(body: Any, now: float, fields: Sequence[str]) -> Any:
    """`body` with its top-level timestamps in `fields` set to `now`."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    for name in fields:
        value = out.get(name)
        if isinstance(value, str) and STAMP.match(value):
            out[name] = stamp_like(value, now)
    return out


def echo(template: Any, recorded: Any, given: Any) -> Any:
    """The recorded answer to `recorded` as the answer to `given`: a field the recorded request
    supplied (same value in the answer) takes the given request's value, or goes (null) when the
    given request leaves it out; a list of names sent where objects come back (GitHub labels)
    becomes the objects, each named. A value sent as the recorded request sent it keeps the
    recorded answer's (Okta answers an empty `defaultRelayState` as null)."""
    if not isinstance(template, dict) or not isinstance(given, dict):
        return template
    sent = recorded if isinstance(recorded, dict) else {}
    out: dict[str, Any] = {}
    for key, value in template.items():
        if key in given and key in sent and not isinstance(value, dict) and sent[key] == given[key]:
            out[key] = value
        elif key in given:
            out[key] = _take(value, sent.get(key), given[key])
        elif key in sent and sent[key] == value and isinstance(value, list):
            out[key] = []  # items supplied then, not now
        else:
            out[key] = value
    return out


def _take(value: Any, sent: Any, wanted: Any) -> Any:
    if isinstance(value, dict) and isinstance(wanted, dict):
        merged = echo(value, sent, wanted)
        merged.update({k: v for k, v in wanted.items() if k not in value and not SECRET.search(k)})
        return merged
    names = isinstance(wanted, list) and all(isinstance(w, str) for w in wanted)
    if names and isinstance(value, list) and value and isinstance(value[0], dict) and isinstance(sent, list):
        proto = value[0]
        name = next((k for k, v in proto.items() if isinstance(v, str) and v in sent), None)
        if name is not None:
            return [{**proto, name: w} for w in wanted]
    return wanted


def merge(doc: Any, changes: Any) -> Any:
    """A partial update: `changes` laid over `doc` (objects merged, anything else replaced);
    fields the document does not have are added only inside objects, never secrets."""
    if not isinstance(doc, dict) or not isinstance(changes, dict):
        return doc
    out = dict(doc)
    for key, value in changes.items():
        if SECRET.search(key):
            continue
        if key in out:
            old = out[key]
            out[key] = (
                merge(old, value)
                if isinstance(old, dict) and isinstance(value, dict)
                else _take(old, old, value)
            )
    return out


def merge_nested(doc: Any, changes: Any, depth: int = 0) -> Any:
    """`merge`, adding new fields inside nested objects at any depth (a profile's new attribute,
    a schema's new property)."""
    if not isinstance(doc, dict) or not isinstance(changes, dict):
        return doc
    out = merge(doc, changes)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and depth < 8:
            inner = merge_nested(out[key], value, depth + 1)
            out[key] = {
                **inner,
                **{k: v for k, v in value.items() if k not in inner and not SECRET.search(k)},
            }
    return out


def _path_to(doc: Any, wanted: str, depth: int = 0) -> tuple[str, ...] | None:
    """The keys that lead to the string `wanted` in `doc` (objects only), or None."""
    if not isinstance(doc, dict) or depth > 4:
        return None
    for key, value in doc.items():
        if value == wanted:
            return (key,)
        inner = _path_to(value, wanted, depth + 1)
        if inner is not None:
            return (key, *inner)
    return None


def _at(doc: Any, path: Sequence[str]) -> Any:
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def parent_prefix(value: str, recorded: Any, given: Any) -> str | None:
    """A key made of a field of the request and a counter (Jira's `PROJ-12`, the project's key
    as sent): the recorded key's prefix is a value of the recorded request, and the value at the
    same place in this request is this key's prefix."""
    match = KEYED.match(value)
    path = _path_to(recorded, match.group(1)) if match else None
    prefix = _at(given, path) if path else None
    return prefix if isinstance(prefix, str) and prefix else None


def documented(template: Any, sent: Any, pairs: Mapping[str, str], answer: Mapping[str, Any]) -> Any:
    """The whole document a create makes when the vendor answers it with a few fields (Jira's
    `id`, `key`, `self`) and reads answer more: the recorded read's answer, with what the request
    sent, the recording's values swapped for this object's (`pairs`), and the create's answer."""
    if not isinstance(template, dict):
        return dict(answer)
    full = Swap.of(pairs).apply(echo(template, None, sent))
    full.update(answer)
    return full


def relinked(body: Any, by_status: Mapping[str, Any], key: str, base_url: str) -> Any:
    """`body` with the links its status decides (as recorded for items of that status, made this
    item's): links of other statuses go, the status's own are added where missing."""
    if not isinstance(body, dict) or not isinstance(body.get("_links"), dict):
        return body
    known = by_status.get(str(body.get("status")))
    if not known:
        return body
    own = Swap.of({str(known["host"]): base_url, str(known["key"]): key}).apply(known["links"])
    links = {n: v for n, v in body["_links"].items() if n in own or n not in known["decided"]}
    links.update({n: v for n, v in own.items() if n not in links})
    return {**body, "_links": links}


def with_effect(body: dict[str, Any], effect: Mapping[str, Any], now: float) -> dict[str, Any]:
    """`body` with each dotted path of `effect` set (a timestamp set to `now`, written alike)."""
    out = dict(body)
    for path, value in effect.items():
        *outer, last = path.split(".")
        doc = out
        for name in outer:
            inner = doc.get(name)
            if not isinstance(inner, dict):
                break
            doc[name] = doc = dict(inner)
        else:
            doc[last] = stamp_like(value, now) if isinstance(value, str) and STAMP.match(value) else value
    return out


def rekeyed(body: Any, renamed: Mapping[str, str], depth: int = 0) -> Any:
    """`body` with each recorded value of `renamed` in an object's keys replaced by this call's
    (`{"acme_app_13_link": true}` for an app made up as `acme_app_13`)."""
    if not renamed or depth > 6:
        return body
    if isinstance(body, dict):
        out = {}
        for key, value in body.items():
            for old, new in renamed.items():
                key = key.replace(old, new)
            out[key] = rekeyed(value, renamed, depth + 1)
        return out
    if isinstance(body, list):
        return [rekeyed(v, renamed, depth + 1) for v in body]
    return body
