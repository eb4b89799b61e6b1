"""Answers as each kind of client saw them.

A service's answers change with time (GitHub adds `node_id`, `topics`, `visibility` to its
repositories), with the deployment a client talks to (Jira Server and Cloud answer `serverInfo`
and `/field` differently) and with whether the client signed its request (GitHub shows
`permissions` only then). Recordings made at different times and against different deployments
hold all of these. What a request tells of its client (its `User-Agent` and `Accept` headers,
whether it sends credentials) picks the recorded client it is most like, and the answer is made
as that client saw its answers: a fixed document as that client's recordings show it, and the
fields every answer that client got shows added where a stored document lacks them.

A recorded client is `{"agent": User-Agent, "accept": Accept, "auth": whether it sent
credentials}`; `closeness` ranks them for a request.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

PRODUCT = re.compile(r"([A-Za-z][\w.+-]*)/(\S+)")
VERSION_PART = re.compile(r"\d+|[A-Za-z]+")
NONE = (0,) * 12  # no agreement at all: the twin's usual answer
ADD, INTO, ITEMS = "+", ".", "[]"  # the parts of a shape: fields to add, objects and lists to go into


def client_of(headers: Mapping[str, str]) -> dict[str, Any]:
    """What a request tells of its client (headers with lower-case names)."""
    raw = getattr(headers, "raw", None)  # a request's headers: read in one pass, as `get` reads
    if raw is not None:
        agent = accept = auth = None
        for key, value in raw:
            if key == b"user-agent":
                agent = value if agent is None else agent
            elif key == b"accept":
                accept = value if accept is None else accept
            elif key == b"authorization":
                auth = value if auth is None else auth
        return {
            "agent": "" if agent is None else agent.decode("latin-1"),
            "accept": "" if accept is None else accept.decode("latin-1"),
            "auth": bool(auth),
        }
    return {
        "agent": headers.get("user-agent", ""),
        "accept": headers.get("accept", ""),
        "auth": bool(headers.get("authorization")),
    }


PRE_RELEASE = {"dev": -4, "a": -3, "alpha": -3, "b": -2, "beta": -2, "rc": -1, "pre": -1}
VERSION_LENGTH = 6


def _product(agent: str) -> tuple[str, tuple[int, ...]]:
    """The first `name/version` of a User-Agent, the version as numbers (a pre-release's word
    below zero, so that 1.0.0a4 comes before 1.0.0), padded to one length."""
    found = PRODUCT.search(agent)
    if found is None:
        return agent.split(" ")[0], ()
    parts = [
        int(p) if p.isdigit() else PRE_RELEASE.get(p.lower(), -5)
        for p in VERSION_PART.findall(found.group(2))
    ]
    parts = (parts + [0] * VERSION_LENGTH)[:VERSION_LENGTH]
    return found.group(1).lower(), tuple(parts)


def closeness(recorded: Mapping[str, Any] | None, client: Mapping[str, Any]) -> tuple[int, ...]:
    """How alike a recorded client and this request's are, best first: the same User-Agent, the
    same product, the length of the version they share and how near the next part of it is, the
    same Accept, the same use of credentials, then the newer version (a service's answers gain
    fields over the years). `NONE` when they agree on nothing."""
    if not recorded:
        return NONE
    agent, theirs = str(client.get("agent") or ""), str(recorded.get("agent") or "")
    same_agent = int(bool(agent) and agent == theirs)
    (name, version), (their_name, their_version) = _product(agent), _product(theirs)
    same_product = int(bool(agent) and bool(name) and name == their_name)
    shared, distance = 0, 0
    if same_product:
        for mine, other in zip(version, their_version, strict=False):
            if mine != other:
                distance = abs(mine - other)
                break
            shared += 1
    accept = str(client.get("accept") or "")
    same_accept = int(bool(accept) and accept == recorded.get("accept"))
    same_auth = int(bool(client.get("auth")) == bool(recorded.get("auth")))
    if not (same_product or same_accept):
        return NONE
    newer = their_version if same_product else (0,) * VERSION_LENGTH
    return (same_agent, same_product, shared, -distance, same_accept, same_auth, *newer)


def nearest(options: Sequence[Mapping[str, Any]], client: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The option (each with a `client`) recorded from the client most like this one, or None
    when none agrees with it at all."""
    best: Mapping[str, Any] | None = None
    best_score: tuple[int, ...] = NONE
    for option in options:
        score = closeness(option.get("client"), client)
        if score > best_score:
            best, best_score = option, score
    return best


def fitted(body: Any, shape: Mapping[str, Any], value: Callable[[Any], Any] = lambda v: v) -> Any:
    """`body` with the fields `shape` says this client's answers always show added where it
    lacks them (`value` makes a recorded value this call's); `body` itself when nothing is added."""
    if isinstance(body, list):
        inner = shape.get(ITEMS)
        if not isinstance(inner, Mapping):
            return body
        items = [fitted(item, inner, value) for item in body]
        return body if all(a is b for a, b in zip(items, body, strict=True)) else items
    if not isinstance(body, dict):
        return body
    out: dict[str, Any] | None = None
    for key, recorded in (shape.get(ADD) or {}).items():
        if key not in body:
            out = dict(body) if out is None else out
            out[key] = value(recorded)
    for part in (INTO, ITEMS):
        for key, inner in (shape.get(part) or {}).items():
            current = body.get(key)
            if current is None:
                continue
            made = fitted(current, inner if part == INTO else {ITEMS: inner}, value)
            if made is not current:
                out = dict(body) if out is None else out
                out[key] = made
    return body if out is None else out


def learn_shape(group: Sequence[Any], everyone: Sequence[Any], depth: int = 0) -> dict[str, Any]:
    """What every answer of one client shows that not every answer of the operation does: the
    fields to add (with the value most of that client's answers hold), and the objects and lists
    of objects to look into for more. Empty when there is nothing."""
    if depth > 8 or not group:
        return {}
    if all(isinstance(v, list) for v in group):
        items = [i for v in group for i in v[:20]]
        every = [i for v in everyone if isinstance(v, list) for i in v[:20]]
        inner = learn_shape(items, every, depth + 1) if items else {}
        return {ITEMS: inner} if inner else {}
    if not all(isinstance(v, dict) for v in group):
        return {}
    objects = [v for v in everyone if isinstance(v, dict)]
    always = set.intersection(*(set(v) for v in objects)) if objects else set()
    shown = set.intersection(*(set(v) for v in group))
    out: dict[str, Any] = {}
    for key in sorted(shown):
        values = [v[key] for v in group]
        if key not in always:
            out.setdefault(ADD, {})[key] = voted(values)
        others = [v[key] for v in objects if key in v]
        for kind, part in ((dict, INTO), (list, ITEMS)):
            mine = [v for v in values if isinstance(v, kind)]
            if not mine or not all(isinstance(v, kind) or v is None for v in values):
                continue  # an object (or list) where shown, null elsewhere: looked into where shown
            found = learn_shape(mine, [v for v in others if isinstance(v, kind)], depth + 1)
            nested = found.get(ITEMS) if part == ITEMS else found
            if nested:
                out.setdefault(part, {})[key] = nested
    return out


def voted(values: Sequence[Any]) -> Any:
    """The value most of `values` hold (the latest on a tie)."""
    counts: Counter[str] = Counter()
    latest: dict[str, int] = {}
    for i, v in enumerate(values):
        text = json.dumps(v, sort_keys=True)
        counts[text] += 1
        latest[text] = i
    return json.loads(max(counts, key=lambda t: (counts[t], latest[t])))
