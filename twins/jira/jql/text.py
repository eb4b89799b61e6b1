"""Text search for `~`: words, phrases and wildcards, case-insensitive, with light stemming."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[\w*?]+", re.UNICODE)
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def stem(word: str) -> str:
    """A word reduced the way a simple English stemmer would (`fixes` -> `fix`)."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower())]


@lru_cache(maxsize=1024)
def compile_query(query: str) -> tuple[tuple[re.Pattern[str] | tuple[str, ...], ...], bool]:
    """Terms of a `~` query (a phrase is a tuple of words), and whether it has any term at all."""
    terms: list[re.Pattern[str] | tuple[str, ...]] = []
    for phrase in re.findall(r'"([^"]*)"', query):
        terms.append(tuple(words(phrase)))
    rest = re.sub(r'"[^"]*"', " ", query)
    for raw in _WORD.findall(rest.lower()):
        if raw in ("and", "or", "not"):
            continue
        if "*" in raw or "?" in raw:
            pattern = re.escape(raw).replace(r"\*", r"\w*").replace(r"\?", r"\w")
            terms.append(re.compile(f"^{pattern}$"))
        else:
            terms.append((stem(raw),))
    return tuple(terms), bool(terms)


def matches(query: str, texts: Iterable[str]) -> bool:
    """True when every term of `query` occurs in one of `texts` (phrases as consecutive words)."""
    terms, any_term = compile_query(query)
    if not any_term:
        return False
    bags = [words(t) for t in texts if t]
    return all(any(_has(bag, term) for bag in bags) for term in terms)


def _has(bag: list[str], term: re.Pattern[str] | tuple[str, ...]) -> bool:
    if isinstance(term, re.Pattern):
        return any(term.match(w) for w in bag)
    if len(term) == 1:
        return term[0] in bag
    n = len(term)
    return any(tuple(bag[i : i + n]) == term for i in range(len(bag) - n + 1))
