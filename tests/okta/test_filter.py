"""Okta filter/search expressions: parsing, semantics, allowlists, and junk that must never crash."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twins.okta.errors import OktaError
from twins.okta.filter import (
    OPERATORS,
    Comparison,
    Logical,
    _scalar_match,
    compile_expression,
    compile_node,
    parse,
    resolve,
    tokenize,
)

USER: dict[str, Any] = {
    "id": "00u1abcdefghijklmno",
    "status": "ACTIVE",
    "created": "2025-06-01T10:00:00.000Z",
    "lastUpdated": "2026-02-01T12:30:00.000Z",
    "type": {"id": "oty1"},
    "profile": {
        "login": "Ada.Lovelace@Example.com",
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "department": "Engineering",
        "skills": ["math", "engines"],
        "level": 7,
        "ratio": 0.5,
        "manager": True,
        "nickName": "",
    },
    "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
}


def matches(expr: str, obj: dict[str, Any] = USER, **kw: Any) -> bool:
    return compile_expression(expr, **kw)(obj)


def assert_invalid(expr: str, **kw: Any) -> None:
    with pytest.raises(OktaError) as info:
        compile_expression(expr, **kw)
    assert info.value.code == "E0000031"
    assert info.value.status == 400
    assert info.value.message == "Invalid search criteria."


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('status eq "ACTIVE"', True),
        ('status eq "STAGED"', False),
        ('status ne "STAGED"', True),
        ('profile.department eq "Engineering"', True),
        ('type.id eq "oty1"', True),
        ('profile.firstName sw "Ad"', True),
        ('profile.lastName co "vel"', True),
        ("profile.department pr", True),
        ("profile.missing pr", False),
        ("profile.nickName pr", False),
        ('lastUpdated gt "2026-01-01T00:00:00.000Z"', True),
        ('lastUpdated lt "2026-01-01T00:00:00Z"', False),
        ('created ge "2025-06-01T10:00:00.000Z"', True),
        ('created le "2025-06-01T09:59:59.999Z"', False),
        ('lastUpdated gt "2026-02-01T13:00:00.000+01:00"', True),
        ("profile.level eq 7", True),
        ("profile.level gt 6.5", True),
        ("profile.level lt 7", False),
        ('profile.level eq "7"', True),
        ("profile.ratio le 0.5", True),
        ("profile.manager eq true", True),
        ("profile.manager eq false", False),
        ("profile.missing eq null", True),
        ("profile.department ne null", True),
        ('profile.skills eq "engines"', True),
        ('profile.skills sw "mat"', True),
        ('profile.skills eq "physics"', False),
        ('status lt "STAGED" or status gt "STAGED"', True),
        ('status eq "ACTIVE" and profile.department eq "Sales"', False),
        ('status eq "STAGED" or profile.department eq "Engineering" and profile.level eq 7', True),
        ('(status eq "STAGED" or profile.department eq "Engineering") and profile.level eq 8', False),
        ('profile.department eq "Engineering" and (created lt "2014-01-01" or status eq "ACTIVE")', True),
        ('STATUS eq "ACTIVE"', False),  # attribute names are case-sensitive
        ('status EQ "ACTIVE" AND profile.level Gt 1', True),  # operators are not
    ],
)
def test_filter_semantics(expr: str, expected: bool) -> None:
    assert matches(expr) is expected


def test_search_mode_folds_case_filter_mode_does_not() -> None:
    expr = 'profile.department eq "engineering"'
    assert matches(expr, mode="search") is True
    assert matches(expr, mode="filter") is False
    assert matches('profile.login eq "ada.lovelace@example.com"', mode="filter") is False
    assert (
        matches(
            'profile.login eq "ada.lovelace@example.com"',
            mode="filter",
            case_insensitive={"profile.login"},
        )
        is True
    )
    assert matches('profile.login sw "ADA."', mode="search") is True


def test_string_escapes() -> None:
    obj = {"profile": {"title": 'The "Countess" \\ of\tLovelace é'}}
    assert matches(r'profile.title eq "The \"Countess\" \\ of\tLovelace \u00e9"', obj) is True
    assert tokenize(r'"a\/b"')[0].value == "a/b"
    assert_invalid(r'profile.title eq "bad \q escape"')
    assert_invalid(r'profile.title eq "bad \u12 escape"')


def test_allowlists() -> None:
    allowed = {"status", "lastUpdated", "profile.login"}
    ops = {"*": {"eq"}, "lastUpdated": {"eq", "gt", "lt"}}
    assert matches('status eq "ACTIVE"', allowed=allowed, operators=ops) is True
    assert matches('lastUpdated gt "2020-01-01T00:00:00.000Z"', allowed=allowed, operators=ops) is True
    assert_invalid('profile.department eq "Engineering"', allowed=allowed, operators=ops)
    assert_invalid('status sw "ACT"', allowed=allowed, operators=ops)
    assert_invalid('profile.login ne "x"', allowed=allowed, operators=ops)
    assert matches('profile.department eq "Engineering"', allowed={"profile.*"}) is True
    assert_invalid('id eq "x"', allowed={"profile.*"})


def test_ew_is_a_search_operator() -> None:
    assert matches('profile.email ew "example.com"', mode="search") is True
    assert_invalid('profile.email ew "example.com"', mode="filter")


def test_not_only_when_allowed() -> None:
    assert_invalid('not status eq "ACTIVE"')
    assert matches('not (status eq "ACTIVE")', allow_not=True) is False
    assert matches('not status eq "STAGED" and profile.level eq 7', allow_not=True) is True


@pytest.mark.parametrize(
    "expr",
    [
        "",
        "   ",
        "status",
        "status eq",
        "status eq ACTIVE",
        'status = "ACTIVE"',
        'status eq "ACTIVE',
        "status eq 'ACTIVE'",
        '(status eq "ACTIVE"',
        'status eq "ACTIVE")',
        '() status eq "A"',
        'status eq "A" and',
        'status eq "A" or or status eq "B"',
        'and eq "A"',
        'status pr "x"',
        "status xx 1",
        'lastUpdated gt "yesterday"',
        "profile.manager gt true",
        "profile.level sw 7",
        "profile.level gt null",
        "profile.level eq 1e999",
        "profile.level eq 1.2.3",
        'emails[type eq "work"]',
        '"status" eq "ACTIVE"',
        'status eq "A" status eq "B"',
        "(" * 100 + 'status eq "A"' + ")" * 100,
        'status eq "' + "x" * 5000 + '"',
    ],
)
def test_invalid_expressions(expr: str) -> None:
    assert_invalid(expr)


def test_deep_but_reasonable_nesting_parses() -> None:
    expr = "(" * 20 + 'status eq "ACTIVE"' + ")" * 20
    assert matches(expr) is True


def test_resolve_walks_lists_and_misses_quietly() -> None:
    obj = {"target": [{"id": "a", "type": "User"}, {"id": "b", "type": "UserGroup"}], "n": 1}
    assert resolve(obj, "target.id") == ["a", "b"]
    assert resolve(obj, "n.x") is None
    assert resolve(obj, "missing.deeper") is None
    assert matches('target.type eq "UserGroup"', obj) is True


def test_and_binds_tighter_than_or() -> None:
    tree = parse('status eq "A" or status eq "B" and id eq "C"')
    assert isinstance(tree, Logical)
    assert tree.operator == "or"
    assert isinstance(tree.right, Logical) and tree.right.operator == "and"


# --- property tests: junk never crashes, valid expressions always evaluate -------------------
ALPHABET = st.sampled_from(list("abcdeqnorstlgpw ._()\"\\'0123456789-+eEtrufalsnul\t\n<>=!@#$%&*[]{}"))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_junk_never_crashes_the_parser(text: str) -> None:
    for mode in ("filter", "search"):
        try:
            predicate = compile_expression(text, mode=mode)
        except OktaError as exc:
            assert exc.code == "E0000031"
        else:
            assert isinstance(predicate(USER), bool)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_unicode_never_crashes(text: str) -> None:
    try:
        compile_expression(text, mode="search")(USER)
    except OktaError as exc:
        assert exc.code == "E0000031"


ATTRS = st.sampled_from(
    ["status", "id", "lastUpdated", "created", "profile.level", "profile.skills", "profile.manager", "x.y.z"]
)
LITERALS = st.one_of(
    st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.integers(-1000, 1000).map(str),
    st.sampled_from(["true", "false", "null", "1.5", '"2026-01-01T00:00:00.000Z"']),
)
OPS = st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "sw", "co", "ew"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth < 3 and draw(st.booleans()):
        left = draw(expressions(depth + 1))
        right = draw(expressions(depth + 1))
        joiner = draw(st.sampled_from(["and", "or", "AND", "Or"]))
        text = f"{left} {joiner} {right}"
        return f"({text})" if draw(st.booleans()) else text
    attr = draw(ATTRS)
    if draw(st.integers(0, 5)) == 0:
        return f"{attr} pr"
    return f"{attr} {draw(OPS)} {draw(LITERALS)}"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    expressions(), st.dictionaries(st.sampled_from(["level", "skills", "manager"]), JSON_VALUES), JSON_VALUES
)
def test_generated_expressions_evaluate_or_fail_cleanly(
    expr: str, profile: dict[str, Any], status: Any
) -> None:
    obj = {**USER, "status": status, "profile": profile}
    for mode in ("filter", "search"):
        try:
            predicate = compile_expression(expr, mode=mode)
        except OktaError as exc:
            assert exc.code == "E0000031"
            continue
        assert isinstance(predicate(obj), bool)


# --- compiled comparisons agree with the one-value rule ------------------------------------------
def one_value_rule(op: str, value: Any, literal: Any, *, is_date: bool, fold: bool) -> bool:
    """The plain reading of a comparison: any value of a list matches; `ne` is not-`eq`."""
    base = "eq" if op == "ne" else op
    values = value if isinstance(value, list) else [value]
    hit = any(_scalar_match(base, v, literal, is_date=is_date, fold=fold) for v in values)
    return not hit if op == "ne" else hit


ONE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    7,
    -3,
    7.0,
    0.5,
    "",
    "7",
    "7.0",
    "abc",
    "ABC",
    "Abd",
    "true",
    "FALSE",
    "Straße",
    "STRASSE",
    "2026-01-01",
    "2025-06-01T10:00:00.000Z",
    "2026-02-01T13:00:00+01:00",
    {"k": "abc"},
]
ONE_LITERALS: list[Any] = [True, False, 7, 6.5, 0, "7", "abc", "ab", "ABC", "bc", "b", "true", "strasse"]
ONE_LITERALS += ["x1", "", "2026-01-01T00:00:00.000Z", "2026-02-01T12:00:00Z"]


def test_compiled_comparisons_follow_the_one_value_rule() -> None:
    values = [*ONE_VALUES, ["abc", 7], [None, "ABC"], [], [True, "x"], ["2026-03-01T00:00:00Z", "zz"]]
    checked = 0
    for op in sorted(OPERATORS - {"pr"}):
        for literal in ONE_LITERALS:
            for attribute in ("profile.name", "profile.created"):
                for fold in (False, True):
                    node = Comparison(attribute, op, literal)
                    folds = (lambda _a: True) if fold else (lambda _a: False)
                    try:
                        predicate = compile_node(node, allowed=None, operators=OPERATORS, fold=folds)
                    except OktaError:
                        continue  # a combination the language refuses (e.g. `sw` with a number)
                    is_date = attribute.endswith("created")
                    for value in values:
                        obj = {"profile": {"name": value, "created": value}}
                        expected = one_value_rule(op, value, literal, is_date=is_date, fold=fold)
                        assert predicate(obj) == expected, (op, literal, attribute, fold, value)
                        checked += 1
    assert checked > 5000
