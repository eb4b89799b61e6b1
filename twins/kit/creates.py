"""A create's render plan: its answer's JSON text and the document it stores, made once per
recorded example and body sent with stand-in values where the create's own go (its key, its
made-up values, its timestamps), then filled in on every later create of that kind.

`Engine.made` makes a create's answer and document from what the recordings and the body sent
decide (the same for the same example, body, base URL, path and kind of client) and from the
create's own values. Made once with stand-ins that appear nowhere else, it shows where each own
value goes: the answer's text becomes its literal pieces with the stand-ins' places between them
(`Text`), and the document is kept with the stand-ins in it, to be swapped for this create's
values (`Swap`). A plan is used only once proven: the first create it is made for is also made
the whole way, and the plan is kept only when filling it in gives that create's answer byte for
byte and its document's JSON text exactly; otherwise that kind of create is always made the whole
way. Creates whose values could steer the making (a made-up value equal to the recorded one, a key written
with leading zeros, a value JSON would escape, fields a query decides) are made the whole way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from twins._runtime import jsontext
from twins._runtime.frozen import FrozenDict, freeze
from twins.kit.call import Call
from twins.kit.errors import compact
from twins.kit.operations import RPC, Reply
from twins.kit.recorded import ResourceType
from twins.kit.swaps import SCALARS, SHARED, Swap
from twins.kit.templates import rekeyed, stamp_like

if TYPE_CHECKING:
    from twins.kit.resources import Engine

SAFE = re.compile(r"[A-Za-z0-9_.:+-]+\Z")  # written in JSON as it is, in any string
PLANS = object()  # the memo's mark for render plans (`Engine._planned` keeps them too)
Given = tuple[Mapping[str, Any], Any, dict[str, Any], Any]


def stand_in(n: int, digits: bool) -> str:
    """The `n`th stand-in value: digits (as a number's) or letters, none a part of another."""
    return f"7391028465{n:03d}" if digits else f"Qzv{n:03d}Hxj"


class Text:
    """A text with stand-ins, filled in by joining its pieces: a list of the literal parts with
    the stand-ins' numbers between them (what `str.format` would do, without parsing a format
    string of several kilobytes on every create)."""

    __slots__ = ("at", "pieces")

    def __init__(self, text: str, holes: list[str]) -> None:
        number = {hole: n for n, hole in enumerate(holes)}
        self.pieces: list[str] = []
        self.at: list[tuple[int, int]] = []  # (place in pieces, number of the stand-in)
        start = 0
        for match in re.finditer("|".join(map(re.escape, holes)), text) if holes else ():
            if match.start() > start:
                self.pieces.append(text[start : match.start()])
            self.at.append((len(self.pieces), number[match.group()]))
            self.pieces.append("")
            start = match.end()
        if start < len(text) or not self.pieces:
            self.pieces.append(text[start:])

    def fill(self, values: list[str]) -> str:
        pieces = self.pieces.copy()
        for i, n in self.at:
            pieces[i] = values[n]
        return "".join(pieces)


class Plan:
    """A create's answer as a `Text` and its document with stand-ins (see the module)."""

    __slots__ = (
        *("answer", "holes", "keyed", "numbers", "parts", "proven"),
        *("stamps", "status", "stored", "strings", "text", "objects"),
    )

    def __init__(self, holes: list[str], stamps: list[str], reply: Reply, stored: Any) -> None:
        self.holes = holes  # the stand-ins: the key, the made-up values, then one per timestamp
        self.stamps = stamps  # the recorded timestamps each stamp stand-in was written from
        self.status = reply.status
        self.proven: bool | None = None  # None: not yet compared with a create made the whole way
        self.answer = self._text(jsontext.answer(reply.body))
        self.stored = freeze(stored)
        self.keyed = rekeyed(self.stored, dict.fromkeys(holes, "")) is not self.stored  # in keys
        # the stored object's fields that hold a stand-in: a string (a `Text`), a number
        # (the place of its value), or a list or object (swapped); and the object's JSON text
        self.strings: dict[str, Text] = {}
        self.numbers: dict[str, int] = {}
        self.parts: list[str] = []
        self.objects: dict[str, tuple[dict[str, Text], dict[str, int]]] = {}  # flat ones, as above
        self.text: Text | None = None
        if self.stored.__class__ is not FrozenDict or self.keyed:
            return
        self.strings, self.numbers = self._fields(self.stored)
        for name, value in self.stored.items():
            if value.__class__ not in SHARED or not any(h in jsontext.default(value) for h in holes):
                continue
            if value.__class__ is FrozenDict and all(
                v.__class__ is str or v.__class__ in SCALARS for v in value.values()
            ):
                self.objects[name] = self._fields(value)
            else:
                self.parts.append(name)
        self.text = self._text(jsontext.default(self.stored))

    def _fields(self, value: FrozenDict) -> tuple[dict[str, Text], dict[str, int]]:
        """The fields of an object that hold a stand-in: strings (as `Text`s), numbers."""
        numbers = {int(h): n for n, h in enumerate(self.holes) if h.isdigit()}
        strings: dict[str, Text] = {}
        found: dict[str, int] = {}
        for name, v in value.items():
            if v.__class__ is str and any(h in v for h in self.holes):
                strings[name] = self._text(v)
            elif v.__class__ is int and v in numbers:
                found[name] = numbers[v]
        return strings, found

    def _text(self, text: str) -> Text:
        return Text(text, self.holes)

    def fill(self, values: list[str]) -> tuple[Reply, Any]:
        """The answer and the stored object with `values` in the stand-ins' places."""
        body = self.answer.fill(values).encode()
        if self.text is None:  # a list, or stand-ins in keys: swapped the whole way down
            pairs = dict(zip(self.holes, values, strict=True))
            stored = Swap(tuple(pairs.items()), exact=True).apply(self.stored)
            stored = rekeyed(stored, pairs) if self.keyed else stored
            return Reply(body, self.status), stored
        out = dict(self.stored)
        for name, text in self.strings.items():
            out[name] = text.fill(values)
        for name, n in self.numbers.items():
            out[name] = int(values[n])
        for name, (strings, numbers) in self.objects.items():
            inner = dict(self.stored[name])
            for key, text in strings.items():
                inner[key] = text.fill(values)
            for key, n in numbers.items():
                inner[key] = int(values[n])
            out[name] = FrozenDict(inner)
        if self.parts:
            swap = Swap(tuple(zip(self.holes, values, strict=True)), exact=True)
            for name in self.parts:
                out[name] = swap.part(self.stored[name])
        return Reply(body, self.status), FrozenDict(out)

    def text_of(self, stored: Any, values: list[str]) -> None:
        """Say that the stored object's JSON text is the plan's, filled in (`jsontext.known`)."""
        if self.text is not None:
            jsontext.known(stored, self.text.fill(values))


def planned(
    engine: Engine,
    call: Call,
    res: ResourceType,
    given: Given,
    key: str,
    minted: Mapping[str, Any],
    text: str | None,
) -> tuple[Reply, Any] | None:
    """The create's answer and document from its render plan, or None: to be made the whole way."""
    recorded, template, _, body = given
    if text is None or call.op.method == RPC or call.op.page is not None or not isinstance(body, dict):
        return None
    was_key = template.get(res.key)
    own = [key, *(str(v) for v in minted.values())]
    if (
        (was_key is not None and str(was_key) == key)
        or (key.isdigit() and str(int(key)) != key)
        or any(v == body.get(n) for n, v in minted.items())
        or not all(SAFE.match(v) for v in own)
    ):
        return None
    kinds = "".join("d" if v.isdigit() else "s" for v in own)
    path = "\n".join(f"{k}={v}" for k, v in call.path.items())
    plan = engine._planned.get(
        (PLANS, recorded, res, engine.examples, engine.shape(call)),
        f"{text}\n{call.base_url}\n{path}\n{kinds}",
        lambda: _plan(engine, call, res, given, minted, kinds),
    )
    if plan.proven is False:
        return None
    now = call.now()
    values = own + [stamp_like(v, now) for v in plan.stamps]
    if not all(SAFE.match(v) for v in values[len(own) :]):
        return None
    filled = plan.fill(values)
    if plan.proven is None:  # the first: made the whole way too, and compared
        whole = engine.made(call, res, given, key, minted, None, now)
        plan.proven = same(whole, filled, plan.text.fill(values) if plan.text is not None else None)
        return whole
    plan.text_of(filled[1], values)
    return filled


def _plan(
    engine: Engine, call: Call, res: ResourceType, given: Given, minted: Mapping[str, Any], kinds: str
) -> Plan:
    holes = [stand_in(n, kind == "d") for n, kind in enumerate(kinds)]
    stand_ins = {
        name: int(hole) if isinstance(value, int) else hole
        for (name, value), hole in zip(minted.items(), holes[1:], strict=True)
    }
    stamps: list[str] = []

    def stamp(recorded: str) -> str:
        if recorded not in stamps:
            stamps.append(recorded)
        return stand_in(len(holes) + stamps.index(recorded), False)

    reply, stored = engine.made(call, res, given, holes[0], stand_ins, None, call.now(), stamp)
    holes += [stand_in(len(holes) + n, False) for n in range(len(stamps))]
    if reply.error is not None or reply.headers or not isinstance(reply.body, dict | list):
        plan = Plan(holes, stamps, Reply({}), stored)
        plan.proven = False
        return plan
    return Plan(holes, stamps, reply, stored)


def same(whole: tuple[Reply, Any], filled: tuple[Reply, Any], text: str | None) -> bool:
    """Whether a plan's create is the create made the whole way: its answer byte for byte, its
    status and headers, and its document's JSON text (and the plan's `text` of it, if any)."""
    reply, stored = whole
    written = jsontext.default(stored)
    return (
        reply.error is None
        and not reply.headers
        and reply.status == filled[0].status
        and compact(reply.body) == filled[0].body
        and written == jsontext.default(filled[1])
        and (text is None or text == written)
    )
