"""A JQL site over plain dictionaries, with indexes on the fields people filter by.

The Jira twin keeps one `MemorySite` per tenant state: objects by id and name, and a search
document per issue, updated as issues change (`put` / `drop`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from twins.jira.jql.fields import SYSTEM_FIELDS, custom_field_key
from twins.jira.jql.orders import SortedOrder
from twins.jira.jql.site import FieldDef, Kind

INDEXED = (
    "project",
    "issuetype",
    "status",
    "statusCategory",
    "assignee",
    "reporter",
    "priority",
    "resolution",
)

EMPTY: frozenset[str] = frozenset()


@dataclass
class RefTable:
    """A kind of site object (projects, statuses …): names and aliases to ids, and sort ranks."""

    by_name: dict[str, list[Hashable]] = field(default_factory=dict)
    rank: dict[Hashable, Any] = field(default_factory=dict)

    def add(self, value: Hashable, names: Iterable[str], rank: Any) -> None:
        for name in names:
            if name:
                self.by_name.setdefault(str(name).lower(), []).append(value)
        self.rank[value] = rank


@dataclass
class MemorySite:
    """Implements `Site` over dictionaries; `now` and `current_user` are set per query."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    current_user: str | None = None
    refs: dict[str, RefTable] = field(default_factory=lambda: defaultdict(RefTable))
    users: RefTable = field(default_factory=RefTable)
    groups: dict[str, list[str]] = field(default_factory=dict)
    sprint_states: dict[Hashable, str] = field(default_factory=dict)
    custom: dict[str, FieldDef] = field(default_factory=dict)  # key -> field
    custom_names: dict[str, str] = field(default_factory=dict)  # lower-case name -> key
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)  # "ABC-1" -> ("ABC", 1)
    index: dict[str, dict[Hashable, set[str]]] = field(default_factory=lambda: defaultdict(dict))
    unset: dict[str, set[str]] = field(default_factory=lambda: {key: set() for key in INDEXED})
    ranks: dict[str, dict[str, int]] = field(default_factory=dict)  # sort key -> id -> dense rank
    orders: dict[tuple[str, bool], SortedOrder] = field(default_factory=dict)  # (key, descending)

    # -- the Site protocol -------------------------------------------------------------
    def field(self, clause_name: str) -> FieldDef | None:
        key = custom_field_key(clause_name)
        if key is not None:
            return self.custom.get(key)
        lowered = clause_name.strip().lower()
        return SYSTEM_FIELDS.get(lowered) or self.custom.get(self.custom_names.get(lowered, ""))

    def resolve(self, field: FieldDef, literal: str) -> list[Hashable]:
        lowered = literal.strip().lower()
        if field.kind is Kind.USER:
            return list(self.users.by_name.get(lowered, []))
        if field.kind is Kind.ISSUE:
            if lowered.isdigit():
                doc = self.docs.get(lowered)
                return [doc["key"]] if doc else []
            found = self.keys.get(literal.strip().upper())
            return [found] if found else []
        return list(self.refs[field.key].by_name.get(lowered, []))

    def rank(self, field: FieldDef, value: Hashable) -> Any:
        table = self.users if field.kind is Kind.USER else self.refs[field.key]
        return table.rank.get(value, str(value))

    def members_of(self, group: str) -> list[str] | None:
        for name, members in self.groups.items():
            if name.lower() == group.strip().lower():
                return members
        return None

    def sprints(self, state: str) -> list[Hashable]:
        return [sprint for sprint, s in self.sprint_states.items() if s == state]

    def indexed(self, field: FieldDef) -> bool:
        return field.key in INDEXED

    def candidates(self, field: FieldDef, values: Iterable[Hashable], negate: bool = False) -> set[str]:
        if negate:
            return set(self.docs).difference(self.excluded(field, values))
        table = self.index[field.key]
        out: set[str] = set()
        for value in set(values):
            out |= table.get(value, EMPTY)
        return out

    def excluded(self, field: FieldDef, values: Iterable[Hashable]) -> set[str]:
        table = self.index[field.key]
        out = set(self.unset[field.key])
        for value in set(values):
            out |= table.get(value, EMPTY)
        return out

    def issues(self) -> Mapping[str, Mapping[str, Any]]:
        return self.docs

    def sort_rank(self, key: str, value_of: Callable[[str], Any]) -> Mapping[str, int]:
        cached = self.ranks.get(key)
        if cached is None:
            values = {i: value_of(i) for i in self.docs}
            cached = {}
            rank, previous = -1, object()
            for issue_id in sorted(values, key=values.__getitem__):
                if values[issue_id] != previous:
                    rank, previous = rank + 1, values[issue_id]
                cached[issue_id] = rank
            self.ranks[key] = cached
        return cached

    def sort_order(self, key: str, value_of: Callable[[str], Any], descending: bool) -> Sequence[str]:
        cached = self.orders.get((key, descending))
        if cached is None:
            rank = self.sort_rank(key, value_of)
            cached = SortedOrder(self.docs, value_of, rank.__getitem__, descending)
            self.orders[(key, descending)] = cached
        return cached.ids

    # -- keeping it current ------------------------------------------------------------
    def put(self, issue_id: str, doc: dict[str, Any]) -> None:
        """Add or replace an issue's search document."""
        self.drop(issue_id)
        self.ranks.clear()
        self.docs[issue_id] = doc
        for order in self.orders.values():
            order.add(issue_id)
        project, number = doc["key"]
        self.keys[f"{project}-{number}".upper()] = doc["key"]
        for key in INDEXED:
            value = doc.get(key)
            if value is not None:
                self.index[key].setdefault(value, set()).add(issue_id)
            else:
                self.unset[key].add(issue_id)

    def drop(self, issue_id: str) -> None:
        old = self.docs.pop(issue_id, None)
        if old is None:
            return
        self.ranks.clear()
        for order in self.orders.values():
            order.remove(issue_id)
        project, number = old["key"]
        self.keys.pop(f"{project}-{number}".upper(), None)
        for key in INDEXED:
            value = old.get(key)
            if value is not None:
                self.index[key].get(value, set()).discard(issue_id)
            else:
                self.unset[key].discard(issue_id)

    def rename_key(self, old: str, new: tuple[str, int]) -> None:
        """Keep an old issue key resolvable after a move, as Jira does."""
        self.keys[old.upper()] = new
