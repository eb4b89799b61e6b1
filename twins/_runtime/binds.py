"""Prepared row inserts: each table's INSERT is compiled once per dialect, and a batch of rows goes
to the driver's `executemany` as ready parameter tuples.

SQLAlchemy's `conn.execute(table.insert(), rows)` rebuilds the parameters of every row in Python,
calling each column type's bind processor through several layers; for the wide rows twins write
(a Slack message has ten JSON columns) that cost more than SQLite's own work. Here a row's values
are picked in one C call (`itemgetter`) and only the columns whose type converts values (JSON,
booleans, dates, as the dialect says) go through their processor. The processors are the dialect's
own, so what is stored is what SQLAlchemy would have stored; for JSON text on SQLite, `json_text`
writes exactly what `json.dumps` writes, faster (`jsontext`).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from twins._runtime import jsontext

json_text = jsontext.default  # json.dumps(value): the text SQLAlchemy stores for a JSON column


class PreparedInsert:
    """One table's INSERT of every column, for one dialect."""

    def __init__(self, table: sa.Table, dialect: Dialect) -> None:
        keys = [c.key for c in table.columns]
        compiled = table.insert().compile(dialect=dialect, column_keys=keys)
        self.table = table
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        names = list(compiled.positiontup or []) if self.positional else list(compiled.binds)
        by_name = {c.key: c for c in table.columns}
        if sorted(names) != sorted(keys):  # a bind name that is not a column key: not ours to prepare
            raise ValueError(f"cannot prepare the insert of {table.name}: binds {names} for columns {keys}")
        self.names = names
        self._get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
        self._convert: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(names):
            process = _processor(by_name[name].type, dialect)
            if process is not None:
                self._convert.append((i, process))

    def params(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters for one row (a tuple, or a dict for named paramstyles)."""
        values = self._get(row)
        if self._convert:
            listed = list(values)
            for i, process in self._convert:
                listed[i] = process(listed[i])
            values = tuple(listed)
        return values if self.positional else dict(zip(self.names, values, strict=True))

    def run(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert the rows, in order, in the connection's transaction. Rows that lack a column
        (column defaults to apply) go through SQLAlchemy as before."""
        try:
            params = [self.params(row) for row in rows]
        except KeyError:
            conn.execute(self.table.insert(), rows)
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
