"""Request bodies are parsed with pydantic-core's parser where it agrees with `json.loads`, and
with `json.loads` wherever it refuses: the same values, the same errors."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from twins.kit.runtime import parse_json

TEXTS = [
    b'{"title":"bench","labels":["a","b"],"n":1,"f":1.5,"t":true,"z":null}',
    b'"\\ud800"',
    b'"\\ud800\\udc00"',
    b'{"\\ud800":1}',
    b'"\xed\xa0\x80"',
    b"\xef\xbb\xbf{}",
    b"1e400",
    b"-1e400",
    b"1e-400",
    b"4.9e-324",
    b"123456789012345678901234567890123",
    b"-0",
    b"-0.0",
    b'{"a":1,"b":2,"a":3}',
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b'"a\\u0000b"',
    b"[" * 300 + b"]" * 300,
    b"9007199254740993",
    b"1.7976931348623157e308",
    b"-12345678901234567890.5",
    b'  {"a" : 1 }\t\n',
]
BAD = [b'"a\x01b"', b"01", b"1.", b".5", b"+1", b'"\xff"', b"[1,]", b'{"a":1,}', b"{'a':1}", b"{} x",
       b"nan", b"0x10", b"[1 2]", b"\x0c{}", b'"\\x"', b"[" * 100_000]  # fmt: skip


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_values_are_json_loads_values() -> None:
    rng = random.Random(7)
    numbers = [repr(rng.random() * 10 ** rng.randint(-300, 300)).encode() for _ in range(2000)]
    numbers += [str(rng.randint(-(2**70), 2**70)).encode() for _ in range(500)]
    for text in TEXTS + numbers:
        assert same(parse_json(text), json.loads(text)), text[:60]


@pytest.mark.parametrize("text", BAD, ids=range(len(BAD)))
def test_errors_are_json_loads_errors(text: bytes) -> None:
    with pytest.raises((ValueError, RecursionError)) as ours:
        parse_json(text)
    with pytest.raises((ValueError, RecursionError)) as theirs:
        json.loads(text)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
