"""Kinds of item: a field of the create request whose word values (Okta's app `name`:
`pagerduty`, `bookmark`, `oidc_client`) decide parts of the answer.

* Kind objects: an object the requests supply whose set of fields is the same in every recorded
  answer for one value of the field and differs between values (an app's `settings.app`: a
  `pagerduty` app's holds `adminUserId`, `baseUrl` and `subdomain`, a bookmark's `url` and
  `requestIntegration`). An answer of a recorded kind holds that object with that kind's fields,
  those the request leaves out with the value every recorded answer of the kind had; an answer
  of a kind never recorded holds what the request sent there.
* Rewrites: a word value the service stores otherwise than it was sent (Okta answers an
  `AUTO_LOGIN` catalog app as `BROWSER_PLUGIN`), every time that value was sent, or every time
  it was sent with (or without) another kind field, where the other side kept the value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from agent_runner.model import Resource
from recorder.parity.world import KIND_WORD

if TYPE_CHECKING:
    from agent_runner.infer import Seen

AT_LEAST = 2  # recorded answers of a kind needed to learn its objects
DEPTH = 4
MISSING = object()
Pairs = Sequence[tuple[dict[str, Any], dict[str, Any]]]


def kind_fields(pairs: Pairs) -> list[str]:
    """Top-level request fields that hold a string whenever sent, at least two of them words
    (`pagerduty`, `SAML_2_0`; names sent alongside, `Applauz`, are no kind)."""
    words: dict[str, set[str]] = defaultdict(set)
    other: set[str] = set()
    for sent, _ in pairs:
        for key, value in sent.items():
            if not isinstance(value, str):
                other.add(key)
            elif KIND_WORD.match(value):
                words[key].add(value)
    return sorted(k for k, values in words.items() if len(values) >= 2 and k not in other)


def objects(doc: Any, at: str = "", depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    """(dotted path, object) of every object below the top (not inside lists)."""
    if not isinstance(doc, dict) or depth > DEPTH:
        return
    for key, value in doc.items():
        if isinstance(value, dict):
            path = f"{at}.{key}" if at else str(key)
            yield path, value
            yield from objects(value, path, depth + 1)


def at(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return MISSING
        doc = doc[part]
    return doc


def _by_value(pairs: Pairs, field: str) -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    out: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for sent, answer in pairs:
        value = sent.get(field)
        if isinstance(value, str) and KIND_WORD.match(value):
            out[value].append((sent, answer))
    return out


def decided(pairs: Pairs, field: str) -> tuple[int, list[str]]:
    """How many values `field` takes, and the objects the requests supply whose fields its value
    decides: the same fields in every answer for a value, other fields for other values (seen
    for at least two values with two answers each)."""
    by_value = _by_value(pairs, field)
    supplied = {p for sent, _ in pairs for p, _ in objects(sent)}
    out: list[str] = []
    for path in sorted(supplied):
        shapes: dict[str, frozenset[str]] = {}
        for value, group in by_value.items():
            found = {frozenset(o) if isinstance(o := at(a, path), dict) else None for _, a in group}
            shape = found.pop() if len(found) == 1 else None
            if shape is None:
                break
            if len(group) >= AT_LEAST:
                shapes[value] = shape
        else:
            if len(shapes) >= 2 and len(set(shapes.values())) >= 2:
                out.append(path)
    return len(by_value), out


def kind_values(pairs: Pairs, field: str, paths: Sequence[str]) -> dict[str, Any]:
    """{"objects": paths, "of": value -> path -> {"fields": [...], "values": {name: value}}}:
    each recorded kind's fields of those objects, and the value every answer of the kind held
    where its request left the field out."""
    of: dict[str, dict[str, Any]] = {}
    for value, group in _by_value(pairs, field).items():
        if len(group) < AT_LEAST:
            continue
        for path in paths:
            fields = sorted(at(group[0][1], path))
            values = {}
            for name in fields:
                where = f"{path}.{name}"
                seen = [at(a, where) for s, a in group if at(s, where) is MISSING]
                if len(seen) == len(group) and all(v == seen[0] for v in seen):
                    values[name] = seen[0]
            of.setdefault(value, {})[path] = {"fields": fields, "values": values}
    return {"objects": list(paths), "of": of}


def rewrites(pairs: Pairs, fields: Sequence[str]) -> list[dict[str, str]]:
    """The word values stored otherwise than sent (see the module)."""
    out: list[dict[str, str]] = []
    for field in fields:
        sent_values = sorted({str(s[field]) for s, _ in pairs if KIND_WORD.match(str(s.get(field, "")))})
        for value in sent_values:
            group = [(s, a) for s, a in pairs if s.get(field) == value and isinstance(a.get(field), str)]
            answers = {a[field] for _, a in group}
            if not group or answers == {value}:
                continue
            if len(answers) == 1:
                out.append({"field": field, "sent": value, "answer": answers.pop()})
                continue
            for other in (f for f in fields if f != field):
                with_it = {a[field] for s, a in group if other in s}
                without = {a[field] for s, a in group if other not in s}
                if len(with_it) == 1 and len(without) == 1 and with_it != without:
                    (w,), (wo,) = with_it, without
                    side = "with" if wo == value else "without" if w == value else ""
                    if side:
                        out.append(
                            {
                                "field": field,
                                "sent": value,
                                "answer": w if side == "with" else wo,
                                side: other,
                            }
                        )
                        break
    return out


def learn_kinds(
    resources: dict[str, Resource], seen: Sequence[Seen], kinds: dict[tuple[str, str], tuple[str, str]]
) -> None:
    """Each resource's kind objects and rewrites, from the answers to its creates. An object two
    kind fields decide goes with the one of fewer values (an app's sign-on settings with its
    `signOnMode`, not its `name`)."""
    creates: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for s in seen:
        kind, coll = kinds[(s.method, s.template)]
        ok = 200 <= s.status < 300 and isinstance(s.request, dict) and isinstance(s.response, dict)
        if kind == "create" and ok:
            creates[coll].append((s.request, s.response))
    for coll, pairs in creates.items():
        res = resources.get(coll)
        if res is None:
            continue
        fields = kind_fields(pairs)
        found = {field: decided(pairs, field) for field in fields}
        owner: dict[str, str] = {}
        for field, (_count, paths) in sorted(found.items(), key=lambda kv: (kv[1][0], kv[0])):
            for path in paths:
                owner.setdefault(path, field)
        for field in fields:
            paths = [p for p in found[field][1] if owner[p] == field]
            if paths:
                res.kinds[field] = kind_values(pairs, field, paths)
        res.rewrites = rewrites(pairs, fields)
