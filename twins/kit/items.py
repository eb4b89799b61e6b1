"""The items of a twin described as data: documents found by key or alias, the items recorded
traffic shows existing before it began, new keys made as the vendor makes them, names sent
where the vendor answers objects, and how a document is saved. `twins.kit.resources`' engine
builds the kinds of operation on these."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.kit.call import Call
from twins.kit.documents import DOCUMENTS, documents_in, row_id, wrap
from twins.kit.filters import dotted
from twins.kit.listing import Listing
from twins.kit.lookalike import alphabet_of, with_classes
from twins.kit.recorded import ALNUM, Recorded, ResourceType, path_values
from twins.kit.templates import Swap

SINGLETONS = "$singleton"
DELETING = "$deleting"  # the scope prefix of what a first DELETE left, to go on the second
GONE = "$gone"  # the scope prefix of what a twin deleted (not to be made again as pre-existing)
NAME_FIELDS = ("name", "login", "key", "title", "id")


class Items(Recorded):
    """The twin's resources and recorded examples: finding, making and saving items."""

    """The twin's resources and recorded examples, and the behaviour of each kind of operation."""

    def __init__(self, resources: Sequence[ResourceType], examples: Path, hosts: Sequence[str] = ()) -> None:
        super().__init__(examples, hosts)
        self.resources = {r.collection: r for r in resources}
        self.listing = Listing()

    def scope(self, call: Call, res: ResourceType) -> str:
        return res.collection.format_map(call.path)

    def find(self, state: TenantState, res: ResourceType, scope: str, key: str) -> Row | None:
        if DOCUMENTS not in state.collections:
            return None
        row = state[DOCUMENTS].get(row_id(scope, key))
        if row is None and res.aliases:
            row = next(
                (
                    r
                    for r in documents_in(state, scope)
                    if any(str(dotted(r["body"], a)) == key for a in res.aliases)
                ),
                None,
            )
        return row

    def held(self, call: Call, res: ResourceType, scope: str, key: str, *, keep: bool = True) -> Row | None:
        """The item, or where the recordings show such items existing before they began, one
        like the recorded one with this key, unless this twin deleted it: kept from a write on
        (a read alone keeps nothing, so that nothing is made under an item only read)."""
        found = self.find(call.state, res, scope, key)
        return found if found is not None else self.preexisting(call, res, scope, key, keep)

    def preexisting(self, call: Call, res: ResourceType, scope: str, key: str, keep: bool) -> Row | None:
        known = self.of_resource(res.collection).get("preexisting")
        template = known.get("response") if known else None
        if not known or not key or not isinstance(template, dict):
            return None
        if DOCUMENTS in call.state.collections and call.state[DOCUMENTS].get(row_id(GONE + scope, key)):
            return None
        was = path_values(res.collection + "/{" + res.param + "}", str(known.get("path", "")))
        pairs = {str(known.get("host", "")): call.base_url}
        pairs.update({was[k]: v for k, v in call.path.items() if k in was and k != res.param})
        # the path names it by its key, or by another field (a Jira issue by `key`): the one the
        # recorded value of which is written alike (digits or not)
        named = next(
            (
                f
                for f in (res.key, *res.aliases)
                if "." not in f and str(template.get(f, "")).isdigit() == key.isdigit() and f in template
            ),
            None,
        )
        if named is None:
            return None
        own = key if named == res.key else self.mint(call, res, scope)
        pairs[str(template[named])] = key
        if named != res.key:
            pairs[str(template[res.key])] = own
        body = Swap.of(pairs).apply(template)
        for f, value in ((named, key), (res.key, own)):
            body[f] = int(value) if isinstance(template[f], int) and value.isdigit() else value
        if not keep:
            return {"id": row_id(scope, own), "scope": scope, "key": own, "body": wrap(body)}
        self.save(call, scope, own, body)
        return self.find(call.state, res, scope, own)

    def exists(self, call: Call, res: ResourceType) -> bool:
        """Whether the parent of a sub-resource exists: a document, one the recordings show
        existing before they began (answered to a read as well, `preexisting`), or a row of the
        twin this one extends with that key (a user the hand-built twin made)."""
        if not res.parent or res.parent not in self.resources:
            return True
        parent = self.resources[res.parent]
        key = call.path.get(parent.param, "")
        scope = self.scope(call, parent)
        if self.held(call, parent, scope, key, keep=False) is not None:
            return True
        return any(name != DOCUMENTS and key in coll for name, coll in call.state.collections.items())

    def mint(self, call: Call, res: ResourceType, scope: str, like: str = "") -> str:
        """A new key; for keys whose first characters tell the kind of item (`like`: Okta's
        `00p` and `rst` policies), one that starts as the recorded key of the same kind does."""
        ids = res.ids
        if ids.kind == "like" and like:
            return self.made_like(call, f"id:{res.collection}", like)
        if ids.kind == "sequence":  # after the highest number in the collection (seeded ones too)
            counter = f"number:{scope}"
            if counter not in call.ids.counters:
                numbers = [int(r["key"]) for r in documents_in(call.state, scope) if r["key"].isdigit()]
                call.ids.counters[counter] = max(numbers, default=0)
            return str(call.ids.sequence(counter))
        if ids.kind == "number":
            digits = call.ids.chars(f"id:{res.collection}", max(ids.length, 2), "0123456789")
            return str(int("1" + digits[1:]))
        if ids.kind == "uuid":
            return call.ids.uuid(f"id:{res.collection}")
        return call.ids.next(
            f"id:{res.collection}", prefix=ids.prefix, length=ids.length, alphabet=ids.alphabet
        )

    def made_like(self, call: Call, kind: str, recorded: str) -> str:
        """A new value written as `recorded` is: its first three characters when they are lower
        case or digits (a vendor's kind of id: Okta's `00u`), then characters of its classes, each
        class at least once (an Okta id holds a digit)."""
        head = recorded[:3] if len(recorded) > 6 and re.match(r"^[0-9a-z]{3}$", recorded[:3]) else ""
        rest = recorded[len(head) :]
        return head + with_classes(call.ids.chars(kind, len(rest), alphabet_of(rest) or ALNUM), rest)

    def objects(self, res: ResourceType, body: Any) -> Any:
        """Names sent where the vendor answers objects (GitHub's labels and assignee) as those
        objects, each like the one the recordings show; an empty name is no object."""
        protos = self.of_resource(res.collection).get("prototypes", {})
        if not isinstance(body, dict) or not protos:
            return body
        out = dict(body)
        for name, proto in protos.items():
            value = out.get(name)
            if not isinstance(value, str | list):  # no name sent (most requests): nothing to look up
                continue
            field = next((k for k in NAME_FIELDS if isinstance(proto.get(k), str)), None)
            if field is None:
                continue
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                out[name] = [{**proto, field: v} for v in value]
            elif isinstance(value, str):
                out[name] = {**proto, field: value} if value else None
        return out

    def save(self, call: Call, scope: str, key: str, body: Any) -> None:
        docs = call.state[DOCUMENTS]
        rid = row_id(scope, key)
        if rid in docs:
            docs.update(rid, body=wrap(body))
        else:
            docs.insert({"id": rid, "scope": scope, "key": key, "body": wrap(body)})
