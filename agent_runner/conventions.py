"""The conventions a service's recordings show across its endpoints: kinds of request (the
variants a twin answers from), auth schemes, the error style, the pagination style, and how keys
are made."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent_runner.model import Example, IdShape
from agent_runner.shapes import DATE_TIME
from recorder.parity.world import KIND_WORD
from recorder.trace import Exchange

if TYPE_CHECKING:
    from agent_runner.infer import Seen

Recording = tuple[str, list[Exchange]]


@dataclass
class Variant:
    """An answer to one kind of request (or client), the recorded answer it was made from, and
    every recorded answer of that kind."""

    example: Example
    source: Seen
    kind: list[Seen]


VARIANTS = 16  # kinds of request (an API whose creates come in a dozen kinds keeps each)
PER_KIND = 3  # the last requests of each kind (the twin answers from the most alike)


def signature(body: Any) -> tuple[Any, ...]:
    """What kind of request a body is: its top-level fields and their word-like values
    (`signOnMode: OPENID_CONNECT`, `type: OKTA_SIGN_ON`)."""
    if not isinstance(body, dict):
        return (type(body).__name__,)
    words = tuple(sorted((k, v) for k, v in body.items() if isinstance(v, str) and KIND_WORD.match(v)))
    return (tuple(sorted(body)), words)


def variants(best: Sequence[Seen]) -> list[Variant]:
    """The last answers to each kind of request (up to 3 distinct requests of a kind), the most
    frequent kinds first (at most `VARIANTS`): each with the answer it was made from and every
    answer of its kind (what `agent_runner.eras` dates and splits by time)."""
    last: dict[tuple[Any, ...], dict[str, Seen]] = defaultdict(dict)
    of_kind: dict[tuple[Any, ...], list[Seen]] = defaultdict(list)
    for s in best:
        key = signature(s.request)
        shown = last[key]
        text = json.dumps(s.request, sort_keys=True)
        shown.pop(text, None)
        shown[text] = s
        if len(shown) > PER_KIND:
            shown.pop(next(iter(shown)))
        of_kind[key].append(s)
    if len(of_kind) < 2:
        return []
    kinds = sorted(of_kind, key=lambda k: -len(of_kind[k]))[:VARIANTS]  # stable: first seen first
    return [Variant(s.example(), s, of_kind[key]) for key in kinds for s in last[key].values()]


def fields_in(body: Any) -> int:
    """How many fields a body holds (the first five items of a list counted)."""
    if isinstance(body, dict):
        return len(body) + sum(fields_in(v) for v in body.values())
    if isinstance(body, list):
        return 1 + sum(fields_in(v) for v in body[:5])
    return 0


def auth_schemes(recordings: Sequence[Recording]) -> list[str]:
    schemes: Counter[str] = Counter()
    for _, items in recordings:
        for e in items:
            value = e.header("request", "authorization")
            if value:
                schemes[value.split(" ")[0].lower()] += 1
    return [s for s, _ in schemes.most_common()]


def error_style(seen: Sequence[Seen]) -> tuple[str, dict[str, Example]]:
    """The vendor's error style from its error bodies, and its usual error per status."""
    errors: dict[str, Example] = {}
    keys: Counter[str] = Counter()
    for s in seen:
        if s.status >= 400 and isinstance(s.response, dict):
            errors.setdefault(str(s.status), s.example())
            keys.update(s.response)
        elif isinstance(s.response, dict) and s.response.get("ok") is False:
            keys["ok"] += 1
    if keys["errorCode"] and keys["errorSummary"]:
        return "okta", errors
    if keys["errorMessages"]:
        return "jira", errors
    if keys["ok"] and not errors:
        return "slack", errors
    return "learned", errors


def pagination(seen: Sequence[Seen]) -> tuple[str, str]:
    links = Counter(
        "link-after" if "after=" in s.link else "link-page" if "page=" in s.link else ""
        for s in seen
        if 'rel="next"' in s.link
    )
    links.pop("", None)
    if links:
        return links.most_common(1)[0][0], ""
    for s in seen:
        if isinstance(s.response, dict) and "startAt" in s.response and "total" in s.response:
            key = next((k for k, v in s.response.items() if isinstance(v, list)), "values")
            return "offset-total", key
    return "none", ""


def is_stamp(value: Any) -> bool:
    return isinstance(value, str) and bool(DATE_TIME.match(value))


def id_shape(keys: Sequence[str]) -> IdShape:
    """How keys are made, from examples of them."""
    if not keys:
        return IdShape()
    if all(k.isdigit() for k in keys):
        longest = max(len(k) for k in keys)
        kind = "sequence" if longest <= 4 else "number"
        return IdShape(kind=kind, alphabet="0123456789", length=longest, example=keys[-1])
    prefix = keys[0]
    for k in keys[1:]:
        while not k.startswith(prefix):
            prefix = prefix[:-1]
    if all(re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-", k) for k in keys):
        return IdShape(kind="uuid", alphabet="0123456789abcdef", length=36, example=keys[-1])
    heads = Counter(k[:3] for k in keys)
    fixed = len({len(k) for k in keys}) == 1
    if len(prefix) < 3 and fixed and len(keys) >= 4 and 1 < len(heads) <= max(2, len(keys) // 4):
        # a few kinds of item, each with its own first characters (Okta's `00p` and `rst` policies)
        chars = set("".join(k[3:] for k in keys))
        return IdShape(kind="like", alphabet=_alphabet(chars), length=len(keys[0]), example=keys[-1])
    if len(prefix) < 3 and not fixed and len(heads) > 1:
        # keys of several lengths and first characters (Okta's role assignments: `ra1…` and
        # `IFIF…`): each new one like the recorded key of the answer it is made from
        chars = set("".join(k[3:] for k in keys))
        return IdShape(kind="like", alphabet=_alphabet(chars), length=len(keys[-1]), example=keys[-1])
    if len(prefix) < 3 and len({len(k) for k in keys}) == 1 and keys[0][:1] == "0":
        prefix = heads.most_common(1)[0][0]  # Okta: 00u, 0pr, 0oa by type
    chars = set("".join(k[len(prefix) :] for k in keys))
    alphabet = _alphabet(chars)
    length = max(len(k) for k in keys) - len(prefix)
    return IdShape(
        kind="text", prefix=prefix, alphabet=alphabet or "0123456789abcdef", length=length, example=keys[-1]
    )


def _alphabet(chars: set[str]) -> str:
    """The character classes (digits, lower, upper case) `chars` use, and their other characters."""
    return "".join(
        part
        for part, test in (
            ("0123456789", str.isdigit),
            ("abcdefghijklmnopqrstuvwxyz", str.islower),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", str.isupper),
        )
        if any(test(c) for c in chars)
    ) + "".join(sorted(c for c in chars if not c.isalnum()))
