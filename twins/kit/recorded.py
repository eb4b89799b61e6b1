"""What a twin described as data answers from its recordings: the recorded exchange a call is most
like, with this call's values put in (`twins.kit.templates`), fitted to the kind of client asking
(`twins.kit.clients`); and the resource types the engine (`twins.kit.resources`) keeps."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from twins._runtime.collection import Row
from twins._runtime.frozen import freeze
from twins.kit.call import Call
from twins.kit.clients import ITEMS, client_of, closeness, fitted, nearest
from twins.kit.documents import body_of
from twins.kit.errors import compact
from twins.kit.identity import ByIdentity
from twins.kit.operations import Reply
from twins.kit.plans import Memo, sent_key
from twins.kit.swaps import Swap
from twins.kit.versions import pristine, state_at

ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
CACHED = 20_000  # documents whose JSON is kept
_PARAM = re.compile(r"^\{([^}]+)\}$")


@dataclass(frozen=True)
class Ids:
    """How keys are minted: `sequence` (1, 2, 3 in the collection), `number` (`length` digits),
    `uuid`, or `text` (`prefix` and `length` characters of `alphabet`)."""

    kind: str = "text"
    prefix: str = ""
    alphabet: str = ALNUM
    length: int = 20


@dataclass(frozen=True)
class ResourceType:
    """A collection (`/api/v1/users`) and its items (`/api/v1/users/{userId}`)."""

    collection: str
    param: str
    key: str = "id"
    aliases: tuple[str, ...] = ()  # dotted fields also accepted as the key (a login)
    ids: Ids = field(default_factory=Ids)
    minted: tuple[str, ...] = ()  # other fields a create makes up
    stamps: tuple[str, ...] = ()  # timestamps a create sets
    touched: tuple[str, ...] = ()  # timestamps every write sets
    parent: str = ""  # the parent's collection


def path_values(template: str, path: str) -> dict[str, str]:
    return dict(_path_values(template, path))


@lru_cache(maxsize=4_096)  # an operation's path and a recorded one: the same few, call after call
def _path_values(template: str, path: str) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for t, s in zip(template.strip("/").split("/"), path.strip("/").split("/"), strict=False):
        match = _PARAM.match(t)
        if match:
            out[match.group(1)] = s
    return tuple(out.items())


def likeness(recorded: Any, sent: Any, depth: int = 0) -> float:
    """How alike two request bodies are: equal values count 2, shared fields 1, nested halved."""
    if not isinstance(recorded, dict) or not isinstance(sent, dict) or depth > 3:
        return 0.0
    score = 0.0
    for key, value in sent.items():
        if key not in recorded:
            continue
        other = recorded[key]
        if isinstance(value, dict):
            score += 1 + likeness(other, value, depth + 1) / 2
        else:
            score += 3 if other == value else 1
    return score - 0.5 * len(recorded.keys() - sent.keys())


def most_like(options: Sequence[Mapping[str, Any]], sent: Any) -> Any:
    """Of recorded exchanges, the one whose request is most like `sent` (`likeness`), the last
    recorded on a tie."""
    return max(reversed(options), key=lambda v: likeness(v.get("request"), sent))


def on_side(example: Mapping[str, Any], era: float, now: float) -> bool:
    """Whether `example` was recorded (`at`) on the same side of the moment `era` as `now`."""
    at = example.get("at")
    return isinstance(at, int | float) and (at >= era) == (now >= era)


def of_era(example: Mapping[str, Any], eras: Sequence[Any], era: Any, now: float) -> Any:
    """Of an operation's example and its examples of other times (`agent_runner.eras`), the one
    recorded on the same side of the moment `era` (seconds) the vendor changed as `now`."""
    if not isinstance(era, int | float) or not isinstance(example.get("at"), int | float):
        return example
    return next((other for other in eras if on_side(other, era, now)), example)


WORD = re.compile(r"^([A-Z][A-Z0-9_]*|[a-z][a-z0-9_]*)$")  # a kind word (`recorder.parity.world`)


def kind_of(body: Any) -> tuple[Any, ...]:
    """A request's kind: its top-level fields and their word values (`agent_runner.conventions`)."""
    if not isinstance(body, Mapping):
        return (type(body).__name__,)
    words = tuple(sorted((k, v) for k, v in body.items() if isinstance(v, str) and WORD.match(v)))
    return (tuple(sorted(body)), words)


