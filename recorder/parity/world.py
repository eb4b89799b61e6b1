"""The world a recording ran in: objects its list answers show that none of its requests made.

A recording is made against a tenant that already held things (the groups every Okta org has,
what earlier tests left behind). A fresh twin tenant holds its own seed instead, so a list the
recording reads shows items the twin never heard of, and every such list differs for a reason that
has nothing to do with the twin's behaviour. Before the replay, each item of a collection that
the recording lists and also creates into (so the collection is known to take creates the way
the client makes them) that no request of the recording made is given to the tenant:

* the tenant holds one of that name already (a built-in object, a seeded one): the recorded id
  is paired with the twin's, as ids first named in a request are;
* else it is made through the twin's own create endpoint with what identifies it: the fields the
  recording's own creates of that collection send, and its top-level kind words (`type`), as a
  client would have made it. Everything else of it (times, links, defaults, server-made fields)
  is the twin's, and compared.

The same for every twin, built by hand or generated, and every service. What this leaves to the
comparison: the twin's rendering of each such item, the filters and order of every list (items
of every list of the collection are given, whatever the query), the lists after the recording's
own writes, and items the twin holds that the recorded tenant did not (those still differ).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from recorder.normalize import parse_json
from recorder.parity.profile import Credential
from recorder.parity.session import AdminError
from recorder.trace import Exchange

if TYPE_CHECKING:
    from recorder.parity.replay import Replay

KIND_WORD = re.compile(r"^([A-Z][A-Z0-9_]*|[a-z][a-z0-9_]*)$")
MOST = 200  # items made for one recording, at most
Shape = dict[str, Any]  # field -> True, or the shape of the object it holds


@dataclass
class Collection:
    """One collection path of a recording: the items its lists show, what its creates send."""

    path: str
    shown: dict[str, dict[str, Any]] = field(default_factory=dict)  # recorded id -> item
    where: dict[str, Exchange] = field(default_factory=dict)  # recorded id -> the list first showing it
    creates: Shape = field(default_factory=dict)


def shape_of(body: Any, into: Shape) -> Shape:
    """The fields `body` sends, nested objects as their own shapes, merged into `into`."""
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, dict):
                inner = into.get(key)
                into[key] = shape_of(value, inner if isinstance(inner, dict) else {})
            else:
                into.setdefault(key, True)
    return into


def identity(item: dict[str, Any], shape: Shape, top: bool = True) -> dict[str, Any]:
    """What a create of `item` sends: its fields the recorded creates send (as they send them),
    and at the top its word values (`type: BUILT_IN`), never its id."""
    out: dict[str, Any] = {}
    for key, sub in shape.items():
        value = item.get(key)
        if key not in item or key == "id":
            continue
        if isinstance(sub, dict) and isinstance(value, dict):
            inner = identity(value, sub, top=False)
            if inner:
                out[key] = inner
        elif sub is True and not isinstance(value, dict):
            out[key] = value
    if top:
        for key, value in item.items():
            if key not in out and key != "id" and isinstance(value, str) and KIND_WORD.match(value):
                out[key] = value
    return out


def collections(exchanges: Sequence[Exchange]) -> list[Collection]:
    """The collections a recording both lists (a JSON array of objects with ids) and creates
    into, with the items its lists show that no request of it made, parents first."""
    found: dict[str, Collection] = {}
    made: set[str] = set()
    for exchange in exchanges:
        ok = 200 <= exchange.response.status < 300
        path = urlsplit(exchange.request.url).path.rstrip("/")
        method = exchange.request.method.upper()
        body = parse_json(exchange.response.body.text)
        if ok and method in ("POST", "PUT", "PATCH") and isinstance(body, dict) and "id" in body:
            made.add(str(body["id"]))
        if ok and method == "GET" and isinstance(body, list):
            coll = found.setdefault(path, Collection(path))
            for item in body:
                if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                    coll.shown.setdefault(str(item["id"]), item)
                    coll.where.setdefault(str(item["id"]), exchange)
    for exchange in exchanges:
        path = urlsplit(exchange.request.url).path.rstrip("/")
        sent = parse_json(exchange.request.body.text)
        if exchange.request.method.upper() == "POST" and path in found and isinstance(sent, dict):
            shape_of(sent, found[path].creates)
    out = []
    for coll in found.values():
        coll.shown = {k: v for k, v in coll.shown.items() if k not in made}
        if coll.creates and coll.shown:
            out.append(coll)
    return sorted(out, key=lambda c: c.path.count("/"))


def natural_key(item: Any) -> str | None:
    """What names an object apart from its id (`recorder.parity.replay.natural_key`)."""
    from recorder.parity.replay import natural_key as named

    return named(item)


def epoch(ts: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 time (a recorded exchange's `ts`), or None."""
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def began(exchanges: Sequence[Exchange]) -> float | None:
    """When the recording began (seconds since the epoch), when its exchanges say."""
    first = next((exchange.ts for exchange in exchanges if exchange.ts), None)
    return epoch(first) if first is not None else None


async def at_recorded_time(replay: Replay) -> None:
    """Set the fresh tenant's clock to the time the recording began (what it holds then may
    depend on it, `twins.kit.worlds`); a twin without the admin clock keeps its own."""
    at = began(replay.exchanges)
    if at is None:
        return
    try:
        await replay.session.admin("POST", "/clock", json={"at": at})
    except AdminError:
        return


async def prime(replay: Replay) -> None:
    """Give the fresh tenant the objects the recording shows it did not make (see the module)."""
    headers = {**replay.session.tenant_headers(), **replay.headers.get(Credential.VALID, {})}
    if not headers:
        return
    client = replay.session.client
    budget = MOST
    held: dict[str, tuple[set[str], dict[str, list[str]]]] = {}  # list URL -> its ids, ids by name
    for coll in collections(replay.exchanges):
        for recorded, item in coll.shown.items():
            if recorded in replay.ids:
                continue
            listing = coll.where[recorded]
            url = await replay.rewrite(listing.request.url, listing, url=True)
            parts = urlsplit(url)
            url = parts.path + (f"?{parts.query}" if parts.query else "")
            if url not in held:
                held[url] = await _held(client, url, headers)
            ids, names = held[url]
            if recorded in ids:
                continue
            alike = names.get(natural_key(item) or "")
            twin = alike.pop(0) if alike else None  # each of the tenant's items stands for one
            if twin is None and budget > 0:
                budget -= 1
                answer = await client.post(parts.path, json=identity(item, coll.creates), headers=headers)
                if answer.status_code in (404, 405):  # the twin makes none there
                    break
                made = parse_json(answer.text) if 200 <= answer.status_code < 300 else None
                twin = str(made["id"]) if isinstance(made, dict) and "id" in made else None
            if twin is not None and twin != recorded:
                replay.ids[recorded] = twin


async def _held(client: Any, url: str, headers: dict[str, str]) -> tuple[set[str], dict[str, list[str]]]:
    """The ids a list of the tenant shows, and the ids of each name it shows."""
    listed = await client.get(url, headers=headers)
    items = parse_json(listed.text) if listed.status_code == 200 else None
    if not isinstance(items, list):
        return set(), {}
    objects = [i for i in items if isinstance(i, dict)]
    ids = {str(i.get("id")) for i in objects}
    names: dict[str, list[str]] = {}
    for i in objects:
        name = natural_key(i)
        if name:
            names.setdefault(name, []).append(str(i.get("id")))
    return ids, names
