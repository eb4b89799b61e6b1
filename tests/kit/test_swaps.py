"""A swapped string is filled in from its plan (the places of the recorded values in it, found
once) exactly as one search-and-replace pass over it writes it, the first time and every later one."""

from __future__ import annotations

import re

import pytest

from twins._runtime.frozen import freeze
from twins.kit.swaps import PLANNED_LENGTH, Swap


def one_pass(swap: Swap, value: str) -> str:
    """The recorded values replaced in one regular-expression pass (numbers only at a path end)."""
    if not swap.pairs:
        return value
    new = dict(swap.pairs)
    numeric = {old for old in new if old.isdigit() or (old.startswith("/") and old[1:].isdigit())}
    pattern = "|".join(re.escape(old) + (r"(?=$|[/?#\"])" if old in numeric else "") for old in new)
    return re.sub(pattern, lambda m: new[m.group()], value)


SWAP = Swap.of({"https://api.github.com": "http://127.0.0.1:8000", "1347": "{0}", "12": "7", "octo": "x}{"})
TEXTS = [
    "https://api.github.com/repos/octo/hello/issues/1347",
    "https://api.github.com/repos/octo/hello/issues/1347/labels{/name}",
    "{https://api.github.com}/{0}/{{}}/12/120/x12/12?q=12#12",
    "octoocto 1347 13470 /12",
    "no recorded value here, only {braces} and }{",
    "",
    "https://api.github.com/" + "y" * PLANNED_LENGTH + "/1347",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_string_is_filled_in_as_one_pass_replaces_it(text: str) -> None:
    for _ in range(2):  # searched, then from its plan
        assert SWAP.text(text) == one_pass(SWAP, text)


def test_a_value_put_in_is_not_replaced_again() -> None:
    swap = Swap.of({"abc": "abcd", "abcd": "z"})
    assert swap.text("abc abcd") == "abcd z"
    assert swap.text("abc abcd") == "abcd z"


def test_the_same_places_take_each_call_its_own_values() -> None:
    first = Swap.of({"https://api.github.com": "http://a", "1347": "1"})
    second = Swap.of({"https://api.github.com": "http://b", "1347": "2"})
    text = "https://api.github.com/issues/1347"
    assert first.text(text) == "http://a/issues/1"
    assert second.text(text) == "http://b/issues/2"


def test_a_body_has_its_strings_swapped_and_keeps_everything_else() -> None:
    body = {"url": TEXTS[0], "n": 1347, "ok": True, "none": None, "user": freeze({"url": TEXTS[1]})}
    made = SWAP.apply(body)
    assert made == {
        "url": one_pass(SWAP, TEXTS[0]),
        "n": 1347,
        "ok": True,
        "none": None,
        "user": {"url": one_pass(SWAP, TEXTS[1])},
    }
    assert SWAP.apply(body) == made


def test_an_exact_swap_finds_a_number_wherever_it_is() -> None:
    pairs = (("7391028465000", "712"),)
    assert Swap(pairs).text("issues/7391028465000.diff") == "issues/7391028465000.diff"  # a path end only
    assert Swap(pairs, exact=True).text("issues/7391028465000.diff") == "issues/712.diff"
    assert Swap(pairs, exact=True).text("7391028465000") == "712"
