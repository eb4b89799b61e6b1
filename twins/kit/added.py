"""The fields a vendor adds to the items of a list a create sends (`agent_runner.added`): each sent
item is answered with the fields the smallest shapes recorded there that hold all of its fields
add, a made-up value made from what was sent (the same body, the same values: a create's render
plan is made once per body), a constant, or null."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping, Sequence
from typing import Any

from twins.kit.closed import ITEM
from twins.kit.lookalike import alphabet_of


def made_up(found: Mapping[str, Any], seed: str) -> str:
    """A value like `found["like"]`: its shared prefix and suffix, the rest drawn from its
    alphabet (the kinds of character it holds) by `seed`."""
    like, prefix, suffix = str(found["like"]), str(found.get("prefix", "")), str(found.get("suffix", ""))
    middle = like[len(prefix) : len(like) - len(suffix)]
    chars = alphabet_of(middle) or string.ascii_lowercase
    digest = hashlib.sha256(seed.encode()).digest()
    while len(digest) < len(middle):
        digest += hashlib.sha256(digest).digest()
    return prefix + "".join(chars[b % len(chars)] for b in digest[: len(middle)]) + suffix


def completed(item: dict[str, Any], found: Mapping[str, Any], seed: str) -> dict[str, Any]:
    """`item` with the fields the smallest recorded shapes holding all of its fields add (an
    empty one, every shape holds: it tells nothing)."""
    have = set(item)
    shapes = [set(shape) for shape in found.get("shapes") or () if have and have <= set(shape)]
    if not shapes:
        return item
    least = min(len(shape) for shape in shapes)
    adds = set.intersection(*(shape - have for shape in shapes if len(shape) == least))
    fields = found.get("fields") or {}
    out = dict(item)
    for name in sorted(adds):
        how = fields.get(name)
        if not isinstance(how, Mapping):
            continue
        out[name] = made_up(how, f"{seed}|{name}") if "like" in how else how.get("value")
    return out


def _walk(answer: Any, sent: Any, parts: Sequence[str], found: Mapping[str, Any], seed: str) -> Any:
    if not parts:
        return (
            completed(answer, found, seed) if isinstance(answer, dict) and isinstance(sent, dict) else answer
        )
    head, rest = parts[0], parts[1:]
    if head == ITEM:
        if not isinstance(answer, list) or not isinstance(sent, list):
            return answer
        done = [
            _walk(a, s, rest, found, f"{seed}|{n}")
            for n, (a, s) in enumerate(zip(answer, sent, strict=False))
        ]
        return done + answer[len(done) :]
    if isinstance(answer, dict) and isinstance(sent, Mapping) and head in answer and head in sent:
        return {**answer, head: _walk(answer[head], sent[head], rest, found, f"{seed}.{head}")}
    return answer


def with_added(body: Any, sent: Any, paths: Sequence[Sequence[Any]], seed: str) -> Any:
    """`body` (a create's answer) with the fields added to the sent list items at `paths`."""
    for path, found in paths:
        if isinstance(found, Mapping) and path:
            body = _walk(body, sent, [str(p) for p in path], found, seed)
    return body
