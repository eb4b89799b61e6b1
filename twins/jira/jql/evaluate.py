"""JQL compiled to predicates over search documents, narrowed by the site's indexes, and sorted."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

from twins.jira.jql import text
from twins.jira.jql.dates import as_datetime
from twins.jira.jql.errors import JqlError, bad_operator, cannot_sort, no_field
from twins.jira.jql.history import history_predicate
from twins.jira.jql.hits import Hits
from twins.jira.jql.operands import Values, values
from twins.jira.jql.parser import parse
from twins.jira.jql.site import FieldDef, Kind, Site
from twins.jira.jql.syntax import And, Clause, Empty, Not, Or, Query, SortKey, Terminal

Doc = Mapping[str, Any]
Predicate = Callable[[Doc], bool]
Lookup = Callable[[], set[str]]
TEXT_FIELDS = ("summary", "description", "environment", "comment")


@dataclass(frozen=True, slots=True)
class Compiled:
    """A clause ready to run.

    `test` decides one issue. Where the site indexes the fields involved, `lookup` gives the ids of
    a superset of the matches and `residual` is what is left to test on those ids (`None` when the
    lookup is already exact).
    """

    test: Predicate
    lookup: Lookup | None = None
    residual: Predicate | None = None
    exclude: Lookup | None = None  # a negated lookup: the ids to take away from another lookup's


def search(
    jql: str, site: Site, default_order: Sequence[SortKey] = (), want: int | None = None, lazy: bool = False
) -> Sequence[str]:
    """Ids of the issues `jql` selects on `site`, in the query's order (else `default_order`).

    With `want`, only the first `want` of them are needed (a page, and one more to tell whether
    another follows): ordered by one plain field, the issues are walked in that field's cached
    order and the walk stops there, so a page costs the same whatever the number of hits.
    With `lazy`, so ordered, the hits are counted from the indexes and listed only as far as the
    slice taken of them (`Hits`): a page with the total, without sorting every hit."""
    query = parsed(jql)
    compiled, order = compile_query(query, site)
    order = order or tuple(default_order)
    docs = site.issues()
    walk = _sorted_walk(order, site, docs) if want is not None or lazy else None
    if walk is not None and want is not None:
        return _first_hits(compiled, walk, docs, want)
    if walk is not None:
        return _walked(compiled, walk, docs)
    if compiled.lookup is None:
        test = compiled.test
        hits = [i for i, doc in docs.items() if test(doc)]
    else:
        found = compiled.lookup()
        residual = compiled.residual
        if len(found) * 8 > len(docs):  # in the documents' order, by the site's cached positions
            hits = sorted(found, key=site.sort_rank("(position)", _position(docs)).__getitem__)
        else:
            hits = sorted((i for i in found if i in docs), key=_id_order)
        if residual is not None:
            hits = [i for i in hits if residual(docs[i])]
    return sort_ids(hits, docs, order, site)


def _sorted_walk(order: Sequence[SortKey], site: Site, docs: Mapping[str, Doc]) -> Sequence[str] | None:
    """Every issue in the order of a single plain sort key (the site caches it), else None."""
    if len(order) != 1:
        return None
    field = site.field(order[0].field)
    if field is None or field.kind not in PLAIN_KINDS or field.multi:
        return None
    return site.sort_order(field.key, _sort_value(field, site, docs), order[0].descending)


def _first_hits(compiled: Compiled, walk: Sequence[str], docs: Mapping[str, Doc], want: int) -> list[str]:
    """The first `want` issues of `walk` the query selects. The first stretch of the walk is tested
    issue by issue (a page of a common query is found there, no index touched); past it, the
    indexes narrow the rest (a rare value is found without testing every issue)."""
    test = compiled.test
    stretch = want * PROBE
    hits: list[str] = []
    for i in islice(walk, stretch):  # stops at the page's end: a common query fills it early
        if test(docs[i]):
            hits.append(i)
            if len(hits) == want:
                return hits
    if len(walk) <= stretch:
        return hits
    rest = islice(walk, stretch, None)
    if compiled.lookup is None:
        hits += islice((i for i in rest if test(docs[i])), want - len(hits))
        return hits
    found, residual = compiled.lookup(), compiled.residual
    more = (i for i in rest if i in found and (residual is None or residual(docs[i])))
    hits += islice(more, want - len(hits))
    return hits


PROBE = 8  # issues tested one by one per hit wanted, before the indexes are asked


@lru_cache(maxsize=256)
def parsed(jql: str) -> Query:
    """The syntax of a query (read-only, so shared: clients repeat the same few queries)."""
    return parse(jql)


def _walked(compiled: Compiled, walk: Sequence[str], docs: Mapping[str, Doc]) -> Sequence[str]:
    """Every hit in the walk's order: listed when no index answers, else counted from the indexes."""
    if compiled.lookup is None:
        test = compiled.test
        return [i for i in walk if test(docs[i])]
    found, residual = compiled.lookup(), compiled.residual
    if residual is not None:
        found = {i for i in found if residual(docs[i])}
    return Hits(walk, found)


