"""Which held-out exchanges name only objects a twin generated from the training part could know.

A cross-validated twin learns from the training recordings alone, so a held-out exchange on an
object that no training recording shows (a repository, an issue, a user, named in the request's
path) and that its own recording did not make or list first asks for a state the twin cannot have.
Such exchanges are reported apart, beside the figure over all exchanges on endpoints seen in
training, so that what is out of reach by construction is measured rather than argued.

An object is known when the path that names it (the request's path up to each parameter) is a
training request's path or the start of one, or the path of a URL in a training answer or the
start of one, or shows so in an earlier exchange of the same held-out recording.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from recorder.parity.engine import RecordingInput
from recorder.trace import Exchange


def segments(url: str) -> tuple[str, ...]:
    return tuple(unquote(s) for s in urlsplit(url).path.split("/") if s)


def urls(value: Any) -> Iterator[str]:
    """Every URL-valued string of a JSON document."""
    if isinstance(value, dict):
        for item in value.values():
            yield from urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from urls(item)
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        yield value


def shown(exchange: Exchange) -> set[tuple[str, ...]]:
    """The paths an exchange shows, each with every start of it: its request's and its answer's
    URLs'."""
    paths = [segments(exchange.request.url)]
    body = exchange.response.body
    if body.encoding == "utf-8" and body.text:
        with contextlib.suppress(ValueError):
            paths += [segments(url.split("{", 1)[0]) for url in urls(json.loads(body.text))]
    return {path[:end] for path in paths for end in range(1, len(path) + 1)}


def named(exchange: Exchange, endpoint: str) -> list[tuple[str, ...]]:
    """The request's path up to each segment its endpoint has as a parameter."""
    template = endpoint.split(" ", 1)[-1].split("?", 1)[0].strip("/").split("/")
    concrete = segments(exchange.request.url)
    if len(template) != len(concrete):
        return []
    return [concrete[: at + 1] for at, part in enumerate(template) if part.startswith("{")]


def known_exchanges(
    train: Iterable[RecordingInput], test: Iterable[RecordingInput], endpoint: Callable[[Exchange], str]
) -> set[tuple[str, int]]:
    """(recording, seq) of the held-out exchanges whose path names only known objects."""
    learnt: set[tuple[str, ...]] = set()
    for _, items in train:
        for exchange in items:
            learnt |= shown(exchange)
    known: set[tuple[str, int]] = set()
    for name, items in test:
        earlier: set[tuple[str, ...]] = set()
        for exchange in items:
            if all(path in learnt or path in earlier for path in named(exchange, endpoint(exchange))):
                known.add((name, exchange.seq))
            earlier |= shown(exchange)
    return known
