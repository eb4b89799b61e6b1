"""CPU per request of the Jira twin's create, get and JQL search, driven in process (no HTTP, no wrk),
and the latency of single searches, the first one after a burst of creates included.

    python -m bench.jira_inproc [--issues 20000] [--seconds 2] [--concurrency 16] [--creates 1600]
                                [--repeats 3] [--only create,get,search,legacy] [--profile search]

Builds the app exactly as `bench.twin_servers:jira_app` does (rate limits off, admin auth off, a
SQLite file database in a temporary directory, journal on, 20,000 issues, the collector tuned as a
serving process has it), and calls the ASGI app directly with the requests of bench/jira_bench.py:

- `create`: `POST /rest/api/2/issue` (a Task in APP);
- `get`: `GET /rest/api/2/issue/APP-100`;
- `search`: `GET /rest/api/2/search/jql` with the benchmark's JQL, `fields=summary,status`, 50 a page;
- `legacy`: the same query on `GET /rest/api/2/search` (offset pages with `total`).

Each case runs `--concurrency` tasks on one event loop for about `--seconds` of CPU and reports CPU
microseconds per request of the process (`time.process_time`, so other work on the machine skews
it little), against the bare app answering the same bytes. Then, `--repeats` times: `--creates`
creates (16 at a time), and single searches one after another, timed each (wall, ms): the first,
and the median, p99 and maximum of the next 400, with the garbage collector's pauses
meanwhile. `--profile CASE` adds a cProfile of that case.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.asgi import Call, asgi_call
from bench.jira_bench import JQL

HOST = b"127.0.0.1:8000"
CREATE = json.dumps(
    {
        "fields": {
            "project": {"key": "APP"},
            "issuetype": {"name": "Task"},
            "summary": "Benchmark issue",
            "labels": ["bench"],
        }
    }
).encode()
SEARCH = "/rest/api/2/search/jql?" + urlencode({"jql": JQL, "fields": "summary,status", "maxResults": 50})
LEGACY = "/rest/api/2/search?" + urlencode({"jql": JQL, "fields": "summary,status", "maxResults": 50})
TARGETS = {
    "create": ("POST", "/rest/api/2/issue", CREATE, 201),
    "get": ("GET", "/rest/api/2/issue/APP-100", b"", 200),
    "search": ("GET", SEARCH, b"", 200),
    "legacy": ("GET", LEGACY, b"", 200),
}


def calls(app: Any, auth: str) -> dict[str, tuple[Call, int]]:
    headers = [(b"host", HOST), (b"accept", b"application/json")]
    if auth:
        headers.append((b"authorization", auth.encode()))
    return {
        name: (asgi_call(app, method, target, headers, body), status)
        for name, (method, target, body, status) in TARGETS.items()
    }


async def checked(call: Call, want: int) -> bytes:
    status, body = await call()
    if status != want:
        raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
    return body


async def measure(call: Call, want: int, seconds: float, concurrency: int) -> dict[str, float]:
    """Warm up, then rounds of `concurrency` concurrent calls until `seconds` of CPU have passed."""
    for _ in range(2):
        await asyncio.gather(*(checked(call, want) for _ in range(concurrency)))
    done = 0
    c0 = time.process_time()
    while time.process_time() - c0 < seconds:
        await asyncio.gather(*(checked(call, want) for _ in range(concurrency)))
        done += concurrency
    return {"cpu_us": 1e6 * (time.process_time() - c0) / done, "requests": done}


async def after_creates(cases: dict[str, tuple[Call, int]], creates: int, searches: int) -> dict[str, float]:
    """`creates` creates, then `searches` searches one at a time: their wall times in ms."""
    create, status = cases["create"]
    for _ in range(creates // 16):
        await asyncio.gather(*(checked(create, status) for _ in range(16)))
    search, status = cases["search"]
    times = []
    pauses: list[float] = []  # the collector's pauses meanwhile, ms

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            pauses.append(time.perf_counter())
        elif pauses:
            pauses[-1] = 1000 * (time.perf_counter() - pauses[-1])

    gc.callbacks.append(timed)
    try:
        for _ in range(searches + 1):
            t0 = time.perf_counter()
            await checked(search, status)
            times.append(1000 * (time.perf_counter() - t0))
    finally:
        gc.callbacks.remove(timed)
    rest = sorted(times[1:])
    return {
        "first_ms": times[0],
        "p50_ms": statistics.median(rest),
        "p99_ms": rest[int(len(rest) * 0.99) - 1],
        "max_ms": rest[-1],
        "gc_count": len(pauses),
        "gc_max_ms": max(pauses, default=0.0),
    }


async def profile(call: Call, requests: int, concurrency: int, top: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(max(1, requests // concurrency)):
        await asyncio.gather(*(call() for _ in range(concurrency)))
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


async def run(args: argparse.Namespace, tmp: Path) -> None:
    os.environ["BENCH_DB_URL"] = f"sqlite:///{tmp / 'jira.db'}"
    os.environ["BENCH_JIRA_ISSUES"] = str(args.issues)
    os.environ.setdefault("BENCH_JOURNAL", "1")
    from bench.twin_servers import jira_app

    t0 = time.perf_counter()
    app = jira_app()
    ctx = app.state.twin
    print(f"twin built with {args.issues} issues in {time.perf_counter() - t0:.1f} s", flush=True)
    try:
        creds = ctx.service.credentials(ctx.store.get(ctx.settings.default_tenant), "http://127.0.0.1:8000")
        auth = "Basic " + base64.b64encode(f"{creds['email']}:{creds['api_token']}".encode()).decode()
        cases = calls(app, auth)
        wanted = [c for c in args.only.split(",") if c]
        routes = []
        for name in wanted:
            call, status = cases[name]
            path = tmp / f"{name}.json"
            path.write_bytes(await checked(call, status))
            routes.append([TARGETS[name][0], TARGETS[name][1].split("?", 1)[0], status, str(path)])
        os.environ["BENCH_ROUTES"] = json.dumps(routes)
        from bench.twin_servers import bare_app

        bare = calls(bare_app(), "")
        print(f"\nCPU µs per request, {args.concurrency} concurrent, ~{args.seconds:g} s CPU per case")
        print("| case | twin µs | bare µs | twin / bare |")
        print("|---|---:|---:|---:|")
        for name in wanted:
            twin = await measure(*cases[name], args.seconds, args.concurrency)
            floor = await measure(*bare[name], min(args.seconds, 1.0), args.concurrency)
            ratio = twin["cpu_us"] / floor["cpu_us"]
            print(f"| {name} | {twin['cpu_us']:.0f} | {floor['cpu_us']:.0f} | {ratio:.1f} |", flush=True)
        n = args.searches
        print(f"\nSingle searches after {args.creates} creates (wall ms; median, p99, max of {n})")
        print("| repeat | first | p50 | p99 | max | collections | longest collection |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for rep in range(args.repeats):
            t = await after_creates(cases, args.creates, args.searches)
            cells = [f"{t['first_ms']:.1f}", *(f"{t[k]:.2f}" for k in ("p50_ms", "p99_ms", "max_ms"))]
            cells += [str(t["gc_count"]), f"{t['gc_max_ms']:.2f}"]
            print(f"| {rep + 1} | {' | '.join(cells)} |", flush=True)
        for name in [c for c in args.profile.split(",") if c]:
            print(f"\n--- cProfile: {name} ---")
            print(await profile(cases[name][0], args.profile_requests, args.concurrency, args.top))
    finally:
        ctx.store.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--issues", type=int, default=20_000)
    p.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per case")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--creates", type=int, default=1600, help="creates before each series of single searches")
    p.add_argument("--searches", type=int, default=400, help="single searches timed after the creates")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--only", default="create,get,search,legacy", help="cases to measure, comma-separated")
    p.add_argument("--profile", default="", help="cases to profile with cProfile, comma-separated")
    p.add_argument("--profile-requests", type=int, default=320)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args()
    import uvloop

    with tempfile.TemporaryDirectory(prefix="jira-inproc-") as tmp:
        uvloop.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
