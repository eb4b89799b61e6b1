"""JQL compiled to predicates over search documents, narrowed by the site's indexes, and sorted."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twins.jira.jql import text
from twins.jira.jql.dates import as_datetime
from twins.jira.jql.errors import JqlError, bad_operator, cannot_sort, no_field
from twins.jira.jql.history import history_predicate
from twins.jira.jql.operands import Values, values
from twins.jira.jql.parser import parse
from twins.jira.jql.site import FieldDef, Kind, Site
from twins.jira.jql.syntax import And, Clause, Empty, Not, Or, Query, SortKey, Terminal

Doc = Mapping[str, Any]
Predicate = Callable[[Doc], bool]
TEXT_FIELDS = ("summary", "description", "environment", "comment")


@dataclass(frozen=True, slots=True)
class Compiled:
    """A clause ready to run: its predicate and, where an index answers, candidate issue ids."""

    test: Predicate
    candidates: Callable[[], set[str] | None]


def _none() -> set[str] | None:
    return None


def search(jql: str, site: Site, default_order: Sequence[SortKey] = ()) -> list[str]:
    """Ids of the issues `jql` selects on `site`, in the query's order (else `default_order`)."""
    query = parse(jql)
    test, candidates, order = compile_query(query, site)
    docs = site.issues()
    ids = candidates()
    pool = list(docs) if ids is None else sorted((i for i in ids if i in docs), key=_id_order)
    hits = [i for i in pool if test(docs[i])]
    return sort_ids(hits, docs, order or tuple(default_order), site)


def _id_order(issue_id: str) -> tuple[int, str]:
    return (int(issue_id), "") if issue_id.isdigit() else (0, issue_id)


def compile_query(
    query: Query, site: Site
) -> tuple[Predicate, Callable[[], set[str] | None], tuple[SortKey, ...]]:
    """The predicate, candidate lookup and checked sort keys of a parsed query."""
    for key in query.order:
        field = site.field(key.field)
        if field is None:
            raise no_field(key.field)
        if not field.sortable:
            raise cannot_sort(key.field)
    if query.where is None:
        return (lambda doc: True), _none, query.order
    compiled = compile_clause(query.where, site)
    return compiled.test, compiled.candidates, query.order


def compile_clause(clause: Clause, site: Site) -> Compiled:
    if isinstance(clause, And):
        parts = [compile_clause(p, site) for p in clause.parts]
        tests = [p.test for p in parts]

        def both() -> set[str] | None:
            sets = [s for s in (p.candidates() for p in parts) if s is not None]
            return set.intersection(*sets) if sets else None

        return Compiled(lambda doc: all(t(doc) for t in tests), both)
    if isinstance(clause, Or):
        parts = [compile_clause(p, site) for p in clause.parts]
        tests = [p.test for p in parts]

        def either() -> set[str] | None:
            sets = [p.candidates() for p in parts]
            return None if any(s is None for s in sets) else set().union(*sets)  # type: ignore[arg-type]

        return Compiled(lambda doc: any(t(doc) for t in tests), either)
    if isinstance(clause, Not):
        inner = compile_clause(clause.part, site).test
        return Compiled(lambda doc: not inner(doc), _none)
    return _terminal(clause, site)


def _terminal(term: Terminal, site: Site) -> Compiled:
    field = site.field(term.field)
    if field is None:
        raise no_field(term.field)
    op = term.op.upper()
    if op not in field.operators():
        raise bad_operator(term.op, term.field)
    if op.startswith("WAS") or op == "CHANGED":
        return Compiled(history_predicate(term, field, site), _none)
    assert term.operand is not None
    if op in ("IS", "IS NOT") and not isinstance(term.operand, Empty):
        raise JqlError(
            f"The operator '{op}' only supports searching for EMPTY values (field '{term.field}')."
        )
    wanted = values(term.operand, field, term.field, site)
    key = field.key
    if op in ("IS", "IS NOT") or (wanted.empty and not wanted.items and op in ("=", "!=")):
        present = op in ("IS NOT", "!=")
        return Compiled(lambda doc: bool(_values(doc, key)) == present, _none)
    if op in ("~", "!~"):
        return _text(term, field, wanted, op == "!~")
    if op in ("=", "IN"):
        return _membership(field, wanted, site)
    if op in ("!=", "NOT IN"):
        members = _membership(field, wanted, site).test
        return Compiled(lambda doc: bool(_values(doc, key)) and not members(doc), _none)
    return _ordering(field, term.field, wanted, op, site)


