"""Answers that name an item by a value its create sent: a vendor that keys an item by a name the
client chose links to it by that name (Okta's linked object definition at
`…/linkedObjects/<primary.name>`), or builds other values around it (a custom domain's DNS record
`_oktaverification.<domain>`). A create's answer made from a recorded one carries the recorded
request's values there; each string the recorded request sent, found whole in a string of the
answer (not inside a longer name; as sent, or all in lower or upper case), takes the value this
request sends at the same place (written alike)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from twins.kit.templates import SECRET

VALUE = re.compile(r"[A-Za-z0-9_.~-]{6,200}\Z")  # written in a URL as it is, long enough to be a name
WORD = re.compile(r"[a-z]+\Z")  # a plain word: as likely a fixed part of the vendor's paths
DEPTH = 4


def sent_strings(recorded: Any, given: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(recorded value, given value) of the strings both requests send at the same place, but
    secrets (never answered)."""
    if depth >= DEPTH or not isinstance(recorded, Mapping) or not isinstance(given, Mapping):
        return
    for key, was in recorded.items():
        now = given.get(key)
        if isinstance(was, str) and isinstance(now, str) and not SECRET.search(str(key)):
            if was != now and VALUE.match(was) and VALUE.match(now) and not WORD.match(was):
                yield was, now
        elif isinstance(was, Mapping):
            yield from sent_strings(was, now, depth + 1)


def pattern(names: Mapping[str, str]) -> re.Pattern[str]:
    """The recorded values, each found whole (longest first)."""
    words = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_-])(?:{words})(?![A-Za-z0-9_-])", re.IGNORECASE)


def _new(text: str, names: Mapping[str, str]) -> str:
    """What a found value becomes: the given one as sent, or written in lower or upper case
    where the recorded answer wrote the recorded value so (a vendor that lowercases a domain)."""
    for was, now in names.items():
        if text == was:
            return now
        for case in (str.lower, str.upper):
            if text == case(was):
                return case(now)
    return text


def renamed(body: Any, names: Mapping[str, str], found: re.Pattern[str]) -> Any:
    """`body` with the recorded values in its strings renamed."""
    if isinstance(body, dict):
        return {key: renamed(value, names, found) for key, value in body.items()}
    if isinstance(body, list):
        return [renamed(value, names, found) for value in body]
    if isinstance(body, str) and len(body) >= 6:
        return found.sub(lambda m: _new(m.group(0), names), body)
    return body


def named_links(body: Any, recorded: Any, given: Any) -> Any:
    """The answer to `given` made from the one to `recorded`, naming what `given` sent."""
    pairs = list(sent_strings(recorded, given))
    names = dict(pairs)
    for was, now in pairs:  # one recorded value sent in two places, now two values: neither
        if names.get(was, now) != now:
            names.pop(was)
    return renamed(body, names, pattern(names)) if names else body
