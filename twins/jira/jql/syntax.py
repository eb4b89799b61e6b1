"""The JQL syntax tree: clauses joined by AND/OR/NOT, operands, and the ORDER BY list."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Literal:
    """A value as written: `quoted` tells "Done" from Done (only unquoted words can be keywords)."""

    text: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Empty:
    """EMPTY or NULL."""


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListOperand:
    items: tuple[Operand, ...]


Operand = Literal | Empty | Function | ListOperand


@dataclass(frozen=True, slots=True)
class Predicate:
    """A history predicate of WAS/CHANGED: AFTER, BEFORE, ON, DURING, BY, FROM, TO."""

    name: str
    operand: Operand


@dataclass(frozen=True, slots=True)
class Terminal:
    """`field op operand`; op is upper case (`=`, `NOT IN`, `IS NOT`, `WAS NOT IN`, `CHANGED` …)."""

    field: str
    op: str
    operand: Operand | None
    predicates: tuple[Predicate, ...] = ()
    pos: int = 0


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Clause


Clause = Terminal | And | Or | Not


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool


@dataclass(frozen=True, slots=True)
class Query:
    where: Clause | None
    order: tuple[SortKey, ...] = field(default=())
