"""Shared fixtures: a PostgreSQL server found or started once, and an isolated schema per test.

Where the server comes from, in order: `DATABASE_URL`; a server on 127.0.0.1:5432 with a `test`
database and trust auth (as `postgres`, `root` or the current user); a throwaway cluster made
with `initdb`/`pg_ctl` in a temporary folder. Without any of them the tests marked `postgres`
are skipped with the reason, or fail when `CI` is set.
"""

from __future__ import annotations

import gc
import getpass
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import pytest

CONNECT_TIMEOUT = 3

# Python's cyclic collector scans every object of the heap when it makes a full collection, and
# makes one each time the heap has grown by a quarter. Collecting the suite builds a few million
# objects that live as long as the process (the plugins, the twins' modules, the parametrised
# specs): scanning them again and again took about half of the CPU of a test process's
# collection. The collector is off while collecting; then what is alive is frozen (left out of
# every later scan) and it is on. Each test module starts the same way: the previous module's
# garbage is collected and what outlives it (session fixtures, caches) is frozen, so a later full
# collection scans only what the running module made.
gc.disable()


def settle_heap() -> None:
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    settle_heap()
    gc.enable()


_MODULE = pytest.StashKey[object]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    module = getattr(item, "module", None)
    if item.config.stash.get(_MODULE, None) is not module:
        item.config.stash[_MODULE] = module
        settle_heap()


# The plugins this suite uses, named here because pyproject's addopts turn off loading every
# installed one: pytest marks each autoloaded plugin's whole distribution for assertion rewriting
# (schemathesis, hypothesis, faker, anyio, this package: some 630 modules), which every test
# process then parses and compiles again, about 4 s of CPU each. `pytester`: tests/testing runs the
# twins' pytest plugin on generated test files.
pytest_plugins = [
    "pytester",
    "pytest_asyncio.plugin",
    "_hypothesis_pytestplugin",
    "schemathesis.pytest.plugin",
    "twins.pytest_plugin",
]


@dataclass
class PostgresServer:
    """A reachable PostgreSQL database in which tests may create and drop schemas."""

    url: str  # postgresql://user@host:port/db
    origin: str  # where it came from, for messages

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _libpq_url(url: str) -> str:
    """SQLAlchemy spellings (`postgresql+psycopg://`, `postgres://`) as a libpq URI."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.split("+")[0] in ("postgresql", "postgres"):
        return "postgresql://" + rest
    return url


def _reachable(url: str) -> str | None:
    """None when a connection works, else the first line of the reason."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return None


def _local_test_db(user: str) -> tuple[str | None, str]:
    """postgresql://user@127.0.0.1:5432/test, creating the `test` database when it is missing."""
    url = f"postgresql://{user}@127.0.0.1:5432/test"
    why = _reachable(url)
    if why is not None and '"test" does not exist' in why:
        try:
            with psycopg.connect(
                f"postgresql://{user}@127.0.0.1:5432/postgres",
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
            ) as conn:
                conn.execute("CREATE DATABASE test")
        except Exception:
            pass
        else:
            why = _reachable(url)
    return (url, "") if why is None else (None, f"{url}: {why}")


def _find_bin(name: str) -> str | None:
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
        reverse=True,
    )
    if versions:
        return str(versions[0])
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Cluster:
    """A throwaway cluster in a temporary folder; as root it runs as the `postgres` user."""

    def __init__(self) -> None:
        self.dir: Path | None = None
        self.as_postgres = False
        self.pg_ctl = ""

    def _run(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        if self.as_postgres:
            if shutil.which("runuser"):
                cmd = ["runuser", "-u", "postgres", "--", *cmd]
            else:
                cmd = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def start(self) -> tuple[str | None, str]:
        """(url, "") once running, else (None, why not)."""
        initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
        if not initdb or not pg_ctl:
            return None, "initdb/pg_ctl not found (install PostgreSQL or set DATABASE_URL)"
        self.pg_ctl = pg_ctl
        user = getpass.getuser()
        if os.geteuid() == 0:  # initdb refuses to run as root
            import pwd

            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return None, "running as root and there is no 'postgres' user to run initdb as"
            if not (shutil.which("runuser") or shutil.which("su")):
                return None, "running as root and neither runuser nor su is there to run initdb"
            self.as_postgres = True
            user = "postgres"
        self.dir = Path(tempfile.mkdtemp(prefix="twins-pg-"))
        data, sock = self.dir / "data", self.dir / "sock"
        sock.mkdir()
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
            shutil.chown(sock, "postgres")
        port = _free_port()
        steps = [
            [initdb, "-D", str(data), "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8"],
            [
                pg_ctl, "-D", str(data), "-l", str(self.dir / "log"), "-w", "-t", "30",
                "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ],
        ]  # fmt: skip
        for cmd in steps:
            done = self._run(cmd)
            if done.returncode != 0:
                why = (done.stderr or done.stdout).strip().splitlines()
                self.stop()
                return None, f"{Path(cmd[0]).name} failed: {why[-1] if why else done.returncode}"
        admin = f"postgresql://{user}@127.0.0.1:{port}/postgres"
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                conn.execute("CREATE DATABASE test")
        except Exception as exc:
            self.stop()
            return None, f"cannot create the test database: {exc}"
        return f"postgresql://{user}@127.0.0.1:{port}/test", ""

    def stop(self) -> None:
        if self.dir is None:
            return
        data = self.dir / "data"
        if (data / "postmaster.pid").exists():
            self._run([self.pg_ctl, "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL database for the whole session (see the module docstring for where from)."""
    reasons: list[str] = []
    env_url = os.environ.get("DATABASE_URL", "").strip()
    if env_url:
        url = _libpq_url(env_url)
        why = _reachable(url)
        if why is None:
            yield PostgresServer(url, "DATABASE_URL")
            return
        reasons.append(f"DATABASE_URL: {why}")
    else:
        users = dict.fromkeys(["postgres", "root", getpass.getuser()])
        for user in users:
            found, why = _local_test_db(user)
            if found is not None:
                yield PostgresServer(found, "127.0.0.1:5432")
                return
            reasons.append(why)
        cluster = _Cluster()
        started, why = cluster.start()
        if started is not None:
            try:
                yield PostgresServer(started, "throwaway cluster")
            finally:
                cluster.stop()
            return
        reasons.append(f"throwaway cluster: {why}")
    message = "no PostgreSQL available: " + "; ".join(reasons)
    if _ci():
        pytest.fail(message + " (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(message)


def with_search_path(url: str, schema: str) -> str:
    """The URL with `options=-csearch_path=<schema>` added to its query."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A `postgresql://` URL whose connections see only a fresh schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with postgres_server.connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(postgres_server.url, schema)
    finally:
        with postgres_server.connect() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
