"""Prepared row inserts: each table's INSERT is compiled once per dialect, and a batch of rows goes
to the driver's `executemany` as ready parameter tuples.

SQLAlchemy's `conn.execute(table.insert(), rows)` rebuilds the parameters of every row in Python,
calling each column type's bind processor through several layers; for the wide rows twins write
(a Slack message has ten JSON columns) that cost more than SQLite's own work. Here one generated
comprehension per table picks a row's values, and only the columns whose type converts values
(JSON, booleans, dates, as the dialect says) go through their processor. The processors are the dialect's
own, so what is stored is what SQLAlchemy would have stored; for JSON text on SQLite, `json_text`
writes exactly what `json.dumps` writes, faster (`jsontext`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from twins._runtime import jsontext

json_text = jsontext.default  # json.dumps(value): the text SQLAlchemy stores for a JSON column
_EMPTY_JSON = {list: "[]", dict: "{}", str: '""'}


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
        self.params = self._generate(names, {name: _processor(by_name[name].type, dialect) for name in names})

    def _generate(
        self, names: list[str], processors: dict[str, Callable[[Any], Any] | None]
    ) -> Callable[[list[dict[str, Any]]], list[Any]]:
        """The driver's parameters for a list of rows (tuples, or dicts for named paramstyles), as
        one generated list comprehension: a row's values are picked and converted in place, the
        empty JSON values of SQLite answered inline."""
        env: dict[str, Any] = {"J": json_text, "E": _EMPTY_JSON}
        values = []
        for i, name in enumerate(names):
            process = processors[name]
            value = f"r[{name!r}]"
            if process is json_text:
                value = f"(J(v) if (v := {value}) or v is None or v.__class__ not in E else E[v.__class__])"
            elif process is not None:
                env[f"p{i}"] = process
                value = f"p{i}({value})"
            values.append(value if self.positional else f"{name!r}: {value}")
        shape = f"({', '.join(values)},)" if self.positional else f"{{{', '.join(values)}}}"
        source = f"def params(rows):\n    return [{shape} for r in rows]"
        exec(compile(source, f"<insert parameters of {self.table.name}>", "exec"), env)
        made: Callable[[list[dict[str, Any]]], list[Any]] = env["params"]
        return made

    def run(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert the rows, in order, in the connection's transaction. Rows that lack a column
        (column defaults to apply) go through SQLAlchemy as before."""
        try:
            params = self.params(rows)
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
