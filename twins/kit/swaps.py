"""This call's values in place of the recording's, in every string of a recorded body (`Swap`).

A recorded body is answered again and again with other values in the same places, so what can be
learnt once is: per set of recorded values, one pattern that finds them all; per string of a body,
where in it they are (a format string, `{0}` for the first value, or None when it holds none), so
that a later call fills the string in instead of searching it; per read-only part of a body (a
nested object of `Engine.examples`), which values its strings hold, and the part made with this
call's values, shared while those values are the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from twins._runtime.frozen import FrozenDict, FrozenList
from twins.kit.identity import MISSING, ByIdentity

SHARED = (FrozenDict, FrozenList)  # read-only parts of recorded bodies (`Engine.examples`)
SCALARS = frozenset({int, float, bool, type(None)})  # values no swap changes
HELD = 50_000
PLANNED = 4_096  # strings whose places are kept per set of recorded values (and sets kept)
PLANNED_LENGTH = 512  # longer strings (a text sent) are searched each time
# Bounded caches of what cannot change, like the `re` module's: which of some recorded values a
# read-only part of a recorded body holds, and that part with those values swapped, by the part's
# identity.
_USED: ByIdentity[tuple[frozenset[str], tuple[Any, ...]]] = ByIdentity(HELD)
_MADE: ByIdentity[Any] = ByIdentity(HELD)


class Recorded:
    """A set of recorded values (longest first): the pattern that finds them, and the strings
    already searched, each as a format string of the values' places (None: it holds none)."""

    def __init__(self, olds: tuple[str, ...], exact: bool = False) -> None:
        self.olds = olds
        alternatives = (re.escape(old) if exact else _alternative(old) for old in olds)
        self.pattern = re.compile("|".join(alternatives))
        self.place = {old: str(i) for i, old in enumerate(olds)}  # a repeated value: its last pair
        self.plans: dict[str, str | None] = {}

    def plan(self, value: str) -> str | None:
        parts: list[str] = []
        at = 0
        for match in self.pattern.finditer(value):
            parts += (_literal(value[at : match.start()]), "{", self.place[match.group()], "}")
            at = match.end()
        plan = "".join(parts) + _literal(value[at:]) if parts else None
        if len(self.plans) >= PLANNED:
            self.plans.clear()
        self.plans[value] = plan
        return plan


_RECORDED: dict[tuple[tuple[str, ...], bool], Recorded] = {}


def recorded(olds: tuple[str, ...], exact: bool = False) -> Recorded:
    """The kept `Recorded` of `olds` (`exact`: a number is found wherever it is, not only where
    it ends a path segment)."""
    found = _RECORDED.get((olds, exact))
    if found is None:
        if len(_RECORDED) >= PLANNED:
            _RECORDED.clear()
        found = _RECORDED[(olds, exact)] = Recorded(olds, exact)
    return found


class Swap:
    """Replace the recording's values by this call's, in every string of a body."""

    __slots__ = ("_recorded", "news", "olds", "pairs")

    def __init__(self, pairs: tuple[tuple[str, str], ...], exact: bool = False) -> None:
        self.pairs = pairs  # (recorded, now), longest first (`exact`: see `recorded`)
        self.olds: tuple[str, ...] = ()
        self.news: tuple[str, ...] = ()
        self._recorded: Recorded | None = None
        if pairs:
            self.olds, self.news = zip(*pairs, strict=True)
            self._recorded = recorded(self.olds, exact)

    def __repr__(self) -> str:
        return f"Swap({self.pairs!r})"

    @classmethod
    def of(cls, pairs: Mapping[str, str]) -> Swap:
        kept: list[tuple[str, str]] = []
        numbers: list[tuple[str, str]] = []  # short numbers: only where they end a path segment
        for a, b in pairs.items():
            if a and a != b:
                if len(a) < 3 and a.isdigit():
                    numbers.append(("/" + a, "/" + b))
                else:
                    kept.append((a, b))
        kept.sort(key=_first_length, reverse=True)  # longest first, the order given on a tie
        return cls((*kept, *numbers))

    def text(self, value: str) -> str:
        """Every recorded value in `value` replaced, in one pass (so a value just put in is never
        replaced again); a number only where it ends a path segment."""
        known = self._recorded
        if known is None:
            return value
        plan = known.plans.get(value, "")
        if plan == "":  # not searched yet (a plan is never empty)
            if len(value) > PLANNED_LENGTH:
                new = dict(self.pairs)
                return known.pattern.sub(lambda match: new[match.group()], value)
            plan = known.plan(value)
        return value if plan is None else plan.format(*self.news)

    def apply(self, body: Any) -> Any:
        """`body` with this call's values: a new object (or list) at the top; inside it, parts of
        a recorded body (read-only) are made once for the values they hold and then shared."""
        apply = self._apply
        if self._recorded is None:
            if isinstance(body, dict):
                return {k: apply(v) for k, v in body.items()}
            return [apply(v) for v in body] if isinstance(body, list) else apply(body)
        if isinstance(body, dict):  # strings inline, as `text` does, and scalars: most of a body
            text, plans, news = self.text, self._recorded.plans, self.news
            return {
                k: (v if (p := plans.get(v, "")) is None else p.format(*news) if p else text(v))
                if v.__class__ is str
                else v
                if v.__class__ in SCALARS
                else apply(v)
                for k, v in body.items()
            }
        if isinstance(body, list):
            return [self.text(v) if v.__class__ is str else apply(v) for v in body]
        return apply(body)

    def part(self, body: Any) -> Any:
        """One value of a body with this call's values: a read-only part made once for the values
        it holds (and read-only), anything else as `apply` makes it."""
        return self._apply(body)

    def _apply(self, body: Any) -> Any:
        if isinstance(body, str):
            return self.text(body)
        if body.__class__ in SHARED:
            used, holders = self._used(body)
            if not used:
                return body
            tag = tuple([pair for pair in self.pairs if pair[0] in used])
            made = _MADE.get(body, tag)
            return _MADE.put(body, tag, self._made(body, holders)) if made is MISSING else made
        if isinstance(body, dict | list):
            return self.apply(body)
        return body

    def _made(self, body: Any, holders: tuple[Any, ...]) -> Any:
        """A read-only part with its `holders` (the keys or places of the values that hold a
        recorded value) made anew; every other value is the part's own, shared."""
        if isinstance(body, dict):
            out = dict(body)
            for key in holders:
                out[key] = self._apply(body[key])
            return FrozenDict(out)
        items = list(body)
        for place in holders:
            items[place] = self._apply(body[place])
        return FrozenList(items)

    def _used(self, body: Any) -> tuple[frozenset[str], tuple[Any, ...]]:
        """The recording's values that strings of a read-only part of a body hold, and the keys
        (or places) of its values that hold any; remembered by the part's identity (it cannot
        change)."""
        hit = _USED.get(body, self.olds)
        if hit is not MISSING:
            return hit
        used: set[str] = set()
        holders: list[Any] = []
        for place, value in body.items() if isinstance(body, dict) else enumerate(body):
            if isinstance(value, str):
                held = {old for old in self.olds if old in value}
            elif value.__class__ in SHARED:
                held = set(self._used(value)[0])
            else:
                continue
            if held:
                used |= held
                holders.append(place)
        return _USED.put(body, self.olds, (frozenset(used), tuple(holders)))


def _first_length(pair: tuple[str, str]) -> int:
    return len(pair[0])


def _alternative(old: str) -> str:
    number = old.isdigit() or (old.startswith("/") and old[1:].isdigit())
    return re.escape(old) + (r"(?=$|[/?#\"])" if number else "")


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