def of_kind_and_era(found: Any, options: Sequence[Any], era: Any, now: float, sent: Any) -> Any:
    """Of the examples of `found`'s kind of request, the one most like `sent` recorded on the
    tenant's side of the moment `era`; `found` where none is."""
    if not isinstance(era, int | float):
        return found
    kind = kind_of(found.get("request"))
    alike = [o for o in options if on_side(o, era, now) and kind_of(o.get("request")) == kind]
    return most_like(alike, sent) if alike else found


def of_same_and_era(found: Mapping[str, Any], eras: Sequence[Any], era: Any, now: float) -> Any:
    """A fixed document's answer for one kind of client and query (`found`), or, when it was
    recorded on the other side of the moment `era` than `now`, that kind's example of the
    tenant's side (`agent_runner.eras`) where there is one."""
    dated = isinstance(era, int | float) and isinstance(found.get("at"), int | float)
    if not dated or on_side(found, era, now):
        return found
    same = ("request", "client")
    alike = (o for o in eras if on_side(o, era, now) and all(o.get(k) == found.get(k) for k in same))
    return next(alike, found)


class Recorded:
    """A twin's recorded examples (`examples.json`) and the answers made from them."""

    def __init__(self, examples: Path, hosts: Sequence[str] = ()) -> None:
        self.examples_path = examples
        self.hosts = tuple(hosts)  # the recordings' scheme://host, which seeded documents name
        # Documents are never changed in place (a write stores a new object), so what is made
        # from one (its JSON, a seeded one with this twin's URLs) is kept by the object's identity.
        self._made: ByIdentity[Any] = ByIdentity(CACHED)
        self._seeded: dict[str, Swap] = {}  # by base URL: the recordings' hosts made this twin's
        self._shapes: dict[tuple[str, str, str, bool], Any] = {}  # by operation and kind of client
        self._chosen: dict[tuple[Any, ...], Any] = {}  # a fixed document's answer, by the same and query
        self._planned = Memo()  # what a write makes from its example and the body sent (`plans`)

    def body(self, call: Call, row: Row) -> Any:
        """A stored document as this call sees it (a seeded one names this twin, not the vendor,
        and stands as it did at the tenant clock's time: `twins.kit.versions`)."""
        body = body_of(row)
        if not row.get("seeded"):
            return body
        versions = self.examples.get("versions")
        entry = versions.get(row["id"]) if versions else None
        if entry is not None and self._made.made(body, "pristine", lambda b: pristine(b, entry)):
            body = state_at(entry, call.now())  # not written since the seed
        if self.hosts:
            return self._made.made(body, call.base_url, self.hosts_swap(call).apply)
        return body

    def hosts_swap(self, call: Call) -> Swap:
        """The recordings' hosts made this twin's."""
        swap = self._seeded.get(call.base_url)
        if swap is None:
            swap = self._seeded[call.base_url] = Swap.of(dict.fromkeys(self.hosts, call.base_url))
        return swap

    def shape(self, call: Call) -> Mapping[str, Any] | None:
        """What every answer the recorded client most like this call's got shows (learnt per
        kind of client, `twins.kit.clients`), or None."""
        shapes = self.of_operation(call).get("shapes")
        if not shapes:
            return None
        client = client_of(call.headers)
        key = (call.op.name, client["agent"], client["accept"], client["auth"])
        if key not in self._shapes:
            chosen = nearest(shapes, client)
            self._shapes[key] = chosen.get("shape") if chosen is not None else None
        found: Mapping[str, Any] | None = self._shapes[key]
        return found

    def fit(self, call: Call, body: Any, shape: Mapping[str, Any] | None = None, keep: bool = True) -> Any:
        """`body` with the fields this call's kind of client always saw, where it lacks them (kept
        while `body` is unchanged, unless not to `keep`: an answer made for one call)."""
        shape = shape or self.shape(call)
        if not shape or not isinstance(body, dict | list):
            return body
        swap = self.hosts_swap(call)
        if not keep:
            return fitted(body, shape, swap.apply)
        tag = f"fit:{id(shape)}:{call.base_url}"
        return self._made.made(body, tag, lambda b: fitted(b, shape, swap.apply))

    def fit_items(self, call: Call, bodies: list[Any]) -> list[Any]:
        """The items of a list answer, each fitted as the list's items were seen."""
        shape = self.shape(call)
        inner = shape.get(ITEMS) if shape else None
        return [self.fit(call, b, inner) for b in bodies] if isinstance(inner, Mapping) else bodies

    def fit_reply(self, call: Call, reply: Reply) -> Reply:
        failed = reply.status is not None and reply.status >= 300
        if failed or reply.error is not None or not isinstance(reply.body, dict | list):
            return reply  # an error or a redirect is answered as recorded
        body = self.fit(call, reply.body, keep=False)
        return reply if body is reply.body else Reply(body, reply.status, reply.headers)

    def encoded(self, body: Any) -> bytes:
        """A document's JSON (kept while the document is unchanged)."""
        data: bytes = self._made.made(body, "json", compact)
        return data

    @cached_property
    def examples(self) -> dict[str, Any]:
        # Read-only, so that answers made from them can share what they leave unchanged.
        data: dict[str, Any] = freeze(json.loads(self.examples_path.read_text(encoding="utf-8")))
        return data

    def of_operation(self, call: Call) -> Mapping[str, Any]:
        """What the recordings taught of the call's operation (`examples.json`'s `operations`)."""
        found: Mapping[str, Any] = self.examples["operations"].get(call.op.name, {})
        return found

    def of_resource(self, collection: str) -> Mapping[str, Any]:
        """What the recordings taught of a collection's items (`examples.json`'s `resources`)."""
        found: Mapping[str, Any] = self.examples.get("resources", {}).get(collection, {})
        return found

    def example(self, call: Call) -> dict[str, Any]:
        """The recorded exchange this call is most like: of the operation's variants (answers to
        different kinds of request), the one whose request shares most with this one's."""
        recorded = self.of_operation(call)
        found: dict[str, Any] = recorded.get("example") or {}
        options = recorded.get("variants")
        if options and call.has_body:
            sent = dict(call.body)
            found = self._planned.get(
                (options,),
                sent_key(sent),
                lambda: most_like(options, sent),
            )
            if recorded.get("era") is not None:  # of that kind of request, one of the tenant's time
                found = of_kind_and_era(
                    found, [*options, *recorded["eras"]], recorded.get("era"), call.now(), sent
                )
        elif options and call.op.method == "GET":  # a fixed document per kind of client and query
            query, client = dict(call.args), client_of(call.headers)
            key = (call.op.name, *client.values(), repr(sorted(query.items())))
            chosen = self._chosen.get(key)
            if chosen is None:
                if len(self._chosen) >= CACHED:
                    self._chosen.clear()
                chosen = self._chosen[key] = max(
                    [found, *reversed(options)],  # the usual answer on a tie
                    key=lambda v: (likeness(v.get("request"), query), closeness(v.get("client"), client)),
                )
            found = of_same_and_era(chosen, recorded.get("eras") or (), recorded.get("era"), call.now())
        elif recorded.get("eras"):  # the answer of the vendor as it was at the tenant's time
            found = of_era(found, recorded["eras"], recorded.get("era"), call.now())
        return found

    def swap(self, call: Call, recorded: Mapping[str, Any], **more: str) -> Swap:
        """This call's values for the recording's: host, path values, and `more`."""
        pairs = {str(recorded.get("host", "")): call.base_url}
        was = path_values(call.op.path, str(recorded.get("path", "")))
        pairs.update({was[k]: v for k, v in call.path.items() if k in was})
        pairs.update(more)
        return Swap.of(pairs)

    def answer(self, call: Call, recorded: Mapping[str, Any], body: Any = None, **more: str) -> Reply:
        """The recorded answer (or `body`), with this call's values."""
        status = int(recorded.get("status") or call.op.status)
        if body is None:
            text = recorded.get("text")
            if text:
                ctype = str(recorded.get("content_type") or "text/plain")
                return Reply(
                    self.swap(call, recorded, **more).text(text).encode(), status, {"Content-Type": ctype}
                )
            body = self.swap(call, recorded, **more).apply(recorded.get("response"))
        if status == 204 or body is None:
            return Reply(None, status)
        return Reply(body, status)

    def not_found(self, call: Call) -> Reply:
        """The vendor's 404 for this operation (as recorded), with this call's values."""
        ops = self.of_operation(call)
        recorded = (ops.get("errors") or {}).get("404") or self.examples.get("errors", {}).get("404")
        if not recorded:
            raise call.error(call.style.http_codes[404], "Not found", status=404)
        return self.answer(call, recorded)

    def static(self, call: Call) -> Reply:
        """The recorded answer, with this call's values."""
        return self.fit_reply(call, self.answer(call, self.example(call)))