def _position(docs: Mapping[str, Doc]) -> Callable[[str], int]:
    """An issue's place among the documents (the order an unsorted walk gives)."""
    places: dict[str, int] = {}

    def place(issue_id: str) -> int:
        if not places:  # worked out only when the site has no cached positions
            places.update((i, n) for n, i in enumerate(docs))
        return places[issue_id]

    return place


def _id_order(issue_id: str) -> tuple[int, str]:
    return (int(issue_id), "") if issue_id.isdigit() else (0, issue_id)


def compile_query(query: Query, site: Site) -> tuple[Compiled, tuple[SortKey, ...]]:
    """The compiled clause and the checked sort keys of a parsed query."""
    for key in query.order:
        field = site.field(key.field)
        if field is None:
            raise no_field(key.field)
        if not field.sortable:
            raise cannot_sort(key.field)
    if query.where is None:
        return Compiled(_always), query.order
    return compile_clause(query.where, site), query.order


def _always(doc: Doc) -> bool:
    return True


def compile_clause(clause: Clause, site: Site) -> Compiled:
    if isinstance(clause, And):
        return _and([compile_clause(p, site) for p in clause.parts])
    if isinstance(clause, Or):
        return _or([compile_clause(p, site) for p in clause.parts])
    if isinstance(clause, Not):
        inner = compile_clause(clause.part, site).test
        return Compiled(lambda doc: not inner(doc))
    return _terminal(clause, site)


def _all(tests: list[Predicate]) -> Predicate | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]

    def every(doc: Doc) -> bool:  # a loop: all() over a generator costs more per issue
        for t in tests:  # noqa: SIM110
            if not t(doc):
                return False
        return True

    return every


def _and(parts: list[Compiled]) -> Compiled:
    test = _all([p.test for p in parts])
    assert test is not None
    lookups = [p.lookup for p in parts if p.lookup is not None]
    if not lookups:
        return Compiled(test)
    left = [p.test if p.lookup is None else p.residual for p in parts]
    kept = [p.lookup for p in parts if p.lookup is not None and p.exclude is None]
    excludes = [p.exclude for p in parts if p.exclude is not None]
    if not kept:  # only negations: the first one whole, the others taken away from it
        kept, excludes = [lookups[0]], excludes[1:]

    def intersect() -> set[str]:
        sets = sorted((lookup() for lookup in kept), key=len)
        first: set[str] = sets[0]
        out = first.intersection(*sets[1:])
        for exclude in excludes:  # `status != Done`: Done's few ids taken away, no union of the rest
            out.difference_update(exclude())
        return out

    return Compiled(test, intersect, _all([t for t in left if t is not None]))


def _or(parts: list[Compiled]) -> Compiled:
    tests = [p.test for p in parts]

    def either(doc: Doc) -> bool:
        for t in tests:  # noqa: SIM110
            if t(doc):
                return True
        return False

    if any(p.lookup is None for p in parts):
        return Compiled(either)
    lookups = [p.lookup for p in parts if p.lookup is not None]
    exact = all(p.residual is None for p in parts)
    return Compiled(either, lambda: set().union(*(lookup() for lookup in lookups)), None if exact else either)


