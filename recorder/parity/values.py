"""Compare a twin's answer with the recorded one, value by value, volatile values aside."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recorder.normalize import SLACK_TS, TIMESTAMP

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# Secrets, cursors, hashes, JWTs: long opaque strings with digits and letters mixed.
OPAQUE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-+/=.~]{24,}$")
CAPS_ENUM = re.compile(r"^[A-Z][A-Z0-9_]{0,47}$")
WORD_ENUM = re.compile(r"^[a-z][A-Za-z0-9_.:\-]{0,47}$")
# Keys whose lower-case word values are enumerations (`type`, `grant_types`, `signOnMode`...).
ENUM_KEY_ENDINGS = (
    "type", "types", "status", "mode", "method", "methods", "kind", "state", "scheme",
    "error", "errorcode", "supported", "alg", "use", "presence",
)  # fmt: skip

FREE_TEXT_KEY_ENDINGS = ("name", "label", "title", "text", "description", "login", "email", "value")


@dataclass(frozen=True)
class Difference:
    """One way a twin's answer differs from the recording; `path` uses `[]` for list items."""

    path: str
    what: str  # status | missing | count | keys | type | value | kind | body | cursor | credential
    recorded: Any = None
    twin: Any = None

    def explain(self) -> str:
        """A sentence that says what differs."""
        where = f"`{self.path}`" if self.path else "the body"
        if self.what == "status":
            return f"status {self.recorded} recorded, {self.twin} from the twin"
        if self.what == "missing":
            return f"{where} missing from the twin's answer"
        if self.what == "count":
            return f"{where}: {self.recorded} items recorded, {self.twin} from the twin"
        if self.what == "keys":
            return f"{where}: an empty object recorded, {self.twin} keys from the twin"
        if self.what == "credential":
            return f"recorded with {self.recorded} credential, which the twin cannot provide"
        if self.what == "cursor":
            return f"{where}: next-page cursor {self.recorded} recorded, {self.twin} from the twin"
        return f"{where}: {self.recorded!r} recorded, {self.twin!r} from the twin"


@dataclass
class Comparison:
    """What to compare: ids known to match, strings the requests set, the vendor's id shape."""

    is_id: Callable[[str], bool]
    ids: Mapping[str, str] = field(default_factory=dict)
    request_strings: set[str] = field(default_factory=set)
    enum_keys: frozenset[str] = frozenset()
    number_keys: frozenset[str] = frozenset()
    found: list[Difference] = field(default_factory=list)
    values: bool = True  # False inside a list item whose twin counterpart is not known
    # recorded -> twin values the twin made up for fields of the objects being compared (a
    # custom app's `name`): a key that embeds one is looked for with the twin's value
    renamed: dict[str, str] = field(default_factory=dict)

    def add(self, difference: Difference) -> None:
        if all((d.path, d.what) != (difference.path, difference.what) for d in self.found):
            self.found.append(difference)

    def rewrite(self, text: str) -> str:
        """A recorded string with the recorded ids in it replaced by the twin's."""
        for recorded in sorted(self.ids, key=len, reverse=True):
            if recorded in text:
                text = replace_id(text, recorded, self.ids[recorded])
        return text

    def is_number_id(self, value: Any, key: str) -> bool:
        """An integer under a key that holds ids (`id`, `issue_id`, GitHub's `number`)."""
        is_int = isinstance(value, int) and not isinstance(value, bool)
        return is_int and (is_id_key(key) or key in self.number_keys)


def replace_id(text: str, recorded: str, twin: str) -> str:
    """`recorded` replaced by `twin` in text; a short or numeric id only where it stands alone
    (issue 12 is not the 12 of `per_page=120`)."""
    if len(recorded) >= 8 and not recorded.isdigit():
        return text.replace(recorded, twin)
    return re.sub(rf"(?<![0-9A-Za-z]){re.escape(recorded)}(?![0-9A-Za-z])", lambda _: twin, text)


