"""Comparisons relaxed on principle: fields a generated twin's inference found changing between
recordings of the same read with no write in between (`agent_runner.volatile`) are compared by
type only, the types the training traffic shows there. Every difference so let through is kept
in the report as declared, with `REASON`, so that the relaxed comparisons can be counted."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from recorder.parity.values import Difference, type_name
from recorder.trace import Exchange

REASON = "changes between recordings of the same read with no write between: compared by type"
RELAXED_KINDS = frozenset({"value", "type", "kind", "count"})
Relax = Callable[[Exchange, Difference], str | None]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    literal: int  # fixed segments: the most literal route wins, as the twin routes
    fields: Mapping[str, frozenset[str]]


def routes(volatile: Mapping[str, Mapping[str, Sequence[str]]]) -> list[Route]:
    out = []
    for endpoint, fields in volatile.items():
        method, _, template = endpoint.partition(" ")
        segments = template.strip("/").split("/")
        pattern = "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments)
        literal = sum(not s.startswith("{") for s in segments)
        out.append(
            Route(
                method, re.compile(f"^/{pattern}/?$"), literal, {p: frozenset(t) for p, t in fields.items()}
            )
        )
    return sorted(out, key=lambda r: -r.literal)


def relaxer(volatile: Mapping[str, Mapping[str, Sequence[str]]], templates: Sequence[str] = ()) -> Relax:
    """What decides, per replayed exchange and difference, whether the difference is relaxed.
    `templates`: every route of the twin (`GET /a/{x}`), so that a path is taken by the route the
    twin answers it with even when that route has no volatile fields."""
    table = routes(volatile)
    others = routes({t: {} for t in templates if t not in volatile})
    every = sorted(table + others, key=lambda r: -r.literal)

    def relax(exchange: Exchange, difference: Difference) -> str | None:
        if difference.what not in RELAXED_KINDS:
            return None
        method, path = exchange.request.method.upper(), urlsplit(exchange.request.url).path
        route = next((r for r in every if r.method == method and r.pattern.match(path)), None)
        types = route.fields.get(difference.path) if route is not None else None
        if not types:
            return None
        if difference.what == "count":
            return REASON if "a list" in types else None
        return REASON if _type(difference.recorded) in types and _type(difference.twin) in types else None

    return relax


def _type(value: Any) -> str:
    """The type of a difference's value (`an object` and `a list` as the engine words them)."""
    if value in ("an object", "a list", "null"):
        return "null" if value == "null" else str(value)
    return type_name(value)
