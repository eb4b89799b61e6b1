"""Lists of generated twins' documents: the `field=value` index answers what testing every
document answers, before and after writes; recorded values are swapped in one pass."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twins._runtime.collection import TenantState
from twins._runtime.frozen import freeze
from twins.kit.documents import COLLECTIONS, DOCUMENTS, row_id, wrap
from twins.kit.filters import predicate
from twins.kit.listing import Listing
from twins.kit.templates import Swap

SCOPE = "/repos/o/r/issues"
STATES = st.sampled_from(["open", "closed", "OPEN", None])
DOCS = st.lists(
    st.fixed_dictionaries({"state": STATES, "locked": st.sampled_from([True, False, None])}), max_size=12
)


def state_with(docs: list[dict[str, Any]]) -> TenantState:
    state = TenantState("t", list(COLLECTIONS), seed=1, size=0)
    for n, doc in enumerate(docs):
        body = {k: v for k, v in doc.items() if v is not None}
        state[DOCUMENTS].insert(
            {"id": row_id(SCOPE, str(n)), "scope": SCOPE, "key": str(n), "body": wrap(body)}
        )
    state[DOCUMENTS].insert(
        {"id": row_id("/other", "x"), "scope": "/other", "key": "x", "body": {"state": "open"}}
    )
    return state


def add(state: TenantState, scope: str, key: str, body: dict[str, Any]) -> None:
    state[DOCUMENTS].insert({"id": row_id(scope, key), "scope": scope, "key": key, "body": wrap(body)})


def keys_passing(state: TenantState, args: dict[str, str]) -> list[str]:
    test = predicate(args)
    return [r["key"] for r in state[DOCUMENTS].where("scope", SCOPE) if test(r["body"])]


QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "state": st.sampled_from(["open", "closed", "Open", "all"]),
        "locked": st.sampled_from(["true", "false"]),
        "q": st.sampled_from(["op", "cl", ""]),
        "per_page": st.just("5"),
    },
)


@settings(max_examples=150, deadline=None)
@given(DOCS, QUERIES, st.lists(st.tuples(st.integers(0, 11), STATES), max_size=4))
def test_the_index_answers_what_testing_every_document_answers(
    docs: list[dict[str, Any]], args: dict[str, str], writes: list[tuple[int, str | None]]
) -> None:
    state = state_with(docs)
    listing = Listing()
    assert [r["key"] for r in listing.rows(state, SCOPE, args)] == keys_passing(state, args)
    for at, value in writes:  # each write is seen by the next list (the index is rebuilt)
        key = row_id(SCOPE, str(at))
        if key in state[DOCUMENTS]:
            state[DOCUMENTS].update(key, body=wrap({"state": value} if value else {}))
        assert [r["key"] for r in listing.rows(state, SCOPE, args)] == keys_passing(state, args)


def test_a_deleted_document_leaves_the_list() -> None:
    state = state_with([{"state": "open"}, {"state": "open"}])
    listing = Listing()
    assert len(listing.rows(state, SCOPE, {"state": "open"})) == 2
    state[DOCUMENTS].delete(row_id(SCOPE, "0"))
    assert [r["key"] for r in listing.rows(state, SCOPE, {"state": "open"})] == ["1"]


def test_a_swap_puts_every_value_in_once() -> None:
    """A value just put in is never replaced again: the twin's port holds digits that are also
    a recorded id, and the recorded host is replaced by a URL holding that number."""
    swap = Swap.of({"https://api.github.com": "http://127.0.0.1:8000", "8000": "12", "1347": "5"})
    assert (
        swap.text("https://api.github.com/repos/o/r/issues/8000")
        == "http://127.0.0.1:8000/repos/o/r/issues/12"
    )
    assert (
        swap.text("https://api.github.com/issues/1347/comments") == "http://127.0.0.1:8000/issues/5/comments"
    )
    assert swap.text("issue 13470") == "issue 13470"  # a number only where it ends a path segment


def test_shared_parts_of_a_recorded_body_are_made_once_per_values() -> None:
    recorded = freeze({"user": {"url": "https://api.github.com/users/a"}, "id": 1347, "n": {"x": 1}})
    to_a = Swap.of({"https://api.github.com": "http://a"})
    first, second = to_a.apply(recorded), to_a.apply(recorded)
    assert first == second == {"user": {"url": "http://a/users/a"}, "id": 1347, "n": {"x": 1}}
    assert first is not recorded and first["user"] is second["user"]  # made once, then shared
    assert first["n"] is recorded["n"]  # holds no recorded value: shared as it is
    assert Swap.of({"https://api.github.com": "http://b"}).apply(recorded)["user"] == {
        "url": "http://b/users/a"
    }


def test_a_made_part_shares_the_values_that_hold_no_recorded_value() -> None:
    """Inside a read-only part that holds a recorded value, only the values holding one are made
    anew; the others (a nested object, a list, a string) are the recorded part's own."""
    recorded = freeze(
        {
            "repo": {
                "url": "https://api.github.com/repos/o/r",
                "owner": {"login": "o", "id": 7},
                "topics": ["a", "b"],
                "labels": [{"url": "https://api.github.com/l/1"}, {"name": "bug"}],
                "name": "r",
            }
        }
    )
    made = Swap.of({"https://api.github.com": "http://a"}).apply(recorded)["repo"]
    assert made == {
        "url": "http://a/repos/o/r",
        "owner": {"login": "o", "id": 7},
        "topics": ["a", "b"],
        "labels": [{"url": "http://a/l/1"}, {"name": "bug"}],
        "name": "r",
    }
    original = recorded["repo"]
    assert made["owner"] is original["owner"] and made["topics"] is original["topics"]
    assert made["labels"][1] is original["labels"][1] and made["labels"][0] is not original["labels"][0]
    with pytest.raises(TypeError):
        made["labels"].append({})  # still read-only
