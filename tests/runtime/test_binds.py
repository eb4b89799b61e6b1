"""JSON text is json.dumps's; prepared inserts store exactly what SQLAlchemy's own insert stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from twins._runtime import jsontext
from twins._runtime.binds import Prepared, json_text
from twins._runtime.committer import Committer
from twins._runtime.db import create_engine
from twins._runtime.frozen import FrozenDict, FrozenList, freeze

JSON_VALUES: list[Any] = [
    None, [], {}, "", 0, 0.0, False, True, "text", "ünïcödé ☃", [1, "a", None], {"k": {"n": [1.5, {}]}},
    {"b": 1, "a": 2}, 10**20, -3.25, ["\n\t\"quoted\""],
]  # fmt: skip


@pytest.mark.parametrize("value", JSON_VALUES, ids=repr)
def test_json_text_is_json_dumps(value: Any) -> None:
    assert json_text(value) == json.dumps(value)
    assert jsontext.compact(value) == json.dumps(value, separators=(",", ":"))


def test_read_only_parts_are_written_from_their_kept_text_as_json_dumps_writes_them() -> None:
    shared = freeze({"login": "octo", "tags": ["a", "ü"], "n": 1.5})
    for value in [
        {"user": shared, "id": 7, "ok": True, "no": None, "x": 1.25, "s": "ü"},
        FrozenDict({"user": shared, "list": FrozenList([shared, 1]), "nested": {"a": [1, {}]}}),
        {"user": freeze({"login": "other"}), 3: "int key", None: "null key"},
    ]:
        for _ in range(2):  # the second time from the kept texts
            assert json_text(value) == json.dumps(value)
            assert jsontext.compact(value) == json.dumps(value, separators=(",", ":"))
            assert jsontext.answer(value) == json.dumps(
                value, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
    with pytest.raises(ValueError):
        jsontext.answer({"user": shared, "x": float("nan")})


@pytest.mark.parametrize(
    "bad", [{"k": object()}, [b"bytes"], {(1, 2): 3}], ids=["object", "bytes", "tuple-key"]
)
def test_json_text_refuses_what_json_dumps_refuses(bad: Any) -> None:
    with pytest.raises(TypeError) as expected:
        json.dumps(bad)
    for dumps in (json_text, jsontext.compact):
        with pytest.raises(TypeError) as caught:
            dumps(bad)
        assert str(caught.value) == str(expected.value)


def wide_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "wide",
        metadata,
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100)),
        sa.Column("flag", sa.Boolean),
        sa.Column("ratio", sa.Float),
        sa.Column("doc", sa.JSON),
        sa.Column("tags", sa.JSON),
        sa.Column("metadata", sa.JSON, key="metadata_"),
    )


def rows(offset: int) -> list[dict[str, Any]]:
    out = []
    for i, value in enumerate(JSON_VALUES):
        out.append(
            {
                "tenant_id": "t",
                "seq": offset + i,
                "name": None if i % 3 == 0 else f"row {i} ☃",
                "flag": [None, True, False][i % 3],
                "ratio": None if i % 4 == 0 else i / 7,
                "doc": value,
                "tags": [] if i % 2 else ["a", i],
                "metadata_": {} if i % 2 else {"i": i},
            }
        )
    return out


@pytest.mark.parametrize("url_fixture", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_prepared_insert_stores_what_sqlalchemy_stores(
    url_fixture: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    sqlite = f"sqlite:///{tmp_path / 'binds.db'}"
    url = sqlite if url_fixture == "sqlite" else str(request.getfixturevalue("postgres_url"))
    engine = create_engine(url)
    try:
        table = wide_table(sa.MetaData())
        table.metadata.create_all(engine)
        n = len(JSON_VALUES)
        with engine.begin() as conn:
            conn.execute(table.insert(), rows(0))
            prepared = Prepared.insert(table, conn.dialect)
            prepared.run(conn, rows(n))
        with engine.connect() as conn:  # straight on the driver's cursor, as the committer does
            driver = conn.connection.dbapi_connection
            assert driver is not None
            cursor = driver.cursor()
            cursor.executemany(prepared.sql, prepared.bound(rows(2 * n)))
            driver.commit()
        # Read back as the database holds it (JSON as text) and as SQLAlchemy reads it.
        text_cols = [sa.cast(c, sa.Text) if isinstance(c.type, sa.JSON) else c for c in table.columns]
        with engine.connect() as conn:
            raw = conn.execute(sa.select(*text_cols).order_by(table.c.seq)).all()
            typed = conn.execute(sa.select(table).order_by(table.c.seq)).mappings().all()
        for i in range(n):
            for copy in (1, 2):
                assert raw[i][2:] == raw[copy * n + i][2:], (i, copy)
                core, other = dict(typed[i]), dict(typed[copy * n + i])
                assert other.pop("seq") == core.pop("seq") + copy * n
                assert other == core
        # ... and the values come back as written (read back under the column's name)
        written = [{("metadata" if k == "metadata_" else k): v for k, v in r.items()} for r in rows(n)]
        assert [dict(r) for r in typed[n : 2 * n]] == written
    finally:
        engine.dispose()


@pytest.fixture
def defaulted(tmp_path: Any) -> Iterator[tuple[Engine, sa.Table]]:
    """A SQLite database with a table whose column `n` has a column default (7)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'defaults.db'}")
    columns = [sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Integer, default=7)]
    table = sa.Table("d", sa.MetaData(), *columns)
    table.metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def test_rows_lacking_a_column_take_sqlalchemys_path(defaulted: tuple[Engine, sa.Table]) -> None:
    engine, table = defaulted
    with engine.begin() as conn:
        Prepared.insert(table, conn.dialect).run(conn, [{"id": 1}, {"id": 2}])
    with engine.connect() as conn:
        assert conn.execute(sa.select(table.c.n)).scalars().all() == [7, 7]


def test_the_committer_writes_rows_lacking_a_column_through_sqlalchemy(
    defaulted: tuple[Engine, sa.Table],
) -> None:
    engine, table = defaulted
    committer = Committer(engine, "sample", [table], inline=True)
    lacking = [("insert", table, {"id": 1}), ("insert", table, {"id": 2})]
    assert committer.submit(lacking).result(timeout=5) is None
    with engine.connect() as conn:
        assert conn.execute(sa.select(table.c.id, table.c.n).order_by(table.c.id)).all() == [(1, 7), (2, 7)]
    committer.stop()


def test_a_told_text_is_written_once_for_that_very_object() -> None:
    import json

    from twins._runtime import jsontext
    from twins._runtime.frozen import freeze

    row = freeze({"a": 1, "b": [1, 2]})
    jsontext.known(row, '{"a": 1, "b": [1, 2]}')
    assert jsontext.default(row) == json.dumps(row)
    same = freeze({"a": 2})
    jsontext.known(same, "told")
    assert jsontext.default(freeze({"a": 2})) == json.dumps({"a": 2})  # an equal object: encoded
    assert jsontext.default(same) == "told"  # the object told: the text told, once
    assert jsontext.default(same) == json.dumps({"a": 2})
