"""Seedable id and random source, one per tenant: the same seed yields the same ids in order."""

from __future__ import annotations

import hashlib
import random
import string
from typing import Any

ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"


class IdSource:
    """Deterministic ids: the n-th id of a kind depends only on (seed, scope, kind, n).

    `scope` is the tenant id, so two tenants with one seed get distinct ids and credentials.
    """

    def __init__(self, seed: int, counters: dict[str, int] | None = None, scope: str = "") -> None:
        self.seed = seed
        self.scope = scope
        self.counters: dict[str, int] = dict(counters or {})

    def _digest(self, kind: str) -> bytes:
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        key = f"{self.seed}:{self.scope}:{kind}:{n}" if self.scope else f"{self.seed}:{kind}:{n}"
        return hashlib.blake2b(key.encode(), digest_size=32).digest()

    def chars(self, kind: str, length: int, alphabet: str = ALNUM) -> str:
        """`length` characters of `alphabet`, the next in this kind's sequence."""
        digest = self._digest(kind)
        value = int.from_bytes(digest, "big")
        out = []
        base = len(alphabet)
        for _ in range(length):
            value, rem = divmod(value, base)
            out.append(alphabet[rem])
            if value == 0:
                value = int.from_bytes(hashlib.blake2b(digest, digest_size=32).digest(), "big")
        return "".join(out)

    def next(self, kind: str, *, prefix: str = "", length: int = 10, alphabet: str = ALNUM) -> str:
        return prefix + self.chars(kind, length, alphabet)

    def hex(self, kind: str, length: int = 32) -> str:
        return self.chars(kind, length, HEX)

    def uuid(self, kind: str) -> str:
        h = self.hex(kind, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def sequence(self, kind: str) -> int:
        """The next integer of a plain counter (1, 2, 3, ...)."""
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        return n

    def rng(self, kind: str) -> random.Random:
        """A `random.Random` whose seed is the next in this kind's sequence."""
        return random.Random(int.from_bytes(self._digest(kind)[:8], "big"))

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "counters": dict(sorted(self.counters.items()))}
