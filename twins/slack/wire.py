"""Writing Web API answers: `json.dumps(payload, separators=(",", ":"))` byte for byte, with parts
whose JSON is ready (rendered messages) spliced in rather than encoded again."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from twins.slack import errors

JSON_TYPE = errors.JSON_TYPE.encode()

# json.dumps(value, separators=(",", ":")) without building an encoder per call.
ENCODER = json.JSONEncoder(separators=(",", ":"))
# An answer written around a ready value: the pieces around it, and the whole answer.
Answer = tuple[tuple[bytes, ...], bytes]


class Encoded(list[Any]):
    """A list of JSON values that also carries its JSON text (as bytes: json.dumps writes ASCII),
    so that an answer holding it as a top-level value is written without encoding it again.
    Read-only by contract: the text is not updated if the list is changed."""

    def __init__(self, items: list[Any], raw: bytes) -> None:
        super().__init__(items)
        self.raw = raw
        self.answer: Answer | None = None


class EncodedObject(dict[str, Any]):
    """A JSON object that also carries its JSON text, as `Encoded` does for a list."""

    def __init__(self, items: dict[str, Any], raw: bytes) -> None:
        super().__init__(items)
        self.raw = raw
        self.answer: Answer | None = None


class JSONAnswer(Response):
    """A 200 JSON answer from ready bytes and raw headers, as `Response(body, headers=...,
    media_type=JSON)` would make it (the headers given, then length and type), without building
    and encoding the headers again."""

    media_type = JSON_TYPE.decode()

    def __init__(self, body: bytes, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        raw_headers.append((b"content-length", str(len(body)).encode()))
        raw_headers.append((b"content-type", JSON_TYPE))
        self.raw_headers = raw_headers


READY = (Encoded, EncodedObject)
SCALARS = {None: b"null", True: b"true", False: b"false"}
_KEYS: dict[str, bytes] = {}


def _key(key: str) -> bytes:
    """`"key":` as json.dumps writes an object's key (remembered: handlers use a few keys)."""
    written = _KEYS.get(key)
    if written is None:
        if len(_KEYS) > 1000:
            _KEYS.clear()
        written = _KEYS[key] = ENCODER.encode(key).encode() + b":"
    return written


def dumps(payload: dict[str, Any]) -> bytes:
    """`json.dumps(payload, separators=(",", ":")).encode()`, byte for byte. Top-level `Encoded`
    and `EncodedObject` values are spliced in from their text; when there is one, the answer is
    remembered on it, and the same answer around it again is that very bytes object (a 60 kB
    history page is then neither copied nor allocated again)."""
    if not any(isinstance(value, READY) for value in payload.values()):
        return ENCODER.encode(payload).encode()
    pieces: list[bytes] = []
    slots: list[tuple[int, Encoded | EncodedObject]] = []
    for key, value in payload.items():
        pieces.append(b"," if pieces else b"{")
        pieces.append(_key(key))
        if isinstance(value, READY):
            slots.append((len(pieces), value))
            pieces.append(b"")  # the ready text goes here
        elif type(value) is int or value is None or value is True or value is False:
            pieces.append(SCALARS[value] if value is None or type(value) is bool else str(value).encode())
        else:
            pieces.append(ENCODER.encode(value).encode())
    pieces.append(b"}")
    around = tuple(pieces)
    if len(slots) == 1:
        last = slots[0][1].answer
        if last is not None and last[0] == around:
            return last[1]
    for at, value in slots:
        pieces[at] = value.raw
    body = b"".join(pieces)
    if len(slots) == 1:
        slots[0][1].answer = (around, body)
    return body
