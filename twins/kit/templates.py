"""Answers made from recorded ones: a recorded body with the recording's values (host, keys, the
collection's path, timestamps) replaced by this call's, and the fields the recorded request
supplied replaced by what this request supplies (the values swapped by `twins.kit.swaps`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from twins.kit.identity import MISSING, ByIdentity
from twins.kit.swaps import SCALARS, SHARED
from twins.kit.swaps import Swap as Swap  # where twin kit modules have taken it from

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
SECRET = re.compile(r"(pass(word)?|secret)$", re.I)  # a key naming one (not `passwordField`)
KEYED = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-[0-9]+$")


def stamp_like(recorded: str, now: float) -> str:
    """`now` written the way `recorded` writes a time (fraction digits, `Z` or an offset)."""
    moment = datetime.fromtimestamp(now, UTC)
    fraction, zone = _written(recorded)
    text = _whole_second(moment, now)
    if fraction:
        text += "." + f"{moment.microsecond:06d}"[:fraction].ljust(fraction, "0")
    return text + zone


@lru_cache(maxsize=4_096)
def _written(recorded: str) -> tuple[int, str]:
    """How `recorded` writes a time: its fraction digits and its zone (`Z` or an offset)."""
    match = STAMP.match(recorded)
    fraction = len(match.group(1)) - 1 if match and match.group(1) else 0
    zone = match.group(2) if match else "Z"
    return fraction, "Z" if zone in (None, "Z") else "+00:00" if ":" in zone else "+0000"


_SECONDS: dict[int, str] = {}  # the text of a whole second, for the few seconds around now


def _whole_second(moment: datetime, now: float) -> str:
    whole = int(now)
    same = moment.second == whole % 60  # not rounded up to the next second
    text = _SECONDS.get(whole) if same else None
    if text is None:
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if same:
            if len(_SECONDS) >= 64:
                _SECONDS.clear()
            _SECONDS[whole] = text
    return text


def restamp(body: Any, now: float, fields: Sequence[str], stamp: Callable[[str], str] | None = None) -> Any:
    """`body` with its top-level timestamps in `fields` set to `now` (each written by `stamp`
    from the timestamp it replaces, when given)."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    for name in fields:
        value = out.get(name)
        if isinstance(value, str) and STAMP.match(value):
            out[name] = stamp_like(value, now) if stamp is None else stamp(value)
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
    out = dict(template)  # the answer's fields, in its order: those either request has, changed
    for key in template.keys() & (given.keys() | sent.keys()):
        value = template[key]
        if key in given:
            if key not in sent or isinstance(value, dict) or sent[key] != given[key]:
                out[key] = _take(value, sent.get(key), given[key])
        elif sent[key] == value:  # supplied then, not now: empty
            out[key] = unset(value)
    return out


def unset(value: Any) -> Any:
    """The value of a field the request left out where another request's value was answered: no
    items, a flag off, else null."""
    if isinstance(value, list):
        return []
    return False if isinstance(value, bool) else None


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
    # what the create's answer has is the answer's (in the read's order): only the rest is made,
    # as `echo(template, None, sent)` makes it
    rest = {k: v for k, v in template.items() if k not in answer}
    if isinstance(sent, dict):
        for key in rest.keys() & sent.keys():
            rest[key] = _take(rest[key], None, sent[key])
    full = dict.fromkeys(template)
    full.update(Swap.of(pairs).apply(rest))
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
    (`{"acme_app_13_link": true}` for an app made up as `acme_app_13`); a part whose keys hold
    none of them is itself (most answers: `body` itself)."""
    if not renamed or depth > 6 or not _holds(body, tuple(renamed), depth):
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


def renumbered(body: Any, old: int, new: int, depth: int = 0) -> Any:
    """`body` with the number `old` (a recorded item's numeric key, of at least `KEY_DIGITS`
    digits) replaced by `new` in its objects and lists: a nested part naming the item it belongs
    to (a GPG key's subkeys' `primary_key_id`). Strings are `Swap`'s; a part without it is itself."""
    if old == new or abs(old) < 10 ** (KEY_DIGITS - 1) or depth > 6:
        return body
    if isinstance(body, dict):
        out = {k: renumbered(v, old, new, depth + 1) for k, v in body.items()}
        return body if all(out[k] is v for k, v in body.items()) else out
    if isinstance(body, list):
        items = [renumbered(v, old, new, depth + 1) for v in body]
        return body if all(a is b for a, b in zip(items, body, strict=True)) else items
    return new if body.__class__ is int and body == old else body


KEY_DIGITS = 4
HELD = 20_000
_HOLDS: ByIdentity[bool] = ByIdentity(HELD)  # of read-only parts


def _holds(body: Any, olds: tuple[str, ...], depth: int) -> bool:
    """Whether a key of `body`, down to the depth `rekeyed` goes, holds one of `olds` (kept by a
    read-only part's identity, the part beside it)."""
    if depth > 6 or not isinstance(body, dict | list):
        return False
    shared = body.__class__ in SHARED
    if shared:
        hit = _HOLDS.get(body, (olds, depth))
        if hit is not MISSING:
            return hit
    found = False
    if isinstance(body, dict):
        found = any(old in key for key in body for old in olds)
    for value in body.values() if isinstance(body, dict) else body:
        if found:
            break
        if value.__class__ is not str and value.__class__ not in SCALARS:  # no keys in them
            found = _holds(value, olds, depth + 1)
    return _HOLDS.put(body, (olds, depth), found) if shared else found
