"""In-memory tenant state: collections of rows with indexes, an undo log and pending writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from twins._runtime.clock import Clock
from twins._runtime.frozen import LEAVES, FrozenDict, PlainCopies, freeze, freeze_row, thaw
from twins._runtime.ids import IdSource

Row = dict[str, Any]


class TenantRow(SQLModel):
    """Base of every twin table: rows belong to a tenant and keep their insertion order.

    The primary key is (tenant_id, twin_seq, <the table's own key>): new rows always go at the end of
    its index, so a group commit touches a page or two instead of one per row, as vendor ids (random
    by nature) would in a (tenant_id, id) index. Memory, not the database, keeps the ids unique.
    """

    tenant_id: str = Field(primary_key=True, max_length=64)
    twin_seq: int = Field(default=0, primary_key=True)


@dataclass(frozen=True)
class CollectionSpec:
    """How a table is held in memory: its key, unique and plain indexes, credential field."""

    name: str
    table: sa.Table
    key: str = "id"
    unique: tuple[str, ...] = ()
    index: tuple[str, ...] = ()
    credential: str | None = None
    defaults: tuple[tuple[str, Any, Callable[[], Any] | None], ...] = ()

    @classmethod
    def of(cls, model: type[SQLModel], name: str | None = None, **kw: Any) -> CollectionSpec:
        """A spec for a SQLModel table; rows get the model's defaults for fields they omit."""
        table = model.__table__  # type: ignore[attr-defined]
        assert isinstance(table, sa.Table)
        defaults = []
        for field_name, info in model.model_fields.items():
            if field_name in ("tenant_id", "twin_seq") or info.is_required():
                continue
            factory = info.default_factory
            defaults.append((field_name, None if factory else info.default, factory))
        return cls(name=name or table.name, table=table, defaults=tuple(defaults), **kw)  # type: ignore[arg-type]

    @cached_property
    def containers(self) -> tuple[str, ...]:
        """The columns whose values may be lists or dicts (JSON), frozen when a row is stored."""
        return tuple(c.key for c in self.table.columns if isinstance(c.type, sa.JSON))

    @cached_property
    def columns(self) -> frozenset[str]:
        """The columns a row of this collection holds, besides `tenant_id` and `twin_seq`."""
        return frozenset(self.table.columns.keys()) - {"tenant_id", "twin_seq"}

    def complete(self, row: Row) -> Row:
        """The row with every column: defaults filled in, unknown fields refused."""
        out = self._fill(row)
        if out.keys() != self.columns:
            unknown = set(out) - self.columns - {"tenant_id", "twin_seq"}
            if unknown:
                raise StoreConflict(f"{self.name} has no field(s) {', '.join(sorted(unknown))}")
            missing = self.columns - set(out)
            if missing:
                raise StoreConflict(f"{self.name} row lacks required field(s) {', '.join(sorted(missing))}")
        return out

    @cached_property
    def _fill(self) -> Callable[[Row], Row]:
        """The defaults of the fields a row lacks, in the model's order, then the row: one generated
        function with a line per default (fresh `[]` and `{}` for the `list` and `dict` factories,
        other factories called), instead of a loop over them. Inserts are the twins' hottest write."""
        lines = ["def fill(row):", "    out = {}"]
        names: dict[str, Any] = {}
        for i, (field_name, value, factory) in enumerate(self.defaults):
            if factory is list or factory is dict:
                made = "[]" if factory is list else "{}"
            elif factory is not None:
                names[f"f{i}"], made = factory, f"f{i}()"
            else:
                names[f"v{i}"], made = value, f"v{i}"  # the default object itself, as pydantic has it
            lines.append(f"    if {field_name!r} not in row: out[{field_name!r}] = {made}")
        source = "\n".join([*lines, "    out.update(row)", "    return out"])
        exec(compile(source, f"<defaults of {self.name}>", "exec"), names)
        fill: Callable[[Row], Row] = names["fill"]
        return fill


def json_field(empty: list[Any] | dict[str, Any]) -> Any:
    """A JSON column whose default is a fresh empty list or dict (`[]` or `{}`)."""
    if empty:
        raise ValueError("a JSON column's default is an empty list or dict")
    return Field(default_factory=dict if isinstance(empty, dict) else list, sa_column=sa.Column(sa.JSON))


# How the store fills a row before it is stored (rows refuse `update` and `row[key] = …`).
_update = dict.update
_set = dict.__setitem__


class StoreConflict(Exception):
    """A duplicate key or unique value: domain code should have checked and raised a vendor error."""


# A pending write: (kind, table, payload); kinds are insert/update/delete/wipe/tenant.
Op = tuple[str, sa.Table | None, Any]


class Collection:
    """Rows of one table for one tenant, keyed, indexed and in insertion order."""

    def __init__(self, spec: CollectionSpec, state: TenantState) -> None:
        self.spec = spec
        self._state = state
        self.rows: dict[Any, Row] = {}
        self._unique: dict[str, dict[Any, Any]] = {f: {} for f in spec.unique}
        self._index: dict[str, dict[Any, dict[Any, None]]] = {f: {} for f in spec.index}
        # The one way a cache of the rows hears of a change (`_changed`): the version, which counts
        # every row added or removed (a replaced row is both), and the listeners told its key.
        self.changes = 0
        self._listeners: tuple[Callable[[Any], object], ...] = ()
        # Render caches (twins/kit/renders.py), kept with the tenant state; they listen like any cache.
        self.renders: dict[Any, Any] = {}

    def on_change(self, listener: Callable[[Any], object]) -> None:
        """Call `listener(key)` for every row added, replaced or removed from now on (undone writes
        and rows other processes wrote included). A cache that starts with the tenant state needs
        nothing more: a reset, restore or reload builds a new state, with new collections."""
        self._listeners = (*self._listeners, listener)

    def watch(self) -> set[Any]:
        """A set that gathers the key of every row added, replaced or removed from now on; whoever
        asked for it empties it as it reads it, so a cache kept from the rows is brought up to date
        without walking them all."""
        touched: set[Any] = set()
        self.on_change(touched.add)
        return touched

    def _changed(self, key: Any) -> None:
        self.changes += 1
        for listener in self._listeners:
            listener(key)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(list(self.rows.values()))

    def __contains__(self, key: object) -> bool:
        return key in self.rows

    def get(self, key: Any) -> Row | None:
        return self.rows.get(key)

    def by(self, field: str, value: Any) -> Row | None:
        """The row whose unique `field` equals `value`."""
        key = self._unique[field].get(value)
        return None if key is None else self.rows[key]

    def where(self, field: str, value: Any) -> list[Row]:
        """Rows whose indexed `field` equals `value`, in insertion order."""
        keys = self._index[field].get(value, {})
        return [self.rows[k] for k in keys]

    def filter(self, predicate: Callable[[Row], bool]) -> list[Row]:
        return [row for row in self.rows.values() if predicate(row)]

    def _add_indexes(self, row: Row) -> None:
        key = row[self.spec.key]
        self._changed(key)
        for f, idx in self._unique.items():
            value = row.get(f)
            if value is not None:
                idx[value] = key
        for f, nidx in self._index.items():
            nidx.setdefault(row.get(f), {})[key] = None
        if self.spec.credential and row.get(self.spec.credential):
            self._state.on_credential(row[self.spec.credential], True)

    def _drop_indexes(self, row: Row) -> None:
        key = row[self.spec.key]
        self._changed(key)
        for f, idx in self._unique.items():
            value = row.get(f)
            if value is not None and idx.get(value) == key:
                del idx[value]
        for f, nidx in self._index.items():
            bucket = nidx.get(row.get(f))
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del nidx[row.get(f)]
        if self.spec.credential and row.get(self.spec.credential):
            self._state.on_credential(row[self.spec.credential], False)

    def _check_unique(self, row: Row, own_key: Any) -> None:
        for f, idx in self._unique.items():
            value = row.get(f)
            if value is not None and idx.get(value, own_key) != own_key:
                raise StoreConflict(f"{self.spec.name}.{f} {value!r} already exists")

    def load(self, row: Row) -> None:
        """Add a row read from the database (no write, no undo)."""
        row = freeze_row(row, self.spec.containers)
        self.rows[row[self.spec.key]] = row
        self._add_indexes(row)

    def put_loaded(self, row: Row) -> None:
        """Add or replace a row another process wrote (no write, no undo; its place kept)."""
        old = self.rows.get(row[self.spec.key])
        if old is not None:
            self._drop_indexes(old)
        self.load(row)

    def drop_loaded(self, key: Any) -> None:
        """Remove a row another process deleted (no write, no undo)."""
        old = self.rows.pop(key, None)
        if old is not None:
            self._drop_indexes(old)

    def insert(self, row: Row) -> Row:
        """Add a new row; it is written at the next commit."""
        key = row.get(self.spec.key)
        if key is None or key in self.rows:
            raise StoreConflict(f"{self.spec.name} key {key!r} is missing or exists")
        self._check_unique(row, key)
        filled = self.spec.complete(row)
        filled["tenant_id"] = self._state.id
        filled["twin_seq"] = self._state.ids.sequence("twin_seq")
        self.rows[key] = row = freeze_row(filled, self.spec.containers)
        self._add_indexes(row)
        self._state.record(("insert", self.spec.table, row), lambda: self._undo_insert(key))
        return row

    def update(self, key: Any, **changes: Any) -> Row:
        """Replace a row by a copy with `changes` (rows are read-only, `frozen.py`)."""
        old = self.rows[key]
        new = FrozenDict(old)
        _update(new, changes)  # the new row is built here, then read-only like every stored row
        _set(new, self.spec.key, key)
        for field, value in changes.items():
            if value.__class__ not in LEAVES:
                _set(new, field, freeze(value))
        if len(new) != len(old):
            raise StoreConflict(f"{self.spec.name} has no field(s) {', '.join(sorted(set(new) - set(old)))}")
        self._check_unique(new, key)
        self._drop_indexes(old)
        self.rows[key] = new
        self._add_indexes(new)
        self._state.record(("update", self.spec.table, (self.spec.key, new)), lambda: self._restore(key, old))
        return new

    def delete(self, key: Any) -> Row | None:
        old = self.rows.pop(key, None)
        if old is None:
            return None
        self._drop_indexes(old)
        self._state.record(
            ("delete", self.spec.table, (self.spec.key, key, self._state.id, old["twin_seq"])),
            lambda: self._undo_delete(key, old),
        )
        return old

    def _undo_insert(self, key: Any) -> None:
        row = self.rows.pop(key)
        self._drop_indexes(row)

    def _restore(self, key: Any, old: Row) -> None:
        self._drop_indexes(self.rows[key])
        self.rows[key] = old
        self._add_indexes(old)

    def _undo_delete(self, key: Any, old: Row) -> None:
        self.rows[key] = old
        self._add_indexes(old)


class Meta(PlainCopies):
    """A tenant's meta (`TenantState.meta`): a dict whose changes go through the tenant's undo log
    and mark the tenant row for writing; its values are frozen (`frozen.py`)."""

    __slots__ = ("_state",)

    def __init__(self, state: TenantState, values: dict[str, Any] | None = None) -> None:
        dict.__init__(self, {k: freeze(v) for k, v in (values or {}).items()})
        self._state = state

    def __setitem__(self, key: str, value: Any) -> None:
        self._change(key, freeze(value), present=True)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._change(key, None, present=False)

    def pop(self, key: str, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        value = dict.__getitem__(self, key)
        self._change(key, None, present=False)
        return value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args: Any, **kw: Any) -> None:
        for key, value in dict(*args, **kw).items():
            self[key] = value

    def _change(self, key: str, value: Any, *, present: bool) -> None:
        had = key in self
        old = dict.get(self, key)

        def undo() -> None:
            if had:
                dict.__setitem__(self, key, old)
            else:
                dict.pop(self, key, None)

        if present:
            dict.__setitem__(self, key, value)
        else:
            dict.pop(self, key, None)
        self._state.record(("noop", None, None), undo)

    clear = popitem = __ior__ = FrozenDict.clear  # refused: set or delete keys one by one


class TenantState:
    """Everything of one tenant in memory: collections, clock, ids, service meta, pending writes."""

    def __init__(
        self,
        tenant_id: str,
        specs: list[CollectionSpec],
        *,
        seed: int,
        size: int,
        on_credential: Callable[[str, str, bool], None] | None = None,
        secret: str = "",
    ) -> None:
        self.id = tenant_id
        # The ids' scope: the tenant, and the installation's secret when there is one (then the
        # credentials a seed makes differ from one installation to the next).
        self.id_scope = f"{tenant_id}@{secret}" if secret else tenant_id
        self.seed = seed
        self.size = size
        self.version = 0
        self.created_at = 0.0
        self.clock = Clock()
        self.ids = self.new_ids()
        self.pending: list[Op] = []
        self._undo: list[Callable[[], None]] = []
        self._meta = Meta(self)
        self._on_credential = on_credential
        self.collections = {spec.name: Collection(spec, self) for spec in specs}
        self._ids_before = dict(self.ids.counters)

    def _put_meta(self, values: dict[str, Any]) -> None:
        """Put `values` in place of the meta held, outside the undo log (a load or a restore)."""
        self._meta = Meta(self, values)

    if TYPE_CHECKING:

        @property
        def meta(self) -> Meta: ...

        @meta.setter
        def meta(self, values: dict[str, Any]) -> None: ...

    else:  # read through `attrgetter`: no Python call per read (hot paths read it on every request)
        meta = property(
            attrgetter("_meta"),
            _put_meta,
            doc="""The service's own values of the tenant (JSON-able). Setting a key is a write like
            a row's: undone when the operation fails, written with the tenant row at commit. Values
            are read-only once set (assign a new value instead of changing one in place). Setting
            `meta` itself puts new values in place outside the undo log (a load or a restore).""",
        )

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def track_credentials(self, on_credential: Callable[[str, str, bool], None]) -> None:
        """Report credentials to `on_credential` from now on, starting with those held now."""
        self._on_credential = on_credential
        for coll in self.collections.values():
            field = coll.spec.credential
            if field:
                for row in coll.rows.values():
                    if row.get(field):
                        on_credential(row[field], self.id, True)

    def new_ids(self, counters: dict[str, int] | None = None) -> IdSource:
        """The tenant's id source from its seed, continuing from `counters`."""
        return IdSource(self.seed, counters, scope=self.id_scope)

    def on_credential(self, token: str, present: bool) -> None:
        if self._on_credential is not None:
            self._on_credential(token, self.id, present)

    def record(self, op: Op, undo: Callable[[], None]) -> None:
        self.pending.append(op)
        self._undo.append(undo)

    def rollback(self) -> None:
        """Undo every change since the last `take_pending` (a failed operation)."""
        while self._undo:
            self._undo.pop()()
        self.pending.clear()
        self.ids.counters = dict(self._ids_before)

    def take_pending(self) -> list[Op]:
        """The writes since the last call, with the tenant's own row; clears the undo log."""
        ops = self.pending
        self.pending = []
        self._undo.clear()
        self._ids_before = dict(self.ids.counters)
        if ops:
            ops.append(("tenant", None, self.tenant_row()))
        return ops

    def mark_dirty(self) -> None:
        """The tenant row itself changed (clock, meta): write it at the next commit."""
        self.pending.append(("noop", None, None))

    def tenant_row(self) -> Row:
        return {
            "id": self.id,
            "seed": self.seed,
            "size": self.size,
            "version": self.version,
            "created_at": self.created_at,
            "meta": {"clock": self.clock.to_json(), "ids": self.ids.counters, "service": dict(self._meta)},
        }

    def apply_tenant_row(self, row: Row) -> None:
        self.seed = int(row["seed"])
        self.size = int(row["size"])
        self.version = int(row["version"])
        self.created_at = float(row["created_at"])
        meta = row["meta"] or {}
        self.clock = Clock.from_json(meta.get("clock"))
        self.ids = self.new_ids(meta.get("ids"))
        self._ids_before = dict(self.ids.counters)
        self.meta = dict(meta.get("service") or {})

    def dump(self) -> dict[str, Any]:
        """All state as JSON-able data: collections (rows in order) and the tenant's meta."""
        return {
            "tenant": self.id,
            "seed": self.seed,
            "size": self.size,
            "meta": thaw(self.meta),
            "ids": self.ids.to_json()["counters"],
            "collections": {
                name: sorted(coll.rows.values(), key=lambda r: r["twin_seq"])
                for name, coll in self.collections.items()
            },
        }
