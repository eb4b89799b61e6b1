"""Listing users: predicates compiled over rows see what the wire view shows, pages stop early."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.okta.org_support import org as tenant
from twins._runtime.collection import Row, TenantState
from twins._runtime.errors import TwinError
from twins.kit import Args, Call, Caller, Extensions
from twins.okta.backend.user_search import (
    FILTER_ATTRIBUTES,
    FILTER_OPERATORS,
    SEARCH_OPERATORS,
    filter_predicate,
    list_users,
    row_getter,
    search_predicate,
    searchable,
)
from twins.okta.errors import OktaError
from twins.okta.filter import compile_expression, resolve
from twins.okta.kit import STYLE
from twins.okta.routes import users

PATHS = [
    "id",
    "status",
    "created",
    "activated",
    "statusChanged",
    "lastLogin",
    "lastUpdated",
    "passwordChanged",
    "transitioningToStatus",
    "type",
    "type.id",
    "type.id.more",
    "profile",
    "profile.login",
    "profile.department",
    "profile.missing",
    "profile.skills",
    "profile.level",
    "profile.manager",
    "profile.nested.items.name",
    "profile.nested.deep",
    "profile.nothing",
    "profile.skills.x",
    "credentials",
    "credentials.provider",
    "credentials.provider.type",
    "credentials.provider.name",
    "credentials.password",
    "status.more",
    "unknown",
    "unknown.path",
    "",
    "profile.",
    "profile..login",
]
SEARCHES = [
    'profile.department eq "Engineering"',
    'profile.department eq "engineering"',
    'profile.department gt "M" and status eq "ACTIVE"',
    'profile.department eq "Sales" or profile.department eq "People"',
    'profile.firstName sw "a"',
    'profile.lastName co "E"',
    'profile.email ew ".COM"',
    "profile.title pr",
    "profile.nothing pr",
    "profile.mobilePhone eq null",
    'lastUpdated gt "2020-01-01T00:00:00.000Z"',
    'created lt "2020-01-01T00:00:00.000Z"',
    'credentials.provider.type eq "okta"',
    'type.id sw "oty"',
    'profile.skills eq "MATH"',
    'profile.skills sw "eng"',
    "profile.level eq 7",
    'profile.level ge "6"',
    "profile.level lt 7.5",
    "profile.manager eq true",
    'profile.manager eq "true"',
    'profile.nested.items.name eq "A"',
    "profile.nested.items.name pr and profile.level gt 1",
    'statusChanged ge "2026-01-01T00:00:00.000Z"',
    "activated eq null",
]
FILTERS = [
    'status eq "ACTIVE"',
    'status eq "active"',
    'profile.login eq "ADA@EXAMPLE.COM"',
    'profile.firstName eq "Ada"',
    'lastUpdated gt "2020-01-01T00:00:00.000Z"',
    'lastUpdated le "2026-01-01T00:00:00.000Z"',
    'type.id eq "x" or status eq "STAGED"',
]


NAME_FIELDS = ("firstName", "lastName", "email")  # what `q` looks at


def odd_rows(state: TenantState) -> list[Row]:
    """Seeded rows with profiles and credentials of every shape a predicate may meet."""
    base = next(iter(state["users"]))
    profile = {
        "login": "Ada@Example.com",
        "firstName": "Ada",
        "skills": ["math", "Engines", None],
        "level": 7,
        "manager": True,
        "nested": {"items": [{"name": "a"}, {"name": ["b", "c"]}, "x"], "deep": {"k": 1}},
        "nothing": "",
        "mobilePhone": None,
    }
    return [
        {**base, "profile": profile},
        {**base, "profile": {**profile, "level": "7", "manager": "true", "skills": []}},
        {**base, "credentials": {}, "activated": None, "last_login": "2026-03-01T00:00:00.000Z"},
        {**base, "credentials": {"provider": {"type": "FEDERATION"}}, "transitioning_to": "ACTIVE"},
        {**base, "type_id": None, "status": "SUSPENDED"},
    ]


def all_rows(state: TenantState) -> list[Row]:
    return [*state["users"], *odd_rows(state)]


def test_row_getter_reads_what_the_searchable_view_holds(okta_app: FastAPI) -> None:
    for row in all_rows(tenant(okta_app)):
        view = searchable(row)
        for path in PATHS:
            assert row_getter(path)(row) == resolve(view, path), path


@pytest.mark.parametrize("expr", SEARCHES)
def test_search_over_rows_matches_search_over_the_wire_view(okta_app: FastAPI, expr: str) -> None:
    reference = compile_expression(expr, mode="search", operators=SEARCH_OPERATORS)
    check = search_predicate(expr)
    for row in all_rows(tenant(okta_app)):
        assert check(row) == reference(searchable(row)), row["profile"]


@pytest.mark.parametrize("expr", FILTERS)
def test_filter_over_rows_matches_filter_over_the_wire_view(okta_app: FastAPI, expr: str) -> None:
    reference = compile_expression(
        expr,
        allowed=FILTER_ATTRIBUTES,
        mode="filter",
        operators=FILTER_OPERATORS,
        case_insensitive={"profile.login"},
    )
    check = filter_predicate(expr)
    for row in all_rows(tenant(okta_app)):
        assert check(row) == reference(searchable(row))


def test_invalid_expressions_fail_before_any_row_is_read(okta_app: FastAPI) -> None:
    for kw in ({"search": 'status ne "ACTIVE"'}, {"filter_expr": 'profile.department eq "x"'}):
        with pytest.raises(OktaError) as info:
            list_users(tenant(okta_app), **kw)
        assert info.value.code == "E0000031"


def counting(rows: list[Row], seen: list[str]) -> Iterator[Row]:
    for row in rows:
        seen.append(row["id"])
        yield row


def page(okta_app: FastAPI, query: str, rows: Iterator[Row]) -> tuple[list[Row], dict[str, str]]:
    """The page the users list's pager (the kit's LinkAfter) picks, and the headers it adds."""
    state = tenant(okta_app)
    op = next(o for o in users.ops.ops if o.name == "list_users")
    args = Args(dict(parse_qsl(query)), STYLE)
    caller = Caller(state.id, "", "ssws")
    call = Call(
        op, state, {}, args, Args({}, STYLE), caller, STYLE, Extensions([]), "http://t", "/api/v1/users"
    )
    chunk = call.page(rows)
    headers: dict[str, str] = {}
    assert op.page is not None and call.paged is not None
    op.page.finish(call, chunk, headers, call.paged)
    return chunk, headers


def uid(n: int) -> str:
    return f"00u{n:017d}"


def test_page_reads_a_lazy_listing_only_up_to_one_row_past_the_page(okta_app: FastAPI) -> None:
    rows = [{"id": uid(i)} for i in range(20)]
    seen: list[str] = []
    chunk, headers = page(okta_app, f"limit=4&after={uid(5)}", counting(rows, seen))
    assert [r["id"] for r in chunk] == [uid(6), uid(7), uid(8), uid(9)]
    assert seen == [uid(i) for i in range(11)]  # up to the cursor, the page, one more
    assert 'rel="next"' in headers["Link"] and f"after={uid(9)}" in headers["Link"]
    seen.clear()
    chunk, headers = page(okta_app, f"limit=4&after={uid(15)}", counting(rows, seen))
    assert [r["id"] for r in chunk] == [uid(16), uid(17), uid(18), uid(19)]
    assert 'rel="next"' not in headers["Link"]
    # An id of the right shape that is not in the list (a user deleted since): an empty last page.
    chunk, headers = page(okta_app, f"limit=4&after={uid(99)}", counting(rows, []))
    assert chunk == [] and 'rel="next"' not in headers["Link"]
    # A cursor that is no Okta id was never handed out: refused.
    with pytest.raises(TwinError) as info:
        page(okta_app, "limit=4&after=nobody", counting(rows, []))
    assert info.value.code == "E0000001" and info.value.status == 400


def expected_pages(ids: list[str], limit: int) -> list[list[str]]:
    return [ids[i : i + limit] for i in range(0, len(ids), limit)]


async def walk(client: httpx.AsyncClient, params: dict[str, Any]) -> list[list[str]]:
    pages: list[list[str]] = []
    resp = await client.get("/api/v1/users", params=params)
    while True:
        assert resp.status_code == 200
        pages.append([u["id"] for u in resp.json()])
        nxt = [p for p in resp.headers["link"].split(", ") if p.endswith('rel="next"')]
        if not nxt:
            return pages
        url = urlsplit(nxt[0].split(">")[0].lstrip("<"))
        resp = await client.get(url.path, params={k: v[0] for k, v in parse_qs(url.query).items()})


async def test_paged_search_returns_the_same_sequence_as_one_page(
    client: httpx.AsyncClient, okta_app: FastAPI
) -> None:
    state = tenant(okta_app)
    for search in ('status eq "ACTIVE"', 'profile.department gt "F"', "profile.title pr"):
        check = compile_expression(search, mode="search", operators=SEARCH_OPERATORS)
        everyone = [r["id"] for r in state["users"] if check(searchable(r))]
        assert everyone, search
        whole = await walk(client, {"search": search})
        assert whole == [everyone]
        for limit in (1, 2, 3):
            assert await walk(client, {"search": search, "limit": limit}) == expected_pages(everyone, limit)
        middle = everyone[len(everyone) // 2]
        resp = await client.get("/api/v1/users", params={"search": search, "after": middle, "limit": 2})
        start = everyone.index(middle) + 1
        assert [u["id"] for u in resp.json()] == everyone[start : start + 2]


async def test_listing_without_expressions_and_q_pages(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    rows = list(tenant(okta_app)["users"])
    listed = [r["id"] for r in rows if r["status"] != "DEPROVISIONED"]
    assert await walk(client, {"limit": 5}) == expected_pages(listed, 5)
    named = [
        r["id"]
        for r in rows
        if r["status"] != "DEPROVISIONED"
        and any(str(r["profile"].get(f, "")).lower().startswith("a") for f in NAME_FIELDS)
    ]
    assert named
    assert await walk(client, {"q": "A", "limit": 1}) == expected_pages(named, 1)


async def test_sorted_search_is_the_whole_sorted_list(client: httpx.AsyncClient, okta_app: FastAPI) -> None:
    rows = [r for r in tenant(okta_app)["users"] if r["status"] == "ACTIVE"]
    by_name = sorted(sorted(rows, key=lambda r: r["id"]), key=lambda r: r["profile"]["lastName"].casefold())
    params = {"search": 'status eq "ACTIVE"', "sortBy": "profile.lastName", "sortOrder": "desc"}
    expected = [r["id"] for r in reversed(by_name)]
    assert await walk(client, {**params, "limit": 3}) == expected_pages(expected, 3)
