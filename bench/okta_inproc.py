"""CPU per request of the Okta twin's hot endpoints, driven in process (no HTTP, no wrk).

    python -m bench.okta_inproc [--users 10000] [--seconds 2] [--concurrency 16]
                                [--only get,search,token] [--profile search] [--top 25]

Builds the app exactly as `bench.twin_servers:okta_app` does (rate limits off, admin auth off, a
SQLite file database in a temporary directory, journal on, seeded and grown to `--users` users),
runs the service's start hook as uvicorn's lifespan would, does the setup of bench/okta_bench.py
(the `bench.read` scope on the "default" server) and then calls the ASGI app directly with the
three requests of that benchmark:

- `get`: `GET /api/v1/users/{id}` (SSWS token);
- `search`: `GET /api/v1/users?search=profile.department eq "Engineering"&limit=200`;
- `token`: `POST /oauth2/default/v1/token`, client_credentials, client_secret_basic.

Each case runs `--concurrency` tasks on one event loop (uvloop) for about `--seconds` of CPU after
a short warm-up, and reports CPU microseconds per request of the whole process
(`time.process_time`: event loop and committer thread), so other work on the machine does not
skew it much. `bare` is `bench.twin_servers:bare_app` answering the twin's own bytes, measured
the same way: the floor. `--profile CASE` adds a cProfile of that case (top `--top` functions by
own time and by cumulative time).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import io
import json
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.asgi import Call, asgi_call
from bench.okta_bench import FORM, SCOPE, SEARCH

HOST = b"127.0.0.1:8000"


def okta_call(app: Any, method: str, target: str, auth: str, body: bytes = b"", ctype: str = "") -> Call:
    """One request to `app` as a fresh ASGI call each time; returns (status, body)."""
    headers = [(b"host", HOST), (b"accept", b"application/json")]
    if auth:
        headers.append((b"authorization", auth.encode()))
    return asgi_call(app, method, target, headers, body, content_type=ctype.encode())


async def setup(app: Any) -> dict[str, Call]:
    """The bench.read scope on the default server, and the three cases as calls."""
    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.store.get(ctx.settings.default_tenant), "http://127.0.0.1:8000")
    ssws = f"SSWS {creds['api_token']}"

    async def api(method: str, target: str, data: Any = None) -> Any:
        raw = json.dumps(data).encode() if data is not None else b""
        status, out = await okta_call(app, method, target, ssws, raw, "application/json")()
        if status >= 300:
            raise RuntimeError(f"{method} {target}: HTTP {status}: {out[:300]!r}")
        return json.loads(out) if out else None

    servers = await api("GET", "/api/v1/authorizationServers")
    server = next(s for s in servers if s["name"] == "default")
    scope = {"name": SCOPE, "description": "Benchmark scope", "consent": "IMPLICIT"}
    await api("POST", f"/api/v1/authorizationServers/{server['id']}/scopes", scope)
    search = "/api/v1/users?" + urlencode({"search": SEARCH, "limit": 200})
    page = await api("GET", search)
    if len(page) != 200:
        raise RuntimeError(f"search returned {len(page)} users, want a full page of 200")
    basic = base64.b64encode(
        f"{creds['service_app_client_id']}:{creds['service_app_client_secret']}".encode()
    ).decode()
    form = urlencode({"grant_type": "client_credentials", "scope": SCOPE}).encode()
    return {
        "get": okta_call(app, "GET", f"/api/v1/users/{page[100]['id']}", ssws),
        "search": okta_call(app, "GET", search, ssws),
        "token": okta_call(app, "POST", "/oauth2/default/v1/token", f"Basic {basic}", form, FORM),
    }


async def measure(call: Call, seconds: float, concurrency: int) -> dict[str, float]:
    """Warm up, then rounds of `concurrency` concurrent calls until `seconds` of CPU have passed."""

    async def checked() -> None:
        status, body = await call()
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}")

    for _ in range(2):
        await asyncio.gather(*(checked() for _ in range(concurrency)))
    done = 0
    c0, t0 = time.process_time(), time.perf_counter()
    while time.process_time() - c0 < seconds:
        await asyncio.gather(*(checked() for _ in range(concurrency)))
        done += concurrency
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"cpu_us": 1e6 * cpu / done, "rps_wall": done / wall, "requests": done}


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


def bare_for(bodies: dict[str, tuple[str, str, bytes]], tmp: Path) -> Any:
    """bench.twin_servers:bare_app serving the twin's own answers."""
    routes = []
    for name, (method, target, body) in bodies.items():
        path = tmp / f"{name}.json"
        path.write_bytes(body)
        routes.append([method, target.split("?", 1)[0], 200, str(path)])
    os.environ["BENCH_ROUTES"] = json.dumps(routes)
    from bench.twin_servers import bare_app

    return bare_app()


async def run(args: argparse.Namespace, tmp: Path) -> None:
    os.environ["BENCH_DB_URL"] = f"sqlite:///{tmp / 'okta.db'}"
    os.environ["BENCH_OKTA_USERS"] = str(args.users)
    os.environ.setdefault("BENCH_JOURNAL", "1")
    from bench.twin_servers import okta_app

    t0 = time.perf_counter()
    app = okta_app()
    ctx = app.state.twin
    if ctx.service.on_start is not None:
        ctx.service.on_start(ctx)  # as uvicorn's lifespan does (event hook poller)
    print(f"twin built with {args.users} users in {time.perf_counter() - t0:.1f} s", flush=True)
    try:
        calls = await setup(app)
        wanted = [c for c in args.only.split(",") if c]
        bodies: dict[str, tuple[str, str, bytes]] = {}
        targets = {
            "get": ("GET", "/api/v1/users/x"),
            "search": ("GET", "/api/v1/users"),
            "token": ("POST", "/oauth2/default/v1/token"),
        }
        for name in wanted:
            status, body = await calls[name]()
            assert status == 200, (name, status, body[:300])
            bodies[name] = (*targets[name], body)
        bare = bare_for(bodies, tmp)
        print(f"\nCPU µs per request, {args.concurrency} concurrent, ~{args.seconds:g} s CPU per case")
        print("| case | twin µs | bare µs | twin/bare | twin req/s (wall) |")
        print("|---|---:|---:|---:|---:|")
        for name in wanted:
            twin = await measure(calls[name], args.seconds, args.concurrency)
            method, target, _ = bodies[name]
            bare_call = okta_call(bare, method, target, "")
            floor = await measure(bare_call, min(args.seconds, 1.0), args.concurrency)
            print(
                f"| {name} | {twin['cpu_us']:.0f} | {floor['cpu_us']:.0f} | "
                f"{twin['cpu_us'] / floor['cpu_us']:.1f} | {twin['rps_wall']:.0f} |",
                flush=True,
            )
        for name in [c for c in args.profile.split(",") if c]:
            print(f"\n--- cProfile: {name} ---")
            print(await profile(calls[name], args.profile_requests, args.concurrency, args.top))
    finally:
        if ctx.service.on_stop is not None:
            ctx.service.on_stop(ctx)
        ctx.store.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per case")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--only", default="get,search,token", help="cases to measure, comma-separated")
    p.add_argument("--profile", default="", help="cases to profile with cProfile, comma-separated")
    p.add_argument("--profile-requests", type=int, default=320)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args()
    import uvloop

    with tempfile.TemporaryDirectory(prefix="okta-inproc-") as tmp:
        uvloop.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
