"""Prepared statements for the committer's hot writes: compiled once per dialect, run on the driver's
cursor with ready parameters.

SQLAlchemy's `conn.execute(table.insert(), rows)` rebuilds the parameters of every row in Python,
calling each column type's bind processor through several layers, and every execution goes
through its execution context, result set-up and transaction bookkeeping; for the wide rows twins
write (a Slack message has ten JSON columns) and the tenant row written with every batch, that
cost more than the database's own work. Here one generated comprehension per statement picks the
values and passes only those whose type converts them (JSON, booleans, dates, as the dialect says)
through their processor. The processors are the dialect's own, so what is stored is what
SQLAlchemy would have stored; for JSON text on SQLite, `json_text` writes exactly what `json.dumps`
writes, faster (`jsontext`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from twins._runtime import jsontext

json_text = jsontext.default  # json.dumps(value): the text SQLAlchemy stores for a JSON column
Params = Callable[[Sequence[dict[str, Any]]], list[Any]]


class NotPrepared(Exception):
    """A value the prepared statement cannot take (a row lacking a column): write it with SQLAlchemy."""


class Prepared:
    """One statement for one dialect: its SQL and a builder of the driver's parameters from dicts
    keyed by the statement's bind names (for an insert, the column keys)."""

    def __init__(
        self, stmt: Any, dialect: Dialect, *, name: str, column_keys: list[str] | None = None
    ) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        self.stmt = stmt
        self.sql: str = compiled.string
        self.positional = bool(compiled.positional)
        self.names: list[str] = list(compiled.positiontup or []) if self.positional else list(compiled.binds)
        if column_keys is not None and sorted(self.names) != sorted(column_keys):
            raise ValueError(f"cannot prepare {name}: binds {self.names} for columns {column_keys}")
        processors = {n: _processor(compiled.binds[n].type, dialect) for n in self.names}
        self.params: Params = self._generate(name, processors)

    @classmethod
    def insert(cls, table: sa.Table, dialect: Dialect) -> Prepared:
        """The table's INSERT of every column."""
        keys = [c.key for c in table.columns]
        return cls(table.insert(), dialect, name=f"the insert of {table.name}", column_keys=keys)

    def _generate(self, name: str, processors: dict[str, Callable[[Any], Any] | None]) -> Params:
        """One generated list comprehension: each dict's values picked and converted in place (the
        empty JSON values of SQLite answered inline), as tuples or, for named paramstyles, dicts."""
        env: dict[str, Any] = {"J": json_text, "E": jsontext.EMPTY}
        values = []
        for i, bind in enumerate(self.names):
            process = processors[bind]
            value = f"r[{bind!r}]"
            if process is json_text:
                value = f"(J(v) if (v := {value}) or v is None or v.__class__ not in E else E[v.__class__])"
            elif process is not None:
                env[f"p{i}"] = process
                value = f"p{i}({value})"
            values.append(value if self.positional else f"{bind!r}: {value}")
        shape = f"({', '.join(values)},)" if self.positional else f"{{{', '.join(values)}}}"
        source = f"def params(rows):\n    return [{shape} for r in rows]"
        exec(compile(source, f"<parameters of {name}>", "exec"), env)
        made: Params = env["params"]
        return made

    def bound(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """`params(rows)`; `NotPrepared` when a row lacks a value."""
        try:
            return self.params(rows)
        except KeyError as exc:
            raise NotPrepared(str(exc)) from None

    def run(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Run for each row in the connection's transaction, through SQLAlchemy's driver-level call.
        Rows that lack a column (column defaults to apply) go through SQLAlchemy entirely."""
        try:
            params = self.bound(rows)
        except NotPrepared:
            conn.execute(self.stmt, rows)
            return
        conn.exec_driver_sql(self.sql, params)


def _processor(type_: sa.types.TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of this type before the driver gets it (None: nothing)."""
    impl = type_.dialect_impl(dialect)
    process: Callable[[Any], Any] | None = impl.bind_processor(dialect)
    if (
        process is not None
        and isinstance(impl, sa.JSON)
        and dialect.name == "sqlite"
        and getattr(dialect, "_json_serializer", None) is None
    ):
        return json_text  # SQLite stores json.dumps text: the same, faster
    return process
