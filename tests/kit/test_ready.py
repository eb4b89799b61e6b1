"""twins.kit.ready: answers written with ready JSON spliced in are json.dumps' bytes exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from twins.kit import ready as wire


def dumped(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


PAYLOADS: list[dict[str, Any]] = [
    {"ok": True},
    {"ok": True, "a": [1, 2.5, None, 'x\u00e9\u2028"\\'], "b": {"c": []}, "d": float("inf")},
    {"ok": False, "error": "x", "response_metadata": {"messages": ["[ERROR] y"]}},
    {"ok": True, "n": 3, "z": 0, "neg": -5, "big": 10**30, "f": 1.5, "none": None, "no": False},
    {'k\u00e9"y': "v", "": "", "nan": float("nan"), "t": (1, 2)},
]
ITEMS = [{"text": "\u65e5 <&>", "n": 1}, {"x": None, "y": [True, 1e100]}]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dumps_is_json_dumps(payload: dict[str, Any]) -> None:
    assert wire.dumps(payload) == dumped(payload)
    spliced = {**payload, "messages": wire.Encoded(ITEMS, dumped(ITEMS))}
    assert wire.dumps(spliced) == dumped({**payload, "messages": ITEMS})
    one = wire.EncodedObject(ITEMS[0], dumped(ITEMS[0]))
    assert wire.dumps({"message": one, **payload}) == dumped({"message": ITEMS[0], **payload})
    two = {"first": one, **payload, "last": wire.Encoded(ITEMS, dumped(ITEMS))}
    assert wire.dumps(two) == dumped({"first": ITEMS[0], **payload, "last": ITEMS})


def test_the_same_answer_around_a_ready_value_is_written_once() -> None:
    page = wire.Encoded(ITEMS, dumped(ITEMS))
    first = wire.dumps({"ok": True, "messages": page, "has_more": False})
    again = wire.dumps({"ok": True, "messages": page, "has_more": False})
    assert again is first and first == dumped({"ok": True, "messages": ITEMS, "has_more": False})
    other = wire.dumps({"ok": True, "messages": page, "has_more": True})
    assert other == dumped({"ok": True, "messages": ITEMS, "has_more": True})
    moved = wire.dumps({"messages": page, "ok": True, "has_more": True})
    assert moved == dumped({"messages": ITEMS, "ok": True, "has_more": True})
