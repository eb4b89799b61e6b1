"""Items a create makes besides its own (`agent_runner.spawns`): under the new item, each item the
recorded create most like this one made there (an access policy's `Catch-all Rule`), with this
call's keys, host and time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from twins.kit.call import Call
from twins.kit.recorded import ResourceType, most_like
from twins.kit.templates import STAMP, Swap, restamp


class Maker(Protocol):
    hosts: tuple[str, ...]

    def made_like(self, call: Call, kind: str, recorded: str) -> str: ...

    def save(self, call: Call, scope: str, key: str, body: Any) -> None: ...


def spawn(
    engine: Maker, call: Call, res: ResourceType, key: str, sent: Any, spawns: Mapping[str, Sequence[Any]]
) -> None:
    """Make, under the item `key` of `res` just created, the items its kind of create makes."""
    for under, entries in spawns.items():
        if not entries:
            continue
        chosen = most_like(entries, sent)
        scope = under.format_map({**call.path, res.param: key})
        for item in chosen.get("items") or ():
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                continue
            mine = engine.made_like(call, f"id:{under}", item["id"])
            pairs = {**dict.fromkeys(engine.hosts, call.base_url), str(chosen.get("parent")): key}
            body = Swap.of({**pairs, item["id"]: mine}).apply(dict(item))
            stamps = [k for k, v in body.items() if isinstance(v, str) and STAMP.match(v)]
            engine.save(call, scope, mine, restamp(body, call.now(), stamps))
