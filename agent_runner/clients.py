"""Answers per kind of client (see `twins.kit.clients`): recordings made years apart, or against
different deployments of a service, show different answers to the same request. What the client
sent (User-Agent, Accept, credentials) tells them apart at serve time, so the model keeps:

- for a fixed document (a read with no ids in its path: `serverInfo`, `/field`, `createmeta`),
  an answer per kind of client and query, each made from that client's recordings as the
  document is from all of them (`agent_runner.deployments`);
- for every other operation, per kind of client, the fields every answer it got shows that not
  every answer of the operation does (`learn_shape`), to add to a stored document that lacks them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_runner import deployments
from twins.kit.clients import learn_shape

if TYPE_CHECKING:
    from agent_runner.infer import Seen
    from agent_runner.model import Example

FIXED_MOST = 12  # answers of a fixed document kept, per kind of client and query
SHAPES_MOST = 24  # kinds of client whose shapes an operation keeps


def _key(client: dict[str, Any]) -> str:
    return json.dumps(client, sort_keys=True)


def fixed_variants(best: Sequence[Seen]) -> list[Example]:
    """A fixed document's answer per kind of client and query (the most often seen first),
    each made from the answers of that kind as `deployments.consensus` makes one from all;
    none when every answer came from one kind of client with one query."""
    groups: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for s in best:
        groups[(_key(s.client), json.dumps(sorted(s.query)))].append(s)
    if len(groups) < 2:
        return []
    out: list[Example] = []
    for (_client, query), group in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:FIXED_MOST]:
        example = group[-1].example()
        agreed = deployments.consensus(group, lists=True)
        example.response = agreed if agreed is not None else example.response
        example.request = dict(json.loads(query))
        example.client = group[-1].client
        out.append(example)
    return out


def answer_shapes(ok: Sequence[Seen]) -> list[dict[str, Any]]:
    """Per kind of client, what its answers always show that the operation's do not always show
    (the kinds with the most answers first); none when one kind of client made every request."""
    groups: dict[str, list[Seen]] = defaultdict(list)
    for s in ok:
        if isinstance(s.response, dict | list):
            groups[_key(s.client)].append(s)
    if len(groups) < 2:
        return []
    everyone = [s.response for s in ok if isinstance(s.response, dict | list)]
    out = [
        {"client": json.loads(key), "shape": learn_shape([s.response for s in group], everyone)}
        for key, group in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:SHAPES_MOST]
    ]  # kinds of client with nothing to add kept too: a request most like one of them gets nothing
    return out if any(o["shape"] for o in out) else []