def _values(doc: Doc, key: str) -> list[Any]:
    value = doc.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset) and not (key == "key" and isinstance(value, tuple)):
        return list(value)
    return [value]


def _membership(field: FieldDef, wanted: Values, site: Site) -> Compiled:
    key, empty = field.key, wanted.empty
    if field.kind in (Kind.DATETIME, Kind.DATE):
        instants = {as_datetime(v) for v in wanted.items}

        def test_dates(doc: Doc) -> bool:
            got = [as_datetime(v) for v in _values(doc, key)]
            return (empty and not got) or any(v in instants for v in got)

        return Compiled(test_dates, _none)
    if field.kind is Kind.LABELS:
        lowered = {str(v).lower() for v in wanted.items}

        def test_labels(doc: Doc) -> bool:
            got = _values(doc, key)
            return (empty and not got) or any(str(v).lower() in lowered for v in got)

        return Compiled(test_labels, _none)
    targets = set(wanted.items)

    def test(doc: Doc) -> bool:
        got = _values(doc, key)
        return (empty and not got) or any(v in targets for v in got)

    def lookup() -> set[str] | None:
        return None if empty else site.candidates(field, targets)

    return Compiled(test, lookup)


def _ordering(field: FieldDef, name: str, wanted: Values, op: str, site: Site) -> Compiled:
    if len(wanted.items) != 1:
        raise JqlError(f"The operator '{op}' does not support the list operand for the field '{name}'.")
    pivot = wanted.items[0]
    key = field.key
    convert: Callable[[Any], Any]
    target: Any
    if field.kind in (Kind.DATETIME, Kind.DATE):
        convert = as_datetime
    elif field.kind is Kind.REF:
        convert = lambda v: site.rank(field, v)  # noqa: E731
    else:
        convert = _same
    target = convert(pivot)
    compare = _COMPARE[op]

    def test(doc: Doc) -> bool:
        for value in _values(doc, key):
            got: Any = convert(value)
            if field.kind is Kind.ISSUE and got[0] != target[0]:  # keys compare within a project
                continue
            if got is not None and compare(got, target):
                return True
        return False

    return Compiled(test, _none)


def _same(value: Any) -> Any:
    return value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _text(term: Terminal, field: FieldDef, wanted: Values, negate: bool) -> Compiled:
    queries = [str(v) for v in wanted.items]
    if not queries or any(q.strip().startswith(("*", "?")) for q in queries):
        bad = queries[0] if queries else ""
        raise JqlError(
            f"The text query '{bad}' for field '{term.field}' is not allowed to start with a wildcard."
        )
    keys = (*TEXT_FIELDS, "_text") if field.key == "text" else (field.key,)

    def texts(doc: Doc) -> list[str]:
        out: list[str] = []
        for key in keys:
            out.extend(str(v) for v in _values(doc, key))
        return out

    def test(doc: Doc) -> bool:
        found = any(text.matches(q, texts(doc)) for q in queries)
        return not found if negate else found

    return Compiled(test, _none)


def sort_ids(ids: list[str], docs: Mapping[str, Doc], order: Sequence[SortKey], site: Site) -> list[str]:
    """`ids` sorted by `order`; empty values last ascending and first descending, as Jira does."""
    out = list(ids)
    for key in reversed(order):
        field = site.field(key.field)
        assert field is not None
        out.sort(key=lambda i, f=field: _sort_value(docs[i], f, site), reverse=key.descending)  # type: ignore[misc]
    return out


def _sort_value(doc: Doc, field: FieldDef, site: Site) -> tuple[int, Any]:
    got = _values(doc, field.key)
    if not got:
        return (1, 0)
    if field.kind in (Kind.REF, Kind.USER):
        ranks = sorted(site.rank(field, v) for v in got)
        return (0, tuple(ranks))
    if field.kind in (Kind.DATETIME, Kind.DATE):
        return (0, min(d for d in (as_datetime(v) for v in got) if d is not None) if got else datetime.min)
    if field.kind in (Kind.TEXT, Kind.LABELS):
        return (0, tuple(sorted(str(v).lower() for v in got)))
    return (0, min(got))