def _terminal(term: Terminal, site: Site) -> Compiled:
    field = site.field(term.field)
    if field is None:
        raise no_field(term.field)
    op = term.op.upper()
    if op not in field.operators():
        raise bad_operator(term.op, term.field)
    if op.startswith("WAS") or op == "CHANGED":
        return Compiled(history_predicate(term, field, site))
    assert term.operand is not None
    if op in ("IS", "IS NOT") and not isinstance(term.operand, Empty):
        raise JqlError(
            f"The operator '{op}' only supports searching for EMPTY values (field '{term.field}')."
        )
    wanted = values(term.operand, field, term.field, site)
    if op in ("IS", "IS NOT") or (wanted.empty and not wanted.items and op in ("=", "!=")):
        key, present = field.key, op in ("IS NOT", "!=")
        return Compiled(lambda doc: bool(_values(doc, key)) == present)
    if op in ("~", "!~"):
        return _text(term, field, wanted, op == "!~")
    if op in ("=", "IN", "!=", "NOT IN"):
        return _membership(field, wanted, site, negate=op in ("!=", "NOT IN"))
    return _ordering(field, term.field, wanted, op, site)


def _values(doc: Doc, key: str) -> list[Any] | tuple[Any, ...]:
    """A field's values in a document: [] when empty, one item for a single value."""
    value = doc.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, list) or (type(value) is tuple and key != "key"):  # a read-only list too
        return value
    return [value]


def _membership(field: FieldDef, wanted: Values, site: Site, negate: bool) -> Compiled:
    """`=`/`IN` (or `!=`/`NOT IN`, which never match an empty field, as in Jira)."""
    key, empty = field.key, wanted.empty
    hit: Predicate
    if field.kind in (Kind.DATETIME, Kind.DATE):
        instants = {as_datetime(v) for v in wanted.items}
        hit = lambda doc: any(as_datetime(v) in instants for v in _values(doc, key))  # noqa: E731
    elif field.kind is Kind.LABELS:
        lowered = {str(v).lower() for v in wanted.items}
        hit = lambda doc: any(str(v).lower() in lowered for v in _values(doc, key))  # noqa: E731
    elif field.multi:
        targets = set(wanted.items)
        hit = lambda doc: any(v in targets for v in _values(doc, key))  # noqa: E731
    else:
        targets = set(wanted.items)
        hit = lambda doc: doc.get(key) in targets  # noqa: E731
    if negate:
        test: Predicate = lambda doc: bool(_values(doc, key)) and not hit(doc)  # noqa: E731
    elif empty:
        test = lambda doc: not _values(doc, key) or hit(doc)  # noqa: E731
    else:
        test = hit
    if empty or not site.indexed(field):
        return Compiled(test)
    wanted_values = set(wanted.items)
    lookup = lambda: site.candidates(field, wanted_values, negate)  # noqa: E731
    if negate:
        return Compiled(test, lookup, exclude=lambda: site.excluded(field, wanted_values))
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

    return Compiled(test)


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

    return Compiled(test)


def sort_ids(ids: list[str], docs: Mapping[str, Doc], order: Sequence[SortKey], site: Site) -> list[str]:
    """`ids` sorted by `order`; empty values last ascending and first descending, as Jira does."""
    out = list(ids)
    for key in reversed(order):
        field = site.field(key.field)
        assert field is not None
        value_of: Callable[[str], Any] = _sort_value(field, site, docs)
        if field.kind in PLAIN_KINDS and not field.multi and len(out) > RANKED_FROM:
            # a plain value depends on the issue alone: the site's cached ranks order the hits
            value_of = site.sort_rank(f"{field.key}", value_of).__getitem__
        out.sort(key=value_of, reverse=key.descending)
    return out


PLAIN_KINDS = (Kind.DATETIME, Kind.DATE, Kind.NUMBER, Kind.ISSUE)
RANKED_FROM = 256  # fewer hits sort faster by their values than through the ranks


def _sort_value(field: FieldDef, site: Site, docs: Mapping[str, Doc]) -> Callable[[str], tuple[int, Any]]:
    """An issue's sort key for `field`: (0, value), or (1, 0) when the field is empty."""
    key = field.key
    if field.kind in (Kind.DATETIME, Kind.DATE, Kind.NUMBER, Kind.ISSUE) and not field.multi:
        return lambda i: (1, 0) if (got := docs[i].get(key)) is None else (0, got)
    if field.kind in (Kind.REF, Kind.USER):
        rank = site.rank

        def ranked(i: str) -> tuple[int, Any]:
            got = _values(docs[i], key)
            return (0, tuple(sorted(rank(field, v) for v in got))) if got else (1, 0)

        return ranked

    def plain(i: str) -> tuple[int, Any]:
        got = _values(docs[i], key)
        return (0, tuple(sorted(str(v).lower() for v in got))) if got else (1, 0)

    return plain
