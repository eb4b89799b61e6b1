"""What a JQL query is evaluated against: the site's fields, values, users, and its issues.

An issue is a *search document*: a mapping from a field's key to its canonical value(s):
ids for projects, issue types, statuses, priorities, resolutions, components, versions and
sprints; account ids for users; strings for labels and text; datetimes or dates for dates;
`(project key, number)` under `key`; `None` or `[]` when empty. Under `_history` it holds the
issue's changes (`Change`), oldest first, for WAS and CHANGED.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol


class Kind(Enum):
    REF = "ref"  # a site object by id; literals resolved by the site (project, status, …)
    USER = "user"
    LABELS = "labels"
    TEXT = "text"  # ~ and !~ only
    DATETIME = "datetime"
    DATE = "date"
    NUMBER = "number"
    ISSUE = "issue"  # key / id / parent: literals are issue keys or ids


EQUALITY = ("=", "!=", "IN", "NOT IN", "IS", "IS NOT")
ORDERING = (">", ">=", "<", "<=")
HISTORY = ("WAS", "WAS NOT", "WAS IN", "WAS NOT IN", "CHANGED")


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A searchable field: its document key, the kind of its values and what it supports."""

    key: str
    kind: Kind
    ordered: bool = False  # REF values with a rank (priority): > and < apply
    history: bool = False  # WAS and CHANGED apply
    sortable: bool = True
    multi: bool = False  # several values at once (labels, components, sprints)
    empty_ok: bool = True  # IS EMPTY applies

    def operators(self) -> tuple[str, ...]:
        if self.kind is Kind.TEXT:
            return ("~", "!~", "IS", "IS NOT")
        ops: tuple[str, ...] = EQUALITY if self.empty_ok else EQUALITY[:4]
        if self.kind in (Kind.DATETIME, Kind.DATE, Kind.NUMBER, Kind.ISSUE) or self.ordered:
            ops += ORDERING
        if self.history:
            ops += HISTORY
        return ops


@dataclass(frozen=True, slots=True)
class Change:
    """One change of one field: from and to are canonical values (None when empty)."""

    field: str
    before: Any
    after: Any
    at: datetime
    by: str | None


class Site(Protocol):
    """The site-specific half of JQL, implemented by the Jira twin over a tenant's state."""

    @property
    def now(self) -> datetime: ...

    @property
    def current_user(self) -> str | None: ...

    def field(self, clause_name: str) -> FieldDef | None:
        """The field a clause name (`status`, `cf[10010]`, `Story Points`) refers to."""

    def resolve(self, field: FieldDef, literal: str) -> list[Hashable]:
        """Canonical values a literal names (by id, key or name); [] when none exists."""

    def rank(self, field: FieldDef, value: Hashable) -> Any:
        """Sort position of a value (priority rank, status order, a user's display name …)."""

    def members_of(self, group: str) -> list[str] | None:
        """Account ids of a group's members, None when there is no such group."""

    def sprints(self, state: str) -> list[Hashable]:
        """Ids of the sprints in a state: `active`, `closed` or `future`."""

    def indexed(self, field: FieldDef) -> bool:
        """Whether `candidates` answers for this (single-valued) field."""

    def candidates(self, field: FieldDef, values: Iterable[Hashable], negate: bool = False) -> set[str]:
        """Ids of the issues whose field holds one of `values` (with `negate`: another value)."""

    def excluded(self, field: FieldDef, values: Iterable[Hashable]) -> set[str]:
        """Ids of the issues `!=`/`NOT IN` these values leaves out: those holding one, or none."""

    def issues(self) -> Mapping[str, Mapping[str, Any]]:
        """Every issue the caller may see, by id."""

    def sort_rank(self, key: str, value_of: Callable[[str], Any]) -> Mapping[str, int]:
        """Every issue's dense rank by `value_of` (equal values, equal ranks), kept until an issue
        changes: sorting many hits by a plain field is then one lookup per hit."""

    def sort_order(self, key: str, value_of: Callable[[str], Any], descending: bool) -> Sequence[str]:
        """Every issue id sorted by `value_of` (ties in the documents' order), kept until an issue
        changes: the order a page of a search by that field is read from."""
