"""Ready JSON: values a twin's render cache made together with their JSON text (`Encoded`, a list;
`EncodedObject`, an object), and `dumps`, which writes an answer holding them as
`json.dumps(answer, separators=(",", ":"))` would, byte for byte, splicing their text in instead of
encoding them again. A mount that takes them says `Mount(encode=ready.dumps)`; the values are
read-only by contract (their text is not updated if they are changed)."""

from __future__ import annotations

from typing import Any

from twins._runtime import jsontext

# json.dumps(value, separators=(",", ":")), with its C encoder built once.
encode = jsontext.compact
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


READY = (Encoded, EncodedObject)
_READY = frozenset(READY)  # exact classes: nothing derives from them
_KEYS: dict[str, bytes] = {}


def _key(key: str) -> bytes:
    """`"key":` as json.dumps writes an object's key (remembered: handlers use a few keys)."""
    written = _KEYS.get(key)
    if written is None:
        if len(_KEYS) > 1000:
            _KEYS.clear()
        written = _KEYS[key] = encode(key).encode() + b":"
    return written


def dumps(payload: dict[str, Any]) -> bytes:
    """`json.dumps(payload, separators=(",", ":")).encode()`, byte for byte. Top-level `Encoded`
    and `EncodedObject` values are spliced in from their text, and the members between them are
    written by the C encoder in one go. With one ready value, the answer is remembered on it, and
    the same answer around it again is that very bytes object (a 60 kB history page is then
    neither copied nor allocated again)."""
    for value in payload.values():
        if value.__class__ in _READY:
            break
    else:
        return encode(payload).encode()
    parts: list[bytes] = []  # members, each ready one as its key with an empty text for now
    slots: list[tuple[int, Encoded | EncodedObject]] = []
    plain: dict[str, Any] = {}
    for key, value in payload.items():
        if value.__class__ in _READY:
            if plain:
                parts.append(encode(plain)[1:-1].encode())
                plain = {}
            slots.append((len(parts), value))
            parts.append(_key(key))
        else:
            plain[key] = value
    if plain:
        parts.append(encode(plain)[1:-1].encode())
    around = tuple(parts)
    one = len(slots) == 1
    if one:
        last = slots[0][1].answer
        if last is not None and last[0] == around:
            return last[1]
    for at, value in slots:
        parts[at] += value.raw
    body = b"{" + b",".join(parts) + b"}"
    if one:
        slots[0][1].answer = (around, body)
    return body
