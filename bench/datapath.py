"""Data-path throughput of the twin runtime over HTTP, against a bare FastAPI endpoint in the same run.

    python -m bench.datapath                       # all rows, 3 repeats x 10 s, c16 (about 6 min)
    python -m bench.datapath --duration 3 --repeats 1 --servers sqlite   # a quick look
    python -m bench.datapath --profile sqlite-write    # + one py-spy profile of that cell

Every server is its own uvicorn process (1 worker, uvloop + httptools, warning log level, no access log)
on an ephemeral 127.0.0.1 port, pinned with `taskset -c 1`; wrk runs under `taskset -c 0`. Rows:

- `bare-read` / `bare-write`: FastAPI routes that return the twin's read answer as precomputed bytes
  (GET /v1/notes/{id}, POST /v1/notes; the POST body is not read). The baseline.
- `<db>-read`: GET /v1/notes/{id} on the sample twin (bearer token, tenant from the token, row from
  memory). `<db>-write`: POST /v1/notes; each 201 is sent only after its row is committed.
- db `sqlite` (file, WAL, synchronous=NORMAL), `sqlite-nojournal` (same with Settings(journal=False)),
  `pg` (PostgreSQL at BENCH_PG_URL, in a throwaway schema; skipped with a note when unreachable).

Cells run interleaved (repeat 1 of every cell, then repeat 2, ...) after a warm-up of each cell; the
tables give medians of the repeats and the ratio to the bare endpoint of the same kind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

from rich.console import Console
from rich.progress import Progress

from bench.harness import (
    OUT_DIR,
    Server,
    busy_pct,
    collapsed_profile,
    core_ticks,
    count_rows,
    http,
    machine,
    median,
    pg_reachable,
    pg_schema,
    pinned,
    require_wrk,
    run_wrk,
    wait_quiet,
    write_json,
)

TWIN_DBS = ("sqlite", "sqlite-nojournal", "pg")
WRITE_BODY = json.dumps({"title": "hello", "tags": ["bench"]})
console = Console(stderr=True)


@dataclass
class Cell:
    id: str
    server: Server
    method: str
    path: str
    auth: str
    baseline: str

    @property
    def env(self) -> dict[str, str]:
        env = {"BENCH_METHOD": self.method, "BENCH_AUTH": self.auth}
        if self.method == "POST":
            env["BENCH_BODY"] = WRITE_BODY
        return env


def stop_all(servers: list[Server]) -> None:
    for server in servers:
        server.stop()


def start_twin(name: str, db_url: str, journal: bool, args: argparse.Namespace, logs: Path) -> Server:
    env = {"BENCH_DB_URL": db_url, "BENCH_JOURNAL": "1" if journal else "0"}
    # As `twins serve` runs it: no uvicorn Date header (the app stamps its own from the tenant clock).
    server = Server(name, "bench.servers:twin_app", env, args.server_cpus, logs, ["--no-date-header"])
    server.start("/_twin/health")
    return server


def twin_cells(db: str, server: Server) -> tuple[list[Cell], bytes]:
    """Find the token and a seeded note; check a read and a durable write; return the cells."""
    status, raw = http("GET", server.url + "/_twin/credentials")
    assert status == 200, raw
    auth = "Bearer " + json.loads(raw)["token"]
    status, raw = http("GET", server.url + "/v1/notes", auth=auth)
    assert status == 200, raw
    note = json.loads(raw)["notes"][0]["id"]
    status, body = http("GET", f"{server.url}/v1/notes/{note}", auth=auth)
    assert status == 200, body
    status, created = http("POST", server.url + "/v1/notes", WRITE_BODY.encode(), auth=auth)
    assert status == 201, created
    new_id = json.loads(created)["id"]
    assert http("GET", f"{server.url}/v1/notes/{new_id}", auth=auth)[0] == 200
    return [
        Cell(f"{db}-read", server, "GET", f"/v1/notes/{note}", auth, "bare-read"),
        Cell(f"{db}-write", server, "POST", "/v1/notes", auth, "bare-write"),
    ], body


def measure(
    cell: Cell, args: argparse.Namespace, duration: float, on_start: Callable[[], None] | None = None
) -> dict[str, Any]:
    waited, idle_busy = wait_quiet(args.quiet_wait) if args.quiet_wait > 0 else (0.0, float("nan"))
    if on_start is not None:
        on_start()
    cpu0, ticks0 = cell.server.cpu_seconds(), core_ticks()
    result = run_wrk(
        cell.server.url + cell.path,
        duration=duration,
        connections=args.connections,
        threads=args.threads,
        cpus=args.load_cpus,
        env=cell.env,
    )
    result["server_cpu_s"] = cell.server.cpu_seconds() - cpu0
    ticks1 = core_ticks()
    result["server_cpu_pct"] = 100.0 * result["server_cpu_s"] / (result["duration_us"] / 1e6)
    # Busy share of the server's and of wrk's cores: a server core much busier than the server itself
    # means something else ran there (the tables are then less trustworthy than the CPU µs/req column).
    result["server_core_busy_pct"] = busy_pct(ticks0, ticks1, args.server_cpus)
    result["load_core_busy_pct"] = busy_pct(ticks0, ticks1, args.load_cpus)
    result["cpu_us_per_req"] = 1e6 * result["server_cpu_s"] / max(result["requests"], 1)
    result["quiet_wait_s"], result["busiest_core_before_pct"] = waited, idle_busy
    result["errors"] = sum(v for k, v in result.items() if k.startswith("errors_"))
    return result


def profile(cell: Cell, args: argparse.Namespace) -> dict[str, Any]:
    """One extra run of `cell` with py-spy attached (not counted in the tables)."""
    if shutil.which("py-spy") is None:
        return {"error": "py-spy is not installed (pip install py-spy)"}
    assert cell.server.proc is not None
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"profile-{cell.id}.txt"
    seconds = max(int(args.duration) - 1, 2)
    cmd = ["py-spy", "record", "-p", str(cell.server.proc.pid), "-d", str(seconds), "-r", "250"]
    cmd += ["--nonblocking", "--threads", "-f", "raw", "-o", str(out)]
    spies: list[subprocess.Popen[bytes]] = []

    def start() -> None:  # after the quiet wait, right before wrk
        spies.append(subprocess.Popen(pinned(cmd, args.load_cpus), stdout=DEVNULL, stderr=DEVNULL))

    try:
        result = measure(cell, args, args.duration, on_start=start)
    finally:
        for spy in spies:
            spy.wait(timeout=seconds + 30)
    threads = collapsed_profile(out, top=args.profile_top) if out.exists() else {}
    return {"file": str(out), "rps_while_profiled": result["rps"], "threads": threads}


def summarize(cells: list[Cell], runs: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    by_id: dict[str, float] = {}
    cpu_by_id: dict[str, float] = {}
    for cell in cells:
        reps = runs[cell.id]
        rps = [r["rps"] for r in reps]
        row = {
            "cell": cell.id,
            "rps": median(rps),
            "spread_pct": 50.0 * (max(rps) - min(rps)) / median(rps) if rps else 0.0,
            "p50_ms": median([r["p50_us"] / 1000 for r in reps]),
            "p99_ms": median([r["p99_us"] / 1000 for r in reps]),
            "cpu_us_per_req": median([r["cpu_us_per_req"] for r in reps]),
            "errors": sum(r["errors"] for r in reps),
            "server_cpu_pct": median([r["server_cpu_pct"] for r in reps]),
            "server_core_busy_pct": median([r["server_core_busy_pct"] for r in reps]),
            "load_core_busy_pct": median([r["load_core_busy_pct"] for r in reps]),
            "baseline": cell.baseline,
            "n_runs": len(reps),
        }
        by_id[cell.id] = row["rps"]
        cpu_by_id[cell.id] = row["cpu_us_per_req"]
        # Runs where the server's core was busier than the server: foreign load on that core.
        row["contended_runs"] = sum(1 for r in reps if r["server_core_busy_pct"] - r["server_cpu_pct"] > 10.0)
        rows.append(row)
    for row in rows:
        row["ratio"] = row["rps"] / by_id[row["baseline"]] if row["baseline"] in by_id else None
        base_cpu = cpu_by_id.get(row["baseline"])
        row["cpu_ratio"] = base_cpu / row["cpu_us_per_req"] if base_cpu and row["cpu_us_per_req"] else None
    return rows


def markdown(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"c{args.connections}, wrk -t{args.threads}, {args.duration:g} s x {args.repeats} repeats "
        f"(median), server cores {args.server_cpus or 'any'}, wrk cores {args.load_cpus or 'any'}",
        "",
        "| cell | req/s | ± | p50 ms | p99 ms | ratio to bare (req/s) | server CPU µs/req "
        "| ratio to bare (CPU) | errors | server CPU % / its core busy % / wrk core busy % "
        "| contended runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        cpu_ratio = "-" if r["cpu_ratio"] is None else f"{r['cpu_ratio']:.2f}"
        lines.append(
            f"| `{r['cell']}` | {r['rps']:,.0f} | {r['spread_pct']:.0f}% | {r['p50_ms']:.2f} | "
            f"{r['p99_ms']:.2f} | {ratio} | {r['cpu_us_per_req']:.0f} | {cpu_ratio} | {r['errors']} | "
            f"{r['server_cpu_pct']:.0f} / {r['server_core_busy_pct']:.0f} / {r['load_core_busy_pct']:.0f} | "
            f"{r['contended_runs']}/{r['n_runs']} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per cell")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--server-cpus", default="1", help="taskset list for servers ('' = no pinning)")
    p.add_argument("--load-cpus", default="0", help="taskset list for wrk ('' = no pinning)")
    p.add_argument("--servers", default=",".join(TWIN_DBS), help=f"twins to run, of {','.join(TWIN_DBS)}")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=30.0,
        help="before each run, wait up to this many s for all cores to be <15%% busy (0 = never)",
    )
    p.add_argument("--profile", action="append", default=[], help="cell id to profile with py-spy")
    p.add_argument("--profile-top", type=int, default=20)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_wrk()
    dbs = [d for d in args.servers.split(",") if d]
    unknown = set(dbs) - set(TWIN_DBS)
    if unknown:
        raise SystemExit(f"unknown --servers {sorted(unknown)}; choose from {TWIN_DBS}")
    notes: list[str] = []
    report: dict[str, Any] = {"machine": machine(), "args": vars(args), "notes": notes}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="twins-bench-")))
        servers: list[Server] = []
        stack.callback(stop_all, servers)
        cells: list[Cell] = []
        db_urls: dict[str, str] = {}
        read_bodies: dict[str, bytes] = {}
        for db in dbs:
            if db == "pg":
                reason = pg_reachable()
                if reason:
                    notes.append(f"pg skipped: PostgreSQL unreachable ({reason})")
                    continue
                db_urls[db] = stack.enter_context(pg_schema())
            else:
                db_urls[db] = f"sqlite:///{tmp / (db + '.db')}"
            console.log(f"starting twin {db}")
            server = start_twin(db, db_urls[db], db != "sqlite-nojournal", args, tmp)
            servers.append(server)
            twin, read_bodies[db] = twin_cells(db, server)
            cells += twin
        if len(set(read_bodies.values())) > 1:
            notes.append(f"twins answered different read bodies: {read_bodies}")
        body = next(iter(read_bodies.values()), b'{"id":"N0","title":"note 0","tags":["seed"],"created":0.0}')
        (tmp / "body.json").write_bytes(body)
        bare = Server(
            "bare",
            "bench.servers:bare_app",
            {"BENCH_BODY_FILE": str(tmp / "body.json")},
            args.server_cpus,
            tmp,
        )
        servers.append(bare)
        bare.start("/health")
        assert http("GET", bare.url + "/v1/notes/x") == (200, body)
        cells = [
            Cell("bare-read", bare, "GET", "/v1/notes/x", "", "bare-read"),
            Cell("bare-write", bare, "POST", "/v1/notes", "", "bare-write"),
            *cells,
        ]
        runs: dict[str, list[dict[str, Any]]] = {c.id: [] for c in cells}
        acknowledged: dict[str, int] = {db: 1 for db in db_urls}  # the check write above
        with Progress(console=console) as progress:
            total = len(cells) * (args.warmup + args.duration * args.repeats)
            task = progress.add_task("wrk", total=total)
            for cell in cells:
                progress.update(task, description=f"warm-up {cell.id}")
                warm = measure(cell, args, args.warmup)
                progress.advance(task, args.warmup)
                if cell.method == "POST" and cell.server is not bare:
                    acknowledged[cell.server.name] += warm["requests"] - warm["errors_status"]
            for rep in range(args.repeats):
                for cell in cells:
                    progress.update(task, description=f"repeat {rep + 1}/{args.repeats} {cell.id}")
                    result = measure(cell, args, args.duration)
                    runs[cell.id].append(result)
                    progress.advance(task, args.duration)
                    if cell.method == "POST" and cell.server is not bare:
                        acknowledged[cell.server.name] += result["requests"] - result["errors_status"]
        report["profiles"] = {}
        for cell_id in args.profile:
            target = next((c for c in cells if c.id == cell_id), None)
            if target is None:
                notes.append(f"--profile {cell_id}: no such cell")
                continue
            console.log(f"profiling {cell_id} with py-spy")
            # Writes made while profiled are not counted: the durability check stays a lower bound.
            report["profiles"][cell_id] = profile(target, args)
        stop_all(servers)
        durability = {}
        for db, url in db_urls.items():
            on_disk = count_rows(url, "sample_notes")
            durability[db] = {"rows_in_db": on_disk, "acknowledged_writes_plus_seed": acknowledged[db] + 1}
            if on_disk < acknowledged[db] + 1:
                notes.append(f"{db}: {on_disk} rows on disk < {acknowledged[db] + 1} acknowledged")
        report["durability"] = durability
    report["runs"] = runs
    report["summary"] = rows = summarize(cells, runs)
    table = markdown(rows, args)
    report["markdown"] = table
    path = write_json("datapath", report)
    print(table)
    for cell_id, prof in report["profiles"].items():
        print(f"\npy-spy, {cell_id}: {prof.get('error') or prof['file']}")
        for thread, t in prof.get("threads", {}).items():
            print(f"  thread {thread}: {t['samples']} samples (active only); % of them:")
            for kind in ("files", "self"):
                print(f"    {kind}:")
                for frame, pct in t[kind]:
                    print(f"      {pct:5.1f}%  {frame}")
    for note in notes:
        print(f"\nnote: {note}")
    print(f"\ndurability (rows on disk >= acknowledged writes + seed): {durability}")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