def volatile_kind(value: str, is_id: Callable[[str], bool]) -> str | None:
    """`id`, `timestamp`, `url`, `secret`... for a value that differs between runs by nature."""
    if is_id(value) or UUID.match(value):
        return "id"
    if TIMESTAMP.match(value) or SLACK_TS.match(value):
        return "timestamp"
    if value.startswith(("http://", "https://")):
        return "url"
    if OPAQUE.match(value):
        return "secret"
    return None


def is_epoch(value: float) -> bool:
    """Seconds or milliseconds since 1970 between 2001 and 2286: a timestamp, not a count."""
    return 1e9 <= value < 1e10 or 1e12 <= value < 1e13


def is_enum(key: str, value: str, enum_keys: frozenset[str]) -> bool:
    """An enumeration value: ALL_CAPS, or a lower-case word under a key that names a kind; never
    under a key that holds a name or free text (`first_name`: "AWS")."""
    lowered = key.lower()
    if lowered.endswith(FREE_TEXT_KEY_ENDINGS):
        return False
    if CAPS_ENUM.match(value):
        return True
    return bool(WORD_ENUM.match(value)) and (lowered in enum_keys or lowered.endswith(ENUM_KEY_ENDINGS))


def compare(recorded: Any, twin: Any, cmp: Comparison, path: str = "", key: str = "") -> None:
    """Walk the recorded value and add to `cmp.found` every way the twin's value differs."""
    if isinstance(recorded, dict):
        if not isinstance(twin, dict):
            cmp.add(Difference(path, "type", "an object", type_name(twin)))
        elif not recorded and twin and cmp.values:
            cmp.add(Difference(path, "keys", 0, len(twin)))
        else:
            outer = cmp.renamed
            cmp.renamed = {**outer, **made_up(recorded, twin, cmp)}
            try:
                for name, value in recorded.items():
                    where = f"{path}.{name}" if path else str(name)
                    mine = name if name in twin else rekey(str(name), cmp.renamed)
                    if mine not in twin:
                        cmp.add(Difference(where, "missing"))
                    else:
                        compare(value, twin[mine], cmp, where, str(name))
            finally:
                cmp.renamed = outer
    elif isinstance(recorded, list):
        if not isinstance(twin, list):
            cmp.add(Difference(path, "type", "a list", type_name(twin)))
            return
        if len(recorded) != len(twin) and cmp.values:
            cmp.add(Difference(path, "count", len(recorded), len(twin)))
        if recorded and cmp.values and all(not isinstance(r, dict | list) for r in recorded):
            compare_scalars(recorded, twin, cmp, f"{path}[]", key)
        else:
            for index, r_item in enumerate(recorded):
                compare_item(r_item, twin, index, cmp, f"{path}[]", key)
    elif cmp.values:
        compare_scalar(recorded, twin, cmp, path, key)


def made_up(recorded: dict[str, Any], twin: dict[str, Any], cmp: Comparison) -> dict[str, str]:
    """The object's string fields whose values the twin is free to make up (no request set them;
    no enumeration, id, time or URL) and made up otherwise: recorded value -> the twin's."""
    out: dict[str, str] = {}
    for key, value in recorded.items():
        mine = twin.get(key)
        if not (isinstance(value, str) and isinstance(mine, str)) or value == mine or len(value) < 6:
            continue
        kind = volatile_kind(value, cmp.is_id)  # a long made-up name looks like a secret
        if kind in (None, "secret") and expectation(value, cmp, str(key)) is None:
            out[value] = mine
    return out


def rekey(key: str, renamed: Mapping[str, str]) -> str:
    """A recorded key with the made-up values it embeds replaced by the twin's (longest first)."""
    for old in sorted(renamed, key=len, reverse=True):
        if old in key:
            return key.replace(old, renamed[old])
    return key


