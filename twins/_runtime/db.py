"""Engine creation and the runtime's own tables; built by the app factory, never at import."""

from __future__ import annotations

import random
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from twins._runtime.errors import ConfigError

runtime_metadata = sa.MetaData()

tenants_table = sa.Table(
    "twin_tenants",
    runtime_metadata,
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False, default=0),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

snapshots_table = sa.Table(
    "twin_snapshots",
    runtime_metadata,
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Shared mode: what each committed version of a tenant changed, so that other processes catch up
# on those rows instead of reloading the tenant (twins/_runtime/changelog.py).
changes_table = sa.Table(
    "twin_changes",
    runtime_metadata,
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("ops", sa.JSON, nullable=False),
)


def normalize_url(url: str) -> str:
    """Accept `postgresql://`, `sqlite:///path`, `:memory:` or a bare file path."""
    if url in (":memory:", "sqlite://", "sqlite:///:memory:"):
        return "sqlite://"
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_engine(url: str) -> Engine:
    """An engine for the URL, checked by connecting once; a bad URL is a one-line ConfigError."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a non-numeric port
        shown = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)  # never print a password
        raise ConfigError(
            f"database URL {shown!r} is not valid; use sqlite:///path.db, :memory: "
            "or postgresql://user@host:5432/db"
        ) from exc
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            folder = Path(parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the folder {str(folder)!r}: {exc}") from exc
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 4
    else:
        raise ConfigError(f"database {backend!r} is not supported; use SQLite (default) or postgresql://")
    try:
        engine = sa.create_engine(url, **kwargs)
    except Exception as exc:  # a missing driver, a malformed option
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"cannot use database URL {url!r}: {reason}") from exc
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except DBAPIError as exc:  # OperationalError, or e.g. an unknown connection option
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(
            f"cannot connect to {parsed.render_as_string(hide_password=True)}: {reason}; "
            "check the server is running and the URL (--db / TWINS_DATABASE_URL)"
        ) from exc
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")
    # Switching a fresh file to WAL takes an exclusive lock; while another process creates the
    # schema in it, SQLite may answer "database is locked" at once, without waiting (it would
    # deadlock otherwise). Workers starting together then try again for a while.
    for attempt in range(100):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.005 + 0.045 * random.random())
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.close()
