"""Write throughput of 1, 2 and 4 worker processes on one PostgreSQL database, as ratios to one worker.

    python -m bench.replicas                                  # 2 repeats x 5 s per cell (~3 min)
    python -m bench.replicas --duration 3 --repeats 1         # a quick look

The sample twin (tests/runtime/sample.py) under uvicorn `--workers N` (uvloop + httptools), as
`twins serve --workers N` runs a twin: one worker is the single-process mode (group commit, no
tenant locks), two and four workers are shared mode (`Settings.shared`: writers of a tenant take
turns under its row lock and catch up from the change log, twins/_runtime/replicas.py). Nothing is
pinned: the workers, PostgreSQL and wrk share the machine's cores.

Scenarios, on one throwaway PostgreSQL schema seeded once:

- `large`: every request writes to one tenant holding `--rows` (20,000) notes;
- `tenants`: requests spread over `--tenants` (16) tenants in turn (one bearer token each).

Cell = scenario x workers: `POST /v1/notes` with wrk (`-c` connections, bench/wrk.lua with
BENCH_AUTHS for the tenants), after a warm-up. Repeats run every cell in turn, so drift spreads
over them; the table gives the median req/s and the ratio to one worker of the same scenario and
repeat. Each cell checks that no request failed and that every acknowledged write is on disk.
Finally the time of a request with an unknown credential (a fresh one each time) is measured on
two workers, next to the same request with a known one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.harness import (
    Server,
    count_rows,
    http,
    machine,
    median,
    pg_reachable,
    pg_schema,
    require_wrk,
    run_wrk,
    write_json,
)

BODY = json.dumps({"title": "hello", "tags": ["bench"]})
console = Console(stderr=True)


def server(db_url: str, workers: int, log_dir: Path) -> Server:
    env = {"BENCH_DB_URL": db_url, "BENCH_SHARED": "1" if workers > 1 else "0", "BENCH_JOURNAL": "0"}
    return Server(f"twin-w{workers}", "bench.servers:twin_app", env, "", log_dir, workers=workers)


def admin(srv: Server, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    status, out = http(method, srv.url + "/_twin" + path, json.dumps(body).encode() if body else None)
    if status >= 300:
        raise RuntimeError(f"{method} {path}: {status} {out[:200]!r}")
    return json.loads(out)


def seed(db_url: str, rows: int, tenants: int, log_dir: Path) -> dict[str, list[str]]:
    """Create the tenants once; the bearer values of each scenario."""
    srv = server(db_url, 1, log_dir)
    srv.start("/_twin/health", timeout=60)
    try:
        admin(srv, "POST", "/tenants", {"id": "large", "size": rows})
        names = [f"t{i:02d}" for i in range(tenants)]
        for name in names:
            admin(srv, "POST", "/tenants", {"id": name, "size": 10})

        def bearer(tenant: str) -> str:
            return "Bearer " + admin(srv, "GET", f"/credentials?tenant={tenant}")["token"]

        return {"large": [bearer("large")], "tenants": [bearer(n) for n in names]}
    finally:
        srv.stop()


def run_cell(
    db_url: str, workers: int, auths: list[str], args: argparse.Namespace, log_dir: Path
) -> dict[str, Any]:
    before = count_rows(db_url, "sample_notes")
    srv = server(db_url, workers, log_dir)
    srv.start("/_twin/health", timeout=120)
    try:
        env = {"BENCH_METHOD": "POST", "BENCH_BODY": BODY, "BENCH_AUTHS": "|".join(auths)}
        load = {"connections": args.connections, "threads": 2, "cpus": "", "env": env}
        warm = run_wrk(srv.url + "/v1/notes", duration=args.warmup, **load)
        result = run_wrk(srv.url + "/v1/notes", duration=args.duration, **load)
    finally:
        srv.stop()
    sent = warm["requests"] + result["requests"]
    failed = sum(r[k] for r in (warm, result) for k in r if k.startswith("errors_"))
    result["written"] = count_rows(db_url, "sample_notes") - before
    result["failed"] = failed
    # wrk stops with requests in flight: rows on disk may exceed what it counted, never fall short.
    result["durable"] = result["written"] >= sent - failed
    return result


def credential_ms(db_url: str, log_dir: Path, count: int = 50) -> dict[str, float]:
    """Median ms of `GET /v1/notes` on two workers: with the default tenant's token (the baseline)
    and with a fresh unknown token each time (looked up in the database, then refused)."""
    srv = server(db_url, 2, log_dir)
    srv.start("/_twin/health", timeout=120)
    try:
        known = "Bearer " + admin(srv, "GET", "/credentials")["token"]
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for i in range(count):
            for kind, auth in (("known", known), ("unknown", f"Bearer unknown-{i}-{time.time_ns()}")):
                t0 = time.perf_counter()
                status, _ = http("GET", srv.url + "/v1/notes", auth=auth)
                times[kind].append((time.perf_counter() - t0) * 1000)
                assert status == (200 if kind == "known" else 401), (kind, status)
        return {kind: median(values) for kind, values in times.items()}
    finally:
        srv.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--tenants", type=int, default=16)
    parser.add_argument("--scenarios", default="large,tenants", help="which scenarios, comma-separated")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated (1 first)")
    parser.add_argument("--no-miss", action="store_true", help="skip the unknown-credential timing")
    args = parser.parse_args()
    args.worker_counts = tuple(int(w) for w in args.workers.split(","))
    require_wrk()
    why = pg_reachable()
    if why:
        raise SystemExit(f"PostgreSQL is needed: {why}")
    cells: dict[str, list[dict[str, Any]]] = {}
    with pg_schema() as db_url, tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        auths = seed(db_url, args.rows, args.tenants, log_dir)
        for repeat in range(args.repeats):
            for scenario, tokens in auths.items():
                if scenario not in args.scenarios.split(","):
                    continue
                for workers in args.worker_counts:
                    name = f"{scenario}-w{workers}"
                    result = run_cell(db_url, workers, tokens, args, log_dir)
                    cells.setdefault(name, []).append(result)
                    console.print(
                        f"repeat {repeat + 1} {name}: {result['rps']:,.0f} req/s, "
                        f"failed {result['failed']}, durable {result['durable']}"
                    )
        miss_ms = {} if args.no_miss else credential_ms(db_url, log_dir)
    report(cells, args, miss_ms)


def report(
    cells: dict[str, list[dict[str, Any]]], args: argparse.Namespace, miss_ms: dict[str, float]
) -> None:
    lines = [
        "| scenario | workers | req/s (median) | ratio to 1 worker (per repeat) "
        "| p50 ms | p99 ms | failed | durable |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for scenario in ("large", "tenants"):
        if f"{scenario}-w1" not in cells:
            continue
        base = cells[f"{scenario}-w1"]
        for workers in args.worker_counts:
            runs = cells[f"{scenario}-w{workers}"]
            ratios = [r["rps"] / b["rps"] for r, b in zip(runs, base, strict=True)]
            lines.append(
                f"| {scenario} | {workers} | {median([r['rps'] for r in runs]):,.0f} | "
                f"**{median(ratios):.2f}** ({', '.join(f'{x:.2f}' for x in ratios)}) | "
                f"{median([r['p50_us'] for r in runs]) / 1000:.1f} | "
                f"{median([r['p99_us'] for r in runs]) / 1000:.1f} | "
                f"{sum(r['failed'] for r in runs)} | {all(r['durable'] for r in runs)} |"
            )
    if miss_ms:
        lines.append(
            f"\nGET /v1/notes on 2 workers, median of 50 (fresh connection each): known token "
            f"{miss_ms['known']:.1f} ms, unknown token {miss_ms['unknown']:.1f} ms"
        )
    print("\n".join(lines))
    data = {"machine": machine(), "args": vars(args), "cells": cells, "miss_ms": miss_ms}
    path = write_json("replicas", data)
    console.print(f"raw data: {path}")


if __name__ == "__main__":
    main()
