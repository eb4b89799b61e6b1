"""Time of the admin operations on a tenant holding 10,000 rows: reset, snapshot, restore.

    python -m bench.admin_ops                      # SQLite file + PostgreSQL (if reachable), 7 runs each
    python -m bench.admin_ops --db sqlite --runs 3 # a quick look
    python -m bench.admin_ops --fill api           # the 10,000 rows come from POST /v1/notes

In process: the sample twin's app (tests/runtime/sample.py) is built by `build_app` on a SQLite FILE
in a temporary folder (WAL, synchronous=NORMAL) or on a throwaway PostgreSQL schema, and driven through
httpx's ASGITransport, so the figures are the data path (memory + group-commit transaction), not HTTP.

Per database:
- a tenant `bench` is created with `--seed-size` notes (POST /_twin/tenants), then `--rows` notes are
  added: by default in one store operation (one transaction), with `--fill api` by POST /v1/notes at
  16 concurrent requests (group commit);
- `reset`: POST /_twin/reset?tenant=bench back to the seed, timed `--runs` times (refilled before each);
- `snapshot`: POST /_twin/snapshot of the full tenant (the same name each time, so it is replaced);
- `restore`: POST /_twin/restore of that snapshot; `restore-cold` does the same after dropping the
  process's in-memory copy of the snapshot, so its JSON is read back from the database.
Every timing is one request from send to response; `db ms` is the part spent in the committer's
transaction (begin to commit), measured by wrapping `Committer._write`. After the
runs the rows on disk are counted to check that each operation was durable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress

from bench.harness import count_rows, machine, median, pg_reachable, pg_schema, write_json

TENANT = "bench"
SNAPSHOT = "bench-full"
TARGET_RESET_MS = 50.0
console = Console(stderr=True)


class TimedWrites:
    """Times each batch the committer writes (`Committer._write`: begin to commit; on the event loop
    for a SQLite file, in the writer thread for PostgreSQL). A duration is recorded before the waiting
    requests are resolved, so a caller that awaited a write finds its duration already recorded.
    """

    def __init__(self, committer: Any) -> None:
        self.durations: list[float] = []
        write = committer._write

        def timed(batch: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return write(batch)
            finally:
                self.durations.append(time.perf_counter() - t0)

        committer._write = timed

    def take(self) -> float:
        total = sum(self.durations)
        self.durations.clear()
        return total


@contextlib.contextmanager
def database(db: str) -> Iterator[str]:
    if db == "pg":
        with pg_schema() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="twins-admin-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'admin.db'}"


async def fill(client: httpx.AsyncClient, app: Any, rows: int, how: str) -> None:
    """Add `rows` notes to the tenant: one store operation, or POST /v1/notes at 16 in flight."""
    ctx = app.state.twin
    if how == "store":

        def insert_many(state: Any) -> None:
            notes = state["sample_notes"]
            now = state.clock.now()
            for i in range(rows):
                notes.insert({"id": f"B{i:07d}", "title": f"bulk {i}", "tags": ["bench"], "created": now})

        await ctx.store.run(TENANT, insert_many)
        return
    token = ctx.store.get(TENANT)["sample_tokens"].get("tok1")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    queue = iter(range(rows))

    async def worker() -> None:
        for i in queue:
            resp = await client.post(
                "/v1/notes", json={"title": f"api {i}", "tags": ["bench"]}, headers=headers
            )
            assert resp.status_code == 201, resp.text

    await asyncio.gather(*(worker() for _ in range(16)))


async def timed_call(
    client: httpx.AsyncClient, writes: TimedWrites, path: str, body: Any = None
) -> tuple[float, float, dict[str, Any]]:
    writes.take()
    t0 = time.perf_counter()
    resp = await client.post(path, params={"tenant": TENANT}, json=body)
    elapsed = time.perf_counter() - t0
    assert resp.status_code in (200, 201), f"{path}: {resp.status_code} {resp.text}"
    return 1000 * elapsed, 1000 * writes.take(), resp.json()


def stats(samples: list[tuple[float, float]]) -> dict[str, Any]:
    ms = [s[0] for s in samples]
    return {
        "median_ms": median(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "db_median_ms": median([s[1] for s in samples]),
        "runs_ms": [round(m, 2) for m in ms],
    }


async def bench_db(db: str, url: str, args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from tests.runtime.sample import create_service
    from twins._runtime.app import build_app
    from twins._runtime.settings import Settings

    app = build_app(create_service(), Settings(db_url=url, admin_auth=False, seed_size=1))
    store = app.state.twin.store
    writes = TimedWrites(store.committer)
    results: dict[str, Any] = {"url": url.split("?")[0]}
    transport = httpx.ASGITransport(app=app)
    task = progress.add_task(f"{db}", total=4 * args.runs + 1)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            resp = await client.post("/_twin/tenants", json={"id": TENANT, "size": args.seed_size})
            assert resp.status_code == 201, resp.text
            seeded = args.seed_size
            full = seeded + args.rows

            t0 = time.perf_counter()
            await fill(client, app, args.rows, args.fill)
            results["fill_ms"] = 1000 * (time.perf_counter() - t0)
            writes.take()
            progress.advance(task)

            samples = []
            for i in range(args.runs):
                if i:
                    await fill(client, app, args.rows, args.fill)
                assert len(store.get(TENANT)["sample_notes"]) == full
                ms, db_ms, body = await timed_call(client, writes, "/_twin/reset")
                assert body["rows"]["sample_notes"] == seeded, body
                samples.append((ms, db_ms))
                progress.advance(task)
            results["reset"] = stats(samples)
            results["rows_on_disk_after_reset"] = count_rows(url, "sample_notes")
            results["expected_rows_on_disk_after_reset"] = seeded + 1  # + the default tenant's note

            await fill(client, app, args.rows, args.fill)
            writes.take()
            samples = []
            for _ in range(args.runs):
                ms, db_ms, body = await timed_call(client, writes, "/_twin/snapshot", {"name": SNAPSHOT})
                assert body["rows"] == full + 1, body  # + the token row
                samples.append((ms, db_ms))
                progress.advance(task)
            results["snapshot"] = stats(samples)

            for kind in ("restore", "restore-cold"):
                samples = []
                for _ in range(args.runs):
                    if kind == "restore-cold":
                        store.snapshots.pop((TENANT, SNAPSHOT), None)
                    ms, db_ms, body = await timed_call(client, writes, "/_twin/restore", {"name": SNAPSHOT})
                    assert body["rows"]["sample_notes"] == full, body
                    samples.append((ms, db_ms))
                    progress.advance(task)
                results[kind] = stats(samples)
            results["rows_on_disk_after_restore"] = count_rows(url, "sample_notes")
            results["expected_rows_on_disk_after_restore"] = full + 1  # + the default tenant's note
    finally:
        store.stop()
    return results


def markdown(report: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"tenant of {args.seed_size} seed notes + {args.rows:,} added ({args.fill}); "
        f"median of {args.runs} runs; `db` = time in the committer's transaction",
        "",
        "| database | operation | median ms | min ms | max ms | db median ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for db, res in report["databases"].items():
        if "skipped" in res:
            lines.append(f"| {db} | skipped: {res['skipped']} | | | | |")
            continue
        for op in ("reset", "snapshot", "restore", "restore-cold"):
            s = res[op]
            lines.append(
                f"| {db} | {op} | {s['median_ms']:.1f} | {s['min_ms']:.1f} | {s['max_ms']:.1f} | "
                f"{s['db_median_ms']:.1f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="sqlite,pg", help="databases, of sqlite,pg")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--seed-size", type=int, default=10)
    p.add_argument("--fill", choices=("store", "api"), default="store")
    args = p.parse_args(argv)
    report: dict[str, Any] = {"machine": machine(), "args": vars(args), "databases": {}}
    with Progress(console=console) as progress:
        for db in [d for d in args.db.split(",") if d]:
            if db == "pg" and (reason := pg_reachable()):
                report["databases"][db] = {"skipped": f"PostgreSQL unreachable ({reason})"}
                continue
            with database(db) as url:
                report["databases"][db] = asyncio.run(bench_db(db, url, args, progress))
    table = markdown(report, args)
    report["markdown"] = table
    path = write_json("admin_ops", report)
    print(table)
    for db, res in report["databases"].items():
        if "reset" not in res:
            continue
        print(
            f"\n{db}: fill {res['fill_ms']:.0f} ms; notes on disk after reset "
            f"{res['rows_on_disk_after_reset']} (expected {res['expected_rows_on_disk_after_reset']}), "
            f"after restore {res['rows_on_disk_after_restore']} "
            f"(expected {res['expected_rows_on_disk_after_restore']})"
        )
    sqlite = report["databases"].get("sqlite", {})
    if "reset" in sqlite:
        got = sqlite["reset"]["median_ms"]
        verdict = "met" if got < TARGET_RESET_MS else f"MISSED by {got - TARGET_RESET_MS:.1f} ms"
        print(f"\nreset target (< {TARGET_RESET_MS:.0f} ms on SQLite): {got:.1f} ms, {verdict}")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