def compare_item(recorded: Any, twin: list[Any], index: int, cmp: Comparison, path: str, key: str) -> None:
    """A list item against the twin item of the mapped id; an item of unknown identity (one the
    twin's fresh tenant does not hold) against the item at its index, key structure only."""
    recorded_id = recorded.get("id") if isinstance(recorded, dict) else None
    if not isinstance(recorded_id, str):
        if index < len(twin):
            compare(recorded, twin[index], cmp, path, key)
        return
    twin_id = cmp.ids.get(recorded_id, recorded_id)
    same = [t for t in twin if isinstance(t, dict) and t.get("id") == twin_id]
    if same:
        compare(recorded, same[0], cmp, path, key)
    elif twin:
        values, cmp.values = cmp.values, False
        try:
            compare(recorded, merged(twin), cmp, path, key)
        finally:
            cmp.values = values


def merged(items: list[Any]) -> Any:
    """The union of the twin's list items: every key any of them has (for structure only)."""
    out: Any = None
    for item in items:
        if isinstance(item, dict) and isinstance(out, dict):
            out = {**out, **{k: merged([out[k], v]) if k in out else v for k, v in item.items()}}
        elif isinstance(item, list) and isinstance(out, list):
            out = out + item
        elif out is None or not isinstance(out, dict | list):
            out = item
    return out


def compare_scalars(recorded: list[Any], twin: list[Any], cmp: Comparison, path: str, key: str) -> None:
    """A list of scalars as a set: every compared recorded item must be among the twin's."""
    for item in recorded:
        expected = expectation(item, cmp, key)
        if expected is not None and expected not in twin:
            cmp.add(Difference(path, "value", item, None))
            return


def compare_scalar(recorded: Any, twin: Any, cmp: Comparison, path: str, key: str) -> None:
    if recorded == twin:
        return
    if cmp.is_number_id(recorded, key) and cmp.is_number_id(twin, key):
        mapped = cmp.ids.get(str(recorded))
        if mapped is not None and mapped != str(twin):
            cmp.add(Difference(path, "value", recorded, twin))
        return
    if recorded is None or twin is None or type_name(recorded) != type_name(twin):
        cmp.add(Difference(path, "type" if None not in (recorded, twin) else "value", recorded, twin))
        return
    if isinstance(recorded, bool):
        cmp.add(Difference(path, "value", recorded, twin))
    elif isinstance(recorded, int | float):
        if not (is_epoch(recorded) or is_epoch(twin)):
            cmp.add(Difference(path, "value", recorded, twin))
    elif isinstance(recorded, str):
        compare_string(recorded, str(twin), cmp, path, key)


def compare_string(recorded: str, twin: str, cmp: Comparison, path: str, key: str) -> None:
    if cmp.ids.get(recorded) == twin:
        return
    expected = expectation(recorded, cmp, key)
    if expected is not None:
        if expected != twin:
            cmp.add(Difference(path, "value", recorded, twin))
        return
    kind = volatile_kind(recorded, cmp.is_id)
    if kind is not None and kind != volatile_kind(twin, cmp.is_id) and kind != "secret":
        cmp.add(Difference(path, "kind", f"<{kind}>", f"<{volatile_kind(twin, cmp.is_id) or 'text'}>"))


def expectation(recorded: Any, cmp: Comparison, key: str) -> Any:
    """The value the twin must give for a recorded one, or None when it is free to differ."""
    if cmp.is_number_id(recorded, key):
        mapped = cmp.ids.get(str(recorded))
        return None if mapped is None else int(mapped) if mapped.isdigit() else mapped
    if not isinstance(recorded, str):
        return None if isinstance(recorded, float | int) and is_epoch(recorded) else recorded
    if recorded in cmp.request_strings:
        return cmp.rewrite(recorded)
    if volatile_kind(recorded, cmp.is_id) is not None or is_id_key(key):
        return None
    return recorded if is_enum(key, recorded, cmp.enum_keys) else None


def is_id_key(key: str) -> bool:
    """`id`, `team_id`, `userId`: a key whose value is an id, whatever its shape."""
    return key == "id" or key.endswith(("_id", "Id", "_ids", "Ids"))


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"
