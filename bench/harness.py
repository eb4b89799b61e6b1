"""Shared pieces of the benchmarks: server processes, wrk, PostgreSQL schemas, machine facts, output."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"
WRK_SCRIPT = BENCH_DIR / "wrk.lua"
HOST = "127.0.0.1"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PACKAGES = ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "pydantic", "sqlalchemy", "psycopg")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def pinned(cmd: Sequence[str], cpus: str) -> list[str]:
    """`cmd` under `taskset -c cpus` when taskset exists and the machine has those cores."""
    if cpus and shutil.which("taskset") and (os.cpu_count() or 1) > max(int(c) for c in cpus.split(",")):
        return ["taskset", "-c", cpus, *cmd]
    return list(cmd)


def http(method: str, url: str, body: bytes | None = None, auth: str = "") -> tuple[int, bytes]:
    """One request to 127.0.0.1 (never anywhere else); returns status and body."""
    assert url.startswith(f"http://{HOST}:"), url
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if auth:
        headers["Authorization"] = auth
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


@dataclass
class Server:
    """A uvicorn process (one worker unless told) in its own process group, pinned to `cpus`."""

    name: str
    factory: str
    env: dict[str, str]
    cpus: str
    log_dir: Path
    extra: list[str] = field(default_factory=list)
    workers: int = 1
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, ready_path: str, timeout: float = 30.0) -> None:
        cmd = [sys.executable, "-m", "uvicorn", "--factory", self.factory, "--host", HOST]
        cmd += ["--port", str(self.port), "--workers", str(self.workers), "--log-level", "warning"]
        cmd += ["--no-access-log"]
        cmd += ["--loop", "uvloop", "--http", "httptools", *self.extra]
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        log = (self.log_dir / f"{self.name}.log").open("wb")
        self.proc = subprocess.Popen(
            pinned(cmd, self.cpus),
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {log.name}")
            with contextlib.suppress(OSError):
                if http("GET", self.url + ready_path)[0] == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {ready_path} within {timeout} s")

    def cpu_seconds(self) -> float:
        """utime + stime of the server process (uvicorn with one worker is one process)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM to the group (uvicorn runs the lifespan: the committer flushes), SIGKILL after 15 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def run_wrk(
    url: str, *, duration: float, connections: int, threads: int, cpus: str, env: dict[str, str]
) -> dict[str, Any]:
    """One bounded wrk run; the parsed `BENCH_RESULT` line of bench/wrk.lua."""
    assert url.startswith(f"http://{HOST}:"), url
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "5s"]
    cmd += ["-s", str(WRK_SCRIPT), url]
    out = subprocess.run(
        pinned(cmd, cpus),
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
    ).stdout
    for line in out.splitlines():
        if line.startswith("BENCH_RESULT "):
            result: dict[str, Any] = json.loads(line.split(" ", 1)[1])
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result
    raise RuntimeError(f"wrk printed no result line:\n{out}")


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        hint = "apt-get update && apt-get install -y wrk"
        print(f"wrk is not installed; install it with: {hint}", file=sys.stderr)
        raise SystemExit(1)


def core_ticks() -> dict[str, tuple[int, int]]:
    """Busy and total jiffies of each core, from /proc/stat (empty where it does not exist)."""
    out: dict[str, tuple[int, int]] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/stat").read_text().splitlines():
            name, *values = line.split()
            if name.startswith("cpu") and name != "cpu":
                ticks = [int(v) for v in values[:8]]
                idle = ticks[3] + ticks[4]
                out[name[3:]] = (sum(ticks) - idle, sum(ticks))
    return out


def busy_pct(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], cpus: str) -> float:
    """Busy share (%) of the cores in `cpus` between two `core_ticks()` readings."""
    busy = total = 0
    for cpu in cpus.split(",") if cpus else list(after):
        if cpu in before and cpu in after:
            busy += after[cpu][0] - before[cpu][0]
            total += after[cpu][1] - before[cpu][1]
    return 100.0 * busy / total if total else float("nan")


def wait_quiet(max_wait: float, threshold: float = 15.0, window: float = 0.5) -> tuple[float, float]:
    """Wait (at most `max_wait` s) until every core is below `threshold` % busy over `window` s.

    Other work on the machine (test suites, builds) skews wall-clock throughput; this lets it pass.
    Returns (seconds waited, busiest core % in the last window).
    """
    t0 = time.monotonic()
    while True:
        before = core_ticks()
        time.sleep(window)
        after = core_ticks()
        worst = max((busy_pct(before, after, cpu) for cpu in after), default=0.0)
        waited = time.monotonic() - t0
        if worst < threshold or waited >= max_wait:
            return waited, worst


# --- PostgreSQL ------------------------------------------------------------------------------------
def pg_reachable(url: str = PG_URL) -> str:
    """'' when PostgreSQL answers at `url`, else the reason it does not."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return ""
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


@contextlib.contextmanager
def pg_schema(url: str = PG_URL) -> Iterator[str]:
    """A throwaway schema; yields a URL whose connections use it, dropped afterwards."""
    import psycopg

    name = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def count_rows(db_url: str, table: str) -> int:
    if db_url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    import psycopg

    with psycopg.connect(db_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


# --- facts and output ------------------------------------------------------------------------------
def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True) if shutil.which("wrk") else None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": ((wrk.stdout or wrk.stderr).splitlines() or [""])[0] if wrk else None,
        "packages": versions,
    }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def write_json(name: str, data: dict[str, Any]) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = OUT_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    (OUT_DIR / f"{name}-latest.json").write_text(path.read_text())
    return path


def collapsed_profile(path: Path, top: int = 25) -> dict[str, dict[str, Any]]:
    """Per thread of py-spy's `--threads -f raw` output: samples, and the top frames and source files
    by self samples (%). Self rather than inclusive: under uvloop, py-spy sees coroutine stacks cut at
    different depths, so inclusive shares of async frames undercount.
    """
    threads: dict[str, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        name = frames[0].split(": ", 1)[-1] if frames[0].startswith("thread ") else "?"
        t = threads.setdefault(name, {"samples": 0, "self": {}, "files": {}})
        leaf = frames[-1]
        where = leaf.rsplit("(", 1)[-1].split(":")[0] if "(" in leaf else leaf
        t["samples"] += int(n)
        t["self"][leaf] = t["self"].get(leaf, 0) + int(n)
        t["files"][where] = t["files"].get(where, 0) + int(n)
    out: dict[str, dict[str, Any]] = {}
    for name, t in sorted(threads.items(), key=lambda kv: -kv[1]["samples"]):
        total = max(t["samples"], 1)

        def ranked(counts: dict[str, int], total: int = total) -> list[tuple[str, float]]:
            return sorted(((f, 100.0 * c / total) for f, c in counts.items()), key=lambda x: -x[1])[:top]

        out[name] = {"samples": t["samples"], "self": ranked(t["self"]), "files": ranked(t["files"])}
    return out
