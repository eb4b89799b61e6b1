"""Lists the recordings imply: a collection that the traffic creates items in (`POST /user/keys`)
and reads items of by key (`GET /user/keys/{keyId}`) but never lists is listed all the same at
its own path, with the items the tenant holds, as the collection's other lists are (GitHub lists
a user's GPG keys at `GET /user/gpg_keys`, where they are made)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from agent_runner.model import Operation, Resource, ServiceModel


def implied_lists(
    model: ServiceModel,
    resources: dict[str, Resource],
    names: Counter[str],
    name_of: Callable[[str, str, str], str],
) -> None:
    """Adds to `model` the list operation of each collection created in and read by key, unlisted."""
    have = {(op.method, op.path): op for op in model.operations}
    for coll, res in sorted(resources.items()):
        made = have.get(("POST", coll))
        read = have.get(("GET", f"{coll}/{{{res.param}}}"))
        if made is None or made.kind != "create" or read is None or read.kind != "read":
            continue
        if ("GET", coll) in have:
            continue
        base = name_of("GET", coll, "list")
        names[base] += 1
        model.operations.append(
            Operation(
                method="GET",
                path=coll,
                kind="list",
                name=base if names[base] == 1 else f"{base}_{names[base]}",
                resource=coll,
                paged=model.pagination != "none",
                anonymous=read.anonymous,
            )
        )
    model.operations.sort(key=lambda op: (op.path, op.method))  # a fixed path routed before a template
