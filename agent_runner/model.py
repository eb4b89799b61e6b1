"""The service model inference writes and generation reads: typed, JSON-serialisable, mergeable
(`twins regenerate` merges a new model into the one a twin was generated from)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent_runner.shapes import Shape, merge
from twins.kit.documents import row_id

VERSION = 1


class IdShape(BaseModel):
    """How the service mints a resource's keys: `sequence` (1, 2, 3 per collection), `number`
    (a large integer of `length` digits) or `text` (`prefix` + `length` characters of `alphabet`)."""

    kind: str = "text"
    prefix: str = ""
    alphabet: str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    length: int = 20
    example: str = ""


class Example(BaseModel):
    """One recorded exchange kept as the template of an answer."""

    status: int
    path: str  # the concrete path (its values are replaced by the request's)
    response: Any = None
    text: str = ""  # a body that is not JSON (XML metadata, plain text)
    request: Any = None
    host: str = ""  # scheme://host of the recording, replaced by the twin's base URL
    content_type: str = ""
    location: str = ""  # a redirect's `Location`
    # the client it was recorded from (`twins.kit.clients`): User-Agent, Accept, credentials sent
    client: dict[str, Any] | None = None
    at: float | None = None  # when it was recorded (seconds), where the operation has eras


class Operation(BaseModel):
    """One endpoint and what it does: `kind` is create, read, list, update, delete, action,
    singleton (a fixed document that writes change) or static (the recorded answer)."""

    method: str
    path: str
    kind: str
    name: str
    resource: str = ""  # the collection template of the resource it works on
    status: int = 200
    count: int = 0
    example: Example | None = None
    variants: list[Example] = Field(default_factory=list)  # answers to requests of other kinds
    # the moment (seconds) the vendor's answers changed shape, and an example from the side of it
    # `example` is not on (`agent_runner.eras`)
    era: float | None = None
    eras: list[Example] = Field(default_factory=list)
    errors: dict[str, Example] = Field(default_factory=dict)  # by status
    filters: list[str] = Field(default_factory=list)  # query parameters the traces use
    changes: dict[str, Any] = Field(default_factory=dict)  # what an action sets (status transitions)
    # what an action sets besides, per kind of request: [{"request": …, "set": {dotted path: …}}]
    effects: list[dict[str, Any]] = Field(default_factory=list)
    when: dict[str, dict[str, Any]] = Field(default_factory=dict)  # "param=value": the status it leads to
    defaults: dict[str, Any] = Field(default_factory=dict)  # dotted field -> its value when not sent
    adds: bool = False  # an update adds the top-level fields it sends that the item lacks
    request: Shape | None = None
    response: Shape | None = None
    paged: bool = False
    anonymous: bool = False  # recorded without credentials, answered all the same
    raw: bool = False  # every recorded request sent a body that is not JSON (an upload's bytes)
    # per kind of client, the fields its answers always show (`twins.kit.clients.learn_shape`)
    shapes: list[dict[str, Any]] = Field(default_factory=list)
    # a fixed document under an item, per value of the item's field (`agent_runner.parents`)
    by_parent: dict[str, Any] = Field(default_factory=dict)


class Resource(BaseModel):
    """A collection and its items: `/api/v1/users` and `/api/v1/users/{userId}`."""

    collection: str
    param: str
    key: str = "id"  # the field of an item that holds the key in its path
    aliases: list[str] = Field(default_factory=list)  # dotted fields also accepted as the key
    ids: IdShape = Field(default_factory=IdShape)
    minted: list[str] = Field(default_factory=list)  # other fields the service makes up on create
    stamps: list[str] = Field(default_factory=list)  # timestamps set on create
    touched: list[str] = Field(default_factory=list)  # timestamps set on every write
    parent: str = ""  # the parent's collection template
    statuses: list[str] = Field(default_factory=list)
    transitions: list[tuple[str, str, str]] = Field(default_factory=list)  # (from, action, to)
    prototypes: dict[str, Any] = Field(default_factory=dict)  # an element of each list-of-objects field
    document: Example | None = None  # a read answering more than creates do: what a create stores
    documents: list[Example] = Field(default_factory=list)  # the same per kind of create request
    links: dict[str, dict[str, Any]] = Field(default_factory=dict)  # by status, the links it decides
    preexisting: Example | None = None  # a read of an item that existed before its recording
    # a DELETE that only changes the status (from -> to; "" when unchanged): Okta deprovisions first
    soft_deletes: dict[str, str] = Field(default_factory=dict)
    moved: dict[str, Example] = Field(default_factory=dict)  # item path -> the redirect it answers
    # kind field -> the objects its value decides and each recorded kind's (`agent_runner.kinds`)
    kinds: dict[str, Any] = Field(default_factory=dict)
    rewrites: list[dict[str, str]] = Field(default_factory=list)  # word values stored otherwise than sent
    # fields answered only when sent, fields copying a sent value elsewhere (`agent_runner.echoes`)
    echoes: dict[str, Any] = Field(default_factory=dict)
    members: str = ""  # the collection whose items its lists show, by key (`agent_runner.members`)
    # collection under an item -> per kind of create, the items a create makes there
    # (`agent_runner.spawns`): [{"request": …, "items": […], "parent": recorded key}]
    spawns: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    derived: dict[str, Any] = Field(default_factory=dict)  # keys a sent word decides (`agent_runner.derived`)


class Seed(BaseModel):
    """A document that existed before the recordings (read, never created in them)."""

    scope: str  # concrete collection path
    key: str
    body: Any


class ServiceModel(BaseModel):
    version: int = VERSION
    name: str
    title: str
    style: str = "learned"  # okta, jira, slack or learned (the recorded error bodies)
    auth: list[str] = Field(default_factory=list)  # Authorization schemes seen
    hosts: list[str] = Field(default_factory=list)  # scheme://host of the recordings
    pagination: str = "none"  # link-after, link-page, offset-total, none
    items_key: str = ""  # where a wrapped list answer keeps its items
    operations: list[Operation] = Field(default_factory=list)
    resources: dict[str, Resource] = Field(default_factory=dict)
    seed: list[Seed] = Field(default_factory=list)
    errors: dict[str, Example] = Field(default_factory=dict)  # the service's usual error per status
    # fields that change on their own (`agent_runner.volatile`): by `GET template`, path -> types
    volatile: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    # what each list showed when (`agent_runner.worlds`): `path?filters` -> [{"at", "names"}]
    listed: dict[str, Any] = Field(default_factory=dict)
    # seeded objects' states over time (`agent_runner.versions`): row id -> {"states", "seed"}
    versions: dict[str, Any] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)
    traces: list[str] = Field(default_factory=list)  # the recording files it was learnt from
    exchanges: int = 0

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1, exclude_defaults=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> ServiceModel:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def operation(self, method: str, path: str) -> Operation | None:
        return next((op for op in self.operations if op.method == method and op.path == path), None)


def merge_models(old: ServiceModel, new: ServiceModel) -> ServiceModel:
    """`old` with what `new` shows: new operations, resources and seeds added; an operation both
    know keeps the newer example and errors and the union of shapes and filters."""
    out = old.model_copy(deep=True)
    for op in new.operations:
        known = out.operation(op.method, op.path)
        if known is None:
            out.operations.append(op.model_copy(deep=True))
            continue
        known.count += op.count
        known.example = op.example or known.example
        known.variants = (op.variants + known.variants)[:8]
        if op.example is not None:  # the eras of the example kept
            known.era, known.eras = op.era, op.eras
        known.errors.update(op.errors)
        known.filters = sorted(set(known.filters) | set(op.filters))
        known.changes.update(op.changes)
        known.effects = op.effects or known.effects
        known.when.update(op.when)
        known.shapes = op.shapes or known.shapes
        known.request = merge(known.request, op.request)
        known.response = merge(known.response, op.response)
        if op.kind != "static":
            known.kind, known.resource, known.status = op.kind, op.resource, op.status
    for name, res in new.resources.items():
        out.resources.setdefault(name, res)
    have = {(s.scope, s.key) for s in out.seed}
    out.seed += [s for s in new.seed if (s.scope, s.key) not in have]
    out.errors.update(new.errors)
    for endpoint, fields in new.volatile.items():
        known_fields = out.volatile.setdefault(endpoint, {})
        for path, types in fields.items():
            known_fields[path] = sorted(set(known_fields.get(path, [])) | set(types))
    for key, entries in new.listed.items():
        known_entries = [e for e in out.listed.get(key, []) if e not in entries]
        out.listed[key] = sorted([*known_entries, *entries], key=lambda e: e["at"])
    seeds = {row_id(s.scope, s.key): s for s in out.seed}
    for rid, entry in new.versions.items():
        if rid not in out.versions and rid in seeds:
            out.versions[rid] = entry
            seeds[rid].body = entry["seed"]  # seeded as the newer traffic last showed it
    out.auth = sorted(set(out.auth) | set(new.auth))
    out.hosts = sorted(set(out.hosts) | set(new.hosts))
    out.sources = sorted(set(out.sources) | set(new.sources))
    out.traces = sorted(set(out.traces) | set(new.traces))
    out.exchanges += new.exchanges
    if out.pagination == "none":
        out.pagination, out.items_key = new.pagination, new.items_key
    return out
