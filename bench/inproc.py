"""Where a twin request's CPU goes: the ASGI app driven in process, no HTTP, one variant per process.

    python -m bench.inproc                 # requests: every variant, reads and writes, 3 repeats (~8 min)
    python -m bench.inproc committer       # the committer alone: CPU per write job by batch size

`requests` calls the app's ASGI callable directly (`--concurrency` tasks on uvloop, `--requests` calls)
and reports CPU time per request of the whole process (event loop + committer thread; `time.process_time`),
which stays meaningful when other work shares the machine. Variants (each in its own process,
pinned to `--cpus`, interleaved over repeats, median reported):

- `bare`: bench.servers.bare_app (FastAPI route returning precomputed bytes): the floor.
- `twin`: the sample twin as `build_app` makes it; `nojournal`: with Settings(journal=False).
- `fastapi`: the route index finds the route, but every endpoint goes through FastAPI's own request
  handling (dependency solving) instead of the index's direct call: what `DirectCall` saves.
- `scan`: no route index: FastAPI's linear scan over the (flattened) routes.
- `thread`: the committer writes in its writer thread, as it does for PostgreSQL, instead of inline
  on the event loop as it does for a private SQLite file.
- `memory-only`: Store._submit returns at once without handing the writes to the committer: the
  cost of a write request without durability (not a valid configuration, a measuring point).
Variants combine with `+` (e.g. `thread+nojournal`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from bench.asgi import asgi_call
from bench.harness import ROOT, machine, median, pinned, write_json

READ_VARIANTS = ("bare", "twin", "nojournal", "fastapi", "scan")
WRITE_VARIANTS = (*READ_VARIANTS, "thread", "memory-only")
WRITE_BODY = json.dumps({"title": "hello", "tags": ["bench"]}).encode()


# --- one variant, in this process -----------------------------------------------------------------
def build(variant: str, db_url: str, body_file: Path) -> tuple[Any, dict[str, Any]]:
    parts = set(variant.split("+"))
    from tests.runtime.sample import create_service
    from twins._runtime.app import build_app
    from twins._runtime.settings import Settings

    if "memory-only" in parts:
        from twins._runtime.store import Store

        async def submit_nothing(self: Any, state: Any, ops: list[Any]) -> None:
            return None

        Store._submit = submit_nothing  # type: ignore[method-assign]
    settings = Settings(db_url=db_url, admin_auth=False, journal="nojournal" not in parts)
    app = build_app(create_service(), settings)
    state = app.state.twin.store.get("default")
    info = {
        "token": state["sample_tokens"].get("tok1")["token"],
        "note": next(iter(state["sample_notes"].rows)),
    }
    if "fastapi" in parts:
        app.router.routes[0].direct.clear()
    if "scan" in parts:
        app.router.routes.pop(0)
    if "thread" in parts:
        committer = app.state.twin.store.committer
        committer.inline = False
        committer.start()
    if "bare" in parts:
        os.environ["BENCH_BODY_FILE"] = str(body_file)
        from bench.servers import bare_app

        app.state.twin.store.stop()
        app = bare_app()
    return app, info


def asgi_caller(app: Any, method: str, path: str, token: str) -> Callable[[], Awaitable[int]]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {token}".encode())]
    request = asgi_call(app, method, path, headers, WRITE_BODY if method == "POST" else b"")

    async def call() -> int:
        status, _ = await request()
        return status

    return call


async def drive(call: Callable[[], Awaitable[int]], requests: int, concurrency: int) -> None:
    async def worker(n: int) -> None:
        for _ in range(n):
            status = await call()
            assert status in (200, 201), status

    await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))


def one(variant: str, kind: str, requests: int, concurrency: int, body_file: Path) -> dict[str, Any]:
    import uvloop

    with tempfile.TemporaryDirectory(prefix="twins-inproc-") as tmp:
        app, info = build(variant, f"sqlite:///{Path(tmp) / 'twin.db'}", body_file)
        method, path = ("GET", f"/v1/notes/{info['note']}") if kind == "read" else ("POST", "/v1/notes")
        call = asgi_caller(app, method, path, info["token"])

        async def run() -> dict[str, Any]:
            await drive(call, max(requests // 10, concurrency), concurrency)  # warm-up
            c0, t0 = time.process_time(), time.perf_counter()
            await drive(call, requests, concurrency)
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            done = requests // concurrency * concurrency
            return {"cpu_us_per_req": 1e6 * cpu / done, "rps": done / wall}

        result = uvloop.run(run())
        twin = getattr(app.state, "twin", None)
        if twin is not None:
            result["avg_batch"] = twin.store.committer.jobs / max(twin.store.committer.batches, 1)
            twin.store.stop()
    return result


# --- the committer alone --------------------------------------------------------------------------
def committer_micro(variant: str, jobs: int) -> dict[str, Any]:
    from tests.runtime.sample import create_service
    from twins._runtime.app import build_app
    from twins._runtime.settings import Settings

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="twins-inproc-") as tmp:
        app = build_app(create_service(), Settings(db_url=f"sqlite:///{tmp}/c.db", journal=False))
        store = app.state.twin.store
        store.committer.stop()  # batches are handed to _write directly below
        state = store.get("default")
        for size in (1, 4, 16, 64):
            batch_jobs: list[Any] = []
            for _ in range(jobs):
                note = {"id": state.ids.next("note", prefix="N", length=8), "title": "t", "tags": ["b"]}
                state["sample_notes"].insert({**note, "created": state.clock.now()})
                batch_jobs.append((state.take_pending(), Future()))
            c0 = time.process_time()
            for i in range(0, jobs, size):
                store.committer._write(batch_jobs[i : i + size])
            out[f"batch {size}"] = 1e6 * (time.process_time() - c0) / jobs
        store.engine.dispose()
    return out


# --- driver ---------------------------------------------------------------------------------------
def spawn(argv: list[str], cpus: str) -> dict[str, Any]:
    cmd = pinned([sys.executable, "-m", "bench.inproc", *argv], cpus)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", nargs="?", default="requests", choices=("requests", "committer", "_one", "_micro"))
    p.add_argument("--variant", default="twin")
    p.add_argument("--kind", default="read", choices=("read", "write"))
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--jobs", type=int, default=4096)
    p.add_argument("--cpus", default="1", help="taskset list for the measured processes ('' = none)")
    p.add_argument("--body-file", default="")
    p.add_argument("--only", default="", help="variants to run, e.g. twin,write:thread (default: all)")
    args = p.parse_args(argv)
    if args.mode == "_one":
        print(json.dumps(one(args.variant, args.kind, args.requests, args.concurrency, Path(args.body_file))))
        return 0
    if args.mode == "_micro":
        print(json.dumps(committer_micro(args.variant, args.jobs)))
        return 0
    report: dict[str, Any] = {"machine": machine(), "args": vars(args), "mode": args.mode}
    lines: list[str] = []
    if args.mode == "committer":
        variants = ("twin",)
        runs = {v: [spawn(["_micro", "--variant", v, "--jobs", str(args.jobs)], args.cpus)
                    for _ in range(args.repeats)] for v in variants}  # fmt: skip
        lines += ["| committer | " + " | ".join(runs["twin"][0]) + " |", "|---" * 5 + "|"]
        for v, reps in runs.items():
            cells = [f"{median([r[k] for r in reps]):.0f}" for k in reps[0]]
            lines.append(f"| `{v}` | " + " | ".join(cells) + " |")
        lines.insert(0, f"CPU µs per write job (1 insert + tenant row), median of {args.repeats}\n")
        report["runs"] = runs
    else:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            f.write(b'{"id":"NZrxdBFH3","title":"note 0","tags":["seed"],"created":1767225600.0}')
        runs_of = [("read", v) for v in READ_VARIANTS] + [("write", v) for v in WRITE_VARIANTS]
        if args.only:
            wanted = set(args.only.split(","))
            runs_of = [(k, v) for k, v in runs_of if v in wanted or f"{k}:{v}" in wanted]
        results: dict[str, list[dict[str, Any]]] = {f"{k} {v}": [] for k, v in runs_of}
        with Progress(console=Console(stderr=True)) as progress:
            task = progress.add_task("in-process runs", total=args.repeats * len(runs_of))
            for _ in range(args.repeats):
                for kind, variant in runs_of:
                    progress.update(task, description=f"{kind} {variant}")
                    argv_one = ["_one", "--variant", variant, "--kind", kind, "--body-file", f.name]
                    argv_one += ["--requests", str(args.requests), "--concurrency", str(args.concurrency)]
                    results[f"{kind} {variant}"].append(spawn(argv_one, args.cpus))
                    progress.advance(task)
        Path(f.name).unlink()
        lines += [
            f"{args.requests:,} requests, {args.concurrency} concurrent, "
            f"median of {args.repeats} processes\n",
            "| kind | variant | CPU µs/req | req/s (wall) | avg batch |",
            "|---|---|---:|---:|---:|",
        ]
        for key, reps in results.items():
            kind, variant = key.split(" ", 1)
            batch = median([r.get("avg_batch", float("nan")) for r in reps])
            lines.append(
                f"| {kind} | `{variant}` | {median([r['cpu_us_per_req'] for r in reps]):.0f} | "
                f"{median([r['rps'] for r in reps]):,.0f} | {'' if batch != batch else f'{batch:.1f}'} |"
            )
        report["runs"] = results
    report["markdown"] = "\n".join(lines)
    path = write_json(f"inproc-{args.mode}", report)
    print(report["markdown"])
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
