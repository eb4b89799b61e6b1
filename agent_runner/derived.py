"""Keys a vendor derives from what a create sends: Okta keys a standard role assignment by its
`type` in base32 (`APP_ADMIN` -> `IFIFAX2BIRGUSTQ`). Learnt where, of a collection's creates,
`AT_LEAST` got a key that is a plain encoding of one top-level word the request sent: the keys
of those words (only those: other words still get made-up keys), used by the twin's creates
(`twins.kit.echoes.derived_key`)."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from agent_runner.model import Resource

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # creates whose key encodes the same field's word


def _base32(value: str) -> str:
    return base64.b32encode(value.encode()).decode().rstrip("=")


def _base64(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


ENCODINGS: dict[str, Callable[[str], str]] = {"base32": _base32, "base64": _base64}


def learn_derived(
    resources: dict[str, Resource], seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> None:
    found: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (collection, field) -> word: key
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        res = resources.get(coll)
        ok = 200 <= s.status < 300 and isinstance(s.request, dict) and isinstance(s.response, dict)
        if res is None or kind != "create" or not ok:
            continue
        key = s.response.get(res.key)
        for field, value in s.request.items():
            word = isinstance(key, str) and isinstance(value, str) and len(value) >= 3
            if word and any(encode(value) == key for encode in ENCODINGS.values()):
                found[(coll, field)][value] = str(key)
    for (coll, field), keys in found.items():
        if len(keys) >= AT_LEAST:
            resources[coll].derived = {"field": field, "keys": dict(sorted(keys.items()))}
