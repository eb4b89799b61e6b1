"""Defaults: the value a field of the answer takes when the request leaves it out, learnt from
the recorded writes that left it out (Okta's access policy rules answer `reauthenticateIn:
PT12H` unless one is sent). Kept for fields some recorded request did send: an answer made from
that request's recording would otherwise keep the value sent then."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.shapes import DATE_TIME
from twins.kit.defaults import has

if TYPE_CHECKING:
    from agent_runner.infer import Seen

DEPTH = 6
AT_LEAST = 2  # recorded writes that left the field out and all got the same value


def leaves(doc: Any, at: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every field below objects (not inside lists)."""
    if not isinstance(doc, dict) or depth > DEPTH:
        return
    for key, value in doc.items():
        path = f"{at}.{key}" if at else str(key)
        if isinstance(value, dict) and value:
            yield from leaves(value, path, depth + 1)
        else:
            yield path, value


def _sent(request: Any, path: str) -> bool:
    """Whether the request supplies `path` (or a value where an object of it would be)."""
    return has(request, path.split("."))


def learn_defaults(ok: Sequence[Seen]) -> dict[str, Any]:
    """Dotted path -> the value every recorded answer held there when its request left the
    field out (seen at least twice), for fields other recorded requests did supply."""
    values: dict[str, Counter[str]] = defaultdict(Counter)
    kept: dict[tuple[str, str], Any] = {}
    supplied: set[str] = set()
    for s in ok:
        if not isinstance(s.request, dict) or not isinstance(s.response, dict):
            continue
        for path, value in leaves(s.response):
            if _sent(s.request, path):
                supplied.add(path)
                continue
            if isinstance(value, str) and DATE_TIME.match(value):
                continue
            token = repr(value)
            values[path][token] += 1
            kept[(path, token)] = value
    out: dict[str, Any] = {}
    for path, seen in values.items():
        if path in supplied and len(seen) == 1:
            token, count = seen.most_common(1)[0]
            if count >= AT_LEAST:
                out[path] = kept[(path, token)]
    return dict(sorted(out.items()))


def echoes_all(ok: Sequence[Seen]) -> bool:
    """Whether every recorded answer of an update holds every top-level field its request sent
    (Okta's PUT of an app answers a `profile` the app did not have): then fields new to the
    item are added, not only changed (seen at least twice)."""
    pairs = [
        (s.request, s.response) for s in ok if isinstance(s.request, dict) and isinstance(s.response, dict)
    ]
    return len(pairs) >= AT_LEAST and all(set(sent) <= set(answer) for sent, answer in pairs)
