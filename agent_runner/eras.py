"""Answers as the vendor gave them at the time: a vendor adds fields to its answers (Okta's groups
gained an `owners` link) and recordings made months apart show both shapes. Where the answers of
an operation split by time (some field is in every answer recorded from a moment on and in none
before, or the other way round), the operation keeps an example from each side of that moment,
each with the time it was recorded; the twin answers from the example of the side the tenant's
clock is on (`twins.kit.recorded`), and the parity replay sets that clock to the time a recording
began. Only for operations answered from one kind of request (no variants)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.conventions import fields_in
from agent_runner.model import Operation
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
    `EACH_SIDE` recordings or more on each side."""
    for i in range(1, len(dated)):
        if dated[i][0] == dated[i - 1][0]:
            continue
        if min(len({s for _, s, _ in dated[:i]}), len({s for _, s, _ in dated[i:]})) < EACH_SIDE:
            continue
        before, after = [f for _, _, f in dated[:i]], [f for _, _, f in dated[i:]]
        added = set.intersection(*after) - set[str]().union(*before)
        gone = set.intersection(*before) - set[str]().union(*after)
        if added or gone:
            return dated[i][0]
    return None


def learn_eras(op: Operation, best: Sequence[Seen], richest: int) -> None:
    """Set `op.era` (the moment, in seconds) and `op.eras` (an example from the side of it that
    the operation's example, `best[richest]`'s, is not on) where its answers split by time."""
    if op.example is None or op.variants:
        return
    at = [epoch(s.ts) if s.ts else None for s in best]
    main = at[richest]
    kept = sorted((t, i) for i, t in enumerate(at) if t is not None and isinstance(best[i].response, dict))
    split = moment([(t, best[i].session, fields(best[i].response)) for t, i in kept])
    if split is None or main is None:
        return
    other = [i for t, i in kept if (t >= split) != (main >= split)]
    chosen = max(other, key=lambda i: (fields_in(best[i].request), i))
    op.era = split
    op.example.at = main
    op.eras = [best[chosen].example()]
    op.eras[0].at = at[chosen]
