"""Replicas of one twin on one PostgreSQL database under Locust load, then a count from the database.

    python -m bench.load.run --twin slack --replicas 2 --users 20 --duration 10
    python -m bench.load.run --twin okta --replicas 2 --workers 2 --duration 10   # master + 2 workers

Starts `twins serve TWIN` `--replicas` times on a throwaway schema (TWINS_SHARED=1, rate limits off),
runs `locust` headless (alone, or as `--master` with `--workers` worker processes: the way past one
machine), stops everything, checks the database with `check.py` and prints requests/s and p50/p99
per endpoint. Raw data: `bench/out/load-<twin>-<UTC time>.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.harness import PG_URL, free_port, machine, pg_reachable, pg_schema, write_json
from bench.load.check import check_okta, check_slack, read_log

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
USER_CLASS = {"slack": "SlackUser", "okta": "OktaUser"}
URLS_VARIABLE = {"slack": "SLACK_URLS", "okta": "OKTA_URLS"}
TWINS = [sys.executable, "-c", "from twins.cli import main; main()"]


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process for the block's duration; SIGTERM at the end (twins flush their writes)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url} exited:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/_twin/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f}s")


def make_groups(url: str, admin_token: str, run_id: str, count: int) -> list[str]:
    """Okta groups the load adds users to, created before the load starts."""
    creds = httpx.get(f"{url}/_twin/credentials", headers={"Authorization": f"Bearer {admin_token}"}).json()
    auth = {"Authorization": f"SSWS {creds['api_token']}", "Accept": "application/json"}
    ids = []
    for i in range(count):
        body = {"profile": {"name": f"load-{run_id}-g{i}"}}
        reply = httpx.post(f"{url}/api/v1/groups", json=body, headers=auth)
        reply.raise_for_status()
        ids.append(reply.json()["id"])
    return ids


def locust_argv(role: list[str]) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--skip-log-setup", *role]


def run_locust(args: argparse.Namespace, env: dict[str, str], work: Path) -> Path:
    """Headless Locust, alone or master + workers; returns the CSV prefix of its stats."""
    prefix = work / "locust"
    common = ["--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s"]
    common += ["--csv", str(prefix), "--only-summary", "--stop-timeout", "5", USER_CLASS[args.twin]]
    if args.workers == 0:
        subprocess.run(locust_argv(common), env={**os.environ, **env}, check=False)
        return prefix
    port = free_port()
    master = ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port)]
    master += ["--expect-workers", str(args.workers), *common]
    worker = ["--worker", "--master-host", "127.0.0.1", "--master-port", str(port), USER_CLASS[args.twin]]
    with ExitStack() as stack:
        for i in range(args.workers):
            stack.enter_context(process(locust_argv(worker), env, work / f"worker{i}.log"))
        subprocess.run(locust_argv(master), env={**os.environ, **env}, check=False)
    return prefix


def endpoint_stats(prefix: Path) -> list[dict[str, Any]]:
    """Per endpoint from Locust's `<prefix>_stats.csv`: requests, failures, requests/s, p50, p99."""
    rows = []
    with Path(f"{prefix}_stats.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                }
            )
    return rows


def failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    return list(csv.DictReader(path.open(newline=""))) if path.exists() else []


def table(stats: list[dict[str, Any]]) -> str:
    lines = ["| endpoint | requests | failures | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    for s in stats:
        lines.append(
            f"| `{s['name']}` | {s['requests']} | {s['failures']} | {s['rps']:.1f} | "
            f"{s['p50_ms']:.0f} | {s['p99_ms']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--twin", choices=sorted(USER_CLASS), default="slack")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load (keep it short)")
    parser.add_argument("--workers", type=int, default=0, help="Locust worker processes (0: no master)")
    parser.add_argument("--groups", type=int, default=4, help="Okta groups the load works on")
    args = parser.parse_args()
    if why := pg_reachable():
        raise SystemExit(f"PostgreSQL at {PG_URL}: {why}")
    run_id = secrets.token_hex(4)
    token = "twa_" + secrets.token_urlsafe(16)
    with (
        tempfile.TemporaryDirectory(prefix="twins-load-") as tmp,
        pg_schema() as db_url,
        ExitStack() as stack,
    ):
        work = Path(tmp)
        urls = []
        twin_env = {"TWINS_SHARED": "1", "TWINS_ADMIN_TOKEN": token, "TWINS_RATE_LIMITS": "off"}
        for i in range(args.replicas):  # one after the other: the first creates the schema
            port = free_port()
            argv = [*TWINS, "serve", args.twin, "--port", str(port), "--db", db_url, "--rate-limits", "off"]
            log = work / f"replica{i}.log"
            proc = stack.enter_context(process(argv, twin_env, log))
            urls.append(f"http://127.0.0.1:{port}")
            wait_healthy(urls[-1], proc, log)
        groups = make_groups(urls[0], token, run_id, args.groups) if args.twin == "okta" else []
        env = {
            URLS_VARIABLE[args.twin]: ",".join(urls),
            "TWINS_ADMIN_TOKEN": token,
            "LOAD_RUN_ID": run_id,
            "LOAD_LOG_DIR": str(work / "writes"),
            "LOAD_OKTA_GROUPS": ",".join(groups),
        }
        prefix = run_locust(args, env, work)
        stack.close()  # replicas stop and flush before the database is read
        log = read_log(work / "writes")
        if args.twin == "slack":
            check = check_slack(db_url, run_id, log)
        else:
            check = check_okta(db_url, run_id, log, groups)
        stats = endpoint_stats(prefix)
        errors = failures(prefix)
        replica_errors = [
            line for i in range(args.replicas)
            for line in (work / f"replica{i}.log").read_text(errors="replace").splitlines()
            if "Traceback" in line or "ERROR" in line
        ]  # fmt: skip
    result = {"args": vars(args), "run_id": run_id, "stats": stats, "failures": errors, "check": check}
    result["replica_error_lines"] = replica_errors[:20]
    result["machine"] = machine()
    path = write_json(f"load-{args.twin}", result)
    print(table(stats))
    for e in errors[:10]:
        print(f"failure: {e.get('Method')} {e.get('Name')}: {e.get('Error')} x{e.get('Occurrences')}")
    print("check:", json.dumps(check))
    print(f"raw data: {path}")


if __name__ == "__main__":
    main()
