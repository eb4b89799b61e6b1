"""Answers as the vendor gave them at the time: a vendor adds fields to its answers (Okta's groups
gained an `owners` link) and recordings made months apart show both shapes. Where the answers of
an operation split by time (some field is in every answer recorded from a moment on and in none
before, or the other way round), the operation keeps an example from each side of that moment,
each with the time it was recorded; the twin answers from the example of the side the tenant's
clock is on (`twins.kit.recorded`), and the parity replay sets that clock to the time a recording
began. An operation answered per kind of request (variants) answers, of the examples of the
kind of request most like this one, one of the tenant's side of the moment; a fixed document
answered per kind of client and query (`agent_runner.clients`), of the examples of the kind of
client and query it chose, one of the tenant's side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.conventions import Variant, fields_in
from agent_runner.model import Example, Operation
from recorder.parity.world import epoch

if TYPE_CHECKING:
    from agent_runner.infer import Seen

EACH_SIDE = 2  # recordings with answers on each side of the moment, at least
DEPTH = 3  # how deep into an answer fields are told apart


def fields(body: Any, prefix: str = "", depth: int = 0) -> set[str]:
    """The dotted paths of an answer's object fields (list items as `[]`), `DEPTH` deep."""
    out: set[str] = set()
    if depth >= DEPTH:
        return out
    if isinstance(body, dict):
        for key, value in body.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.add(path)
            out |= fields(value, path, depth + 1)
    elif isinstance(body, list):
        for item in body[:5]:
            out |= fields(item, f"{prefix}[]", depth)
    return out


def moment(dated: Sequence[tuple[float, str, set[str]]]) -> float | None:
    """The first time from which some field is in every answer and was in none before (or was in
    every answer before and is in none from then on): answers (time, recording, fields) of
    `EACH_SIDE` recordings or more on each side. Linear: the unions and intersections of every
    head and tail of the answers are built once."""
    n = len(dated)
    if n < 2:
        return None
    head_any, head_all, head_rec = [set[str]()] * (n + 1), [set[str]()] * (n + 1), [set[str]()] * (n + 1)
    for i, (_, rec, got) in enumerate(dated, 1):
        head_any[i] = head_any[i - 1] | got
        head_all[i] = head_all[i - 1] & got if i > 1 else set(got)
        head_rec[i] = head_rec[i - 1] | {rec}
    tail_any, tail_all, tail_rec = [set[str]()] * (n + 1), [set[str]()] * (n + 1), [set[str]()] * (n + 1)
    for i in range(n - 1, -1, -1):
        _, rec, got = dated[i]
        tail_any[i] = tail_any[i + 1] | got
        tail_all[i] = tail_all[i + 1] & got if i < n - 1 else set(got)
        tail_rec[i] = tail_rec[i + 1] | {rec}
    for i in range(1, n):
        if dated[i][0] == dated[i - 1][0] or min(len(head_rec[i]), len(tail_rec[i])) < EACH_SIDE:
            continue
        if (tail_all[i] - head_any[i]) or (head_all[i] - tail_any[i]):
            return dated[i][0]
    return None


def learn_eras(op: Operation, best: Sequence[Seen], richest: int, kinds: Sequence[Variant] = ()) -> None:
    """Set `op.era` (the moment, in seconds) and `op.eras` where its answers split by time: an
    example from the side of it the operation's example (`best[richest]`'s) is not on, and for an
    operation answered per kind of request or client (`kinds`, one per variant, each with the
    answers of its kind), each kind's latest example of the side its variants are not on; every
    example kept is dated (`at`)."""
    if op.example is None:
        return
    at = [epoch(s.ts) if s.ts else None for s in best]
    main = at[richest]
    kept = sorted((t, i) for i, t in enumerate(at) if t is not None and isinstance(best[i].response, dict))
    split = moment([(t, best[i].session, fields(best[i].response)) for t, i in kept])
    if split is None or main is None:
        return
    op.era = split
    op.example.at = main
    if not kinds:
        other = [i for t, i in kept if (t >= split) != (main >= split)]
        chosen = max(other, key=lambda i: (fields_in(best[i].request), i))
        op.eras = [dated(best[chosen], at[chosen])]
        return
    sides: dict[int, set[bool]] = {}
    like: dict[int, Variant] = {}
    for variant in kinds:
        variant.example.at = epoch(variant.source.ts) if variant.source.ts else None
        if variant.example.at is not None:
            sides.setdefault(id(variant.kind), set()).add(variant.example.at >= split)
            like.setdefault(id(variant.kind), variant)
    for kind, held in sides.items():
        if len(held) == 1:
            variant = like[kind]
            dates = [(epoch(s.ts) if s.ts else None, s) for s in variant.kind if isinstance(s.response, dict)]
            across = [(t, s) for t, s in dates if t is not None and (t >= split) not in held]
            if across:
                when, seen = max(across, key=lambda pair: pair[0])
                example = dated(seen, when)
                if seen.request is None:  # a read: of the variant's query and client
                    example.request, example.client = variant.example.request, variant.example.client
                op.eras.append(example)


def dated(seen: Seen, at: float | None) -> Example:
    example = seen.example()
    example.at = at
    return example
