"""App factories and shared pieces of bench/slack_bench.py and bench/okta_bench.py.

The factories run under uvicorn (`--factory bench.twin_servers:NAME`), configured by environment:

- `slack_app` / `okta_app` / `jira_app` / `generated_app` (from the folder `BENCH_TWIN_DIR`): the
  twin built by `build_app` with rate limits off, admin auth off and a SQLite file database
  (`BENCH_DB_URL`); `BENCH_SEED_SIZE` is the Slack seed size, `BENCH_OKTA_USERS` the number of
  Okta users, `BENCH_JOURNAL=0` turns the request journal off.
- `bare_app`: `BENCH_ROUTES` is a JSON list of `[method, path, status, body_file]`; each route
  answers with the bytes of its file (the twin's own answer to that request, captured first) and
  does no work at all. It is the baseline each twin endpoint is compared with.

`run_case` is one bounded wrk run with bench/wrk.lua (`BENCH_CONTENT_TYPE` gives the form body the
OAuth token endpoint needs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from bench.harness import (
    HOST,
    OUT_DIR,
    ROOT,
    WRK_SCRIPT,
    Server,
    busy_pct,
    collapsed_profile,
    core_ticks,
    http,
    machine,
    median,
    pinned,
    require_wrk,
    wait_quiet,
    write_json,
)

JSON = "application/json"


# --- app factories ---------------------------------------------------------------------------------
def _settings() -> Any:
    from twins._runtime.settings import Settings

    return Settings(
        db_url=os.environ["BENCH_DB_URL"],
        admin_auth=False,
        rate_limits="off",
        seed_size=int(os.environ.get("BENCH_SEED_SIZE", "1")),
        journal=os.environ.get("BENCH_JOURNAL", "1") != "0",
    )


def slack_app() -> FastAPI:
    from twins._runtime.app import build_app
    from twins.slack.service import create_service

    return _serving(build_app(create_service(), _settings()))


def okta_app() -> FastAPI:
    """The Okta twin, seeded at size 1 and then grown to `BENCH_OKTA_USERS` users (default 10,000)
    in the seed itself (same `new_user` rows, a numbered login so that logins stay unique)."""
    from dataclasses import replace

    from faker import Faker

    from twins._runtime.app import build_app
    from twins._runtime.collection import TenantState
    from twins.okta import seed as okta_seed
    from twins.okta.service import create_service

    total = int(os.environ.get("BENCH_OKTA_USERS", "10000"))

    def seed(state: TenantState, size: int) -> None:
        okta_seed.seed(state, size)
        fake = Faker("en_US")
        fake.seed_instance(state.seed + 1)
        domain = state.meta["org"]["domain"]
        everyone = next(g for g in state["groups"].where("type", "BUILT_IN"))
        statuses = okta_seed.STATUSES
        for i in range(len(state["users"]), total):
            login = f"{fake.first_name()}.{fake.last_name()}.{i}@{domain}".lower().replace("'", "")
            user = okta_seed.new_user(state, fake, domain, statuses[i % len(statuses)], login=login)
            if user["status"] != "DEPROVISIONED":
                okta_seed.add_member(state, everyone, user)

    settings = _settings()
    settings.seed_size = 1
    return _serving(build_app(replace(create_service(), seed=seed), settings))


def jira_app() -> FastAPI:
    """The Jira twin, its seed sized for `BENCH_JIRA_ISSUES` issues (default 20,000)."""
    from twins._runtime.app import build_app
    from twins.jira import create_service

    settings = _settings()
    settings.seed_size = max(1, (int(os.environ.get("BENCH_JIRA_ISSUES", "20000")) - 16) // 2)
    return _serving(build_app(create_service(), settings))


def generated_app() -> FastAPI:
    """A twin generated from traffic, from its folder `BENCH_TWIN_DIR` (`bench.generated_http`)."""
    from twins._runtime.app import build_app
    from twins.twin_dir import load_service

    return _serving(build_app(load_service(Path(os.environ["BENCH_TWIN_DIR"])), _settings()))


def _serving(app: FastAPI) -> FastAPI:
    from twins._runtime import heap

    heap.settle()  # as `twins serve` does before serving
    return app


def bare_app() -> FastAPI:
    app = FastAPI()
    for method, path, status, body_file in json.loads(os.environ["BENCH_ROUTES"]):
        body = Path(body_file).read_bytes()

        def endpoint(body: bytes = body, status: int = int(status)) -> Any:
            async def handler() -> Response:
                return Response(body, status_code=status, media_type=JSON)

            return handler

        app.add_api_route(path, endpoint(), methods=[method])

    @app.get("/health")
    async def health() -> Response:
        return Response(b"{}", media_type=JSON)

    return _serving(app)


# --- wrk -------------------------------------------------------------------------------------------
def run_case(
    url: str,
    *,
    method: str,
    body: str,
    content_type: str,
    auth: str,
    duration: float,
    connections: int,
    threads: int,
    load_cpus: str,
    server_cpus: str,
    quiet_wait: float,
) -> dict[str, Any]:
    """One bounded wrk run (`duration` s, killed after `duration + 30` s) against `url`."""
    assert url.startswith(f"http://{HOST}:"), url
    if quiet_wait > 0:
        wait_quiet(quiet_wait)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "5s"]
    cmd += ["-s", str(WRK_SCRIPT), url]
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_BODY": body, "BENCH_AUTH": auth}
    env["BENCH_CONTENT_TYPE"] = content_type
    ticks0 = core_ticks()
    out = subprocess.run(
        pinned(cmd, load_cpus), env=env, capture_output=True, text=True, timeout=duration + 30, check=True
    ).stdout
    ticks1 = core_ticks()
    for line in out.splitlines():
        if line.startswith("BENCH_RESULT "):
            result: dict[str, Any] = json.loads(line.split(" ", 1)[1])
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            result["server_core_busy_pct"] = busy_pct(ticks0, ticks1, server_cpus)
            result["load_core_busy_pct"] = busy_pct(ticks0, ticks1, load_cpus)
            return result
    raise RuntimeError(f"wrk printed no result line:\n{out}")


# --- the driver both benchmarks share --------------------------------------------------------------
@dataclass
class Case:
    """One endpoint under load: the request wrk repeats, and the status the twin must answer."""

    name: str
    method: str
    path: str
    body: str = ""
    content_type: str = "application/json"
    auth: str = ""
    status: int = 200

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--server-cpus", default="1", help="taskset list for servers ('' = no pinning)")
    p.add_argument("--load-cpus", default="0", help="taskset list for wrk ('' = no pinning)")
    p.add_argument("--quiet-wait", type=float, default=5.0, help="max s to wait for idle cores per run")
    p.add_argument("--warmup", type=float, default=1.0, help="s of unrecorded load per server and case")
    p.add_argument("--journal", choices=("on", "off"), default="on", help="the twin's request journal")
    p.add_argument("--profile", action="store_true", help="one extra py-spy run per case (not counted)")


def check(case: Case, base: str) -> bytes:
    """Send `case` once; the body, after checking the status."""
    headers = {"Content-Type": case.content_type} if case.body else {}
    if case.auth:
        headers["Authorization"] = case.auth
    data = case.body.encode() if case.body else None
    req = urllib.request.Request(base + case.path, data=data, method=case.method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, body = int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as exc:
        status, body = int(exc.code), bytes(exc.read())
    if status != case.status:
        raise RuntimeError(f"{case.name}: HTTP {status} (want {case.status}): {body[:300]!r}")
    return body


def profile(server: Server, case: Case, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    """One extra run of `case` against `server` with py-spy attached (not counted)."""
    if shutil.which("py-spy") is None or server.proc is None:
        return {"error": "py-spy is not installed"}
    out = OUT_DIR / f"profile-{tag}-{case.name}.txt"
    seconds = max(int(args.duration) - 1, 2)
    cmd = ["py-spy", "record", "-p", str(server.proc.pid), "-d", str(seconds), "-r", "250"]
    cmd += ["--nonblocking", "--threads", "-f", "raw", "-o", str(out)]
    spy = subprocess.Popen(pinned(cmd, args.load_cpus), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = measure(server.url, case, args, args.duration)
    finally:
        spy.wait(timeout=seconds + 30)
    threads = collapsed_profile(out, top=15) if out.exists() else {}
    return {"file": str(out), "rps_while_profiled": result["rps"], "threads": threads}


def measure(base: str, case: Case, args: argparse.Namespace, duration: float) -> dict[str, Any]:
    return run_case(
        base + case.path,
        method=case.method,
        body=case.body,
        content_type=case.content_type,
        auth=case.auth,
        duration=duration,
        connections=args.connections,
        threads=args.threads,
        load_cpus=args.load_cpus,
        server_cpus=args.server_cpus,
        quiet_wait=args.quiet_wait,
    )


Setup = Callable[[str, dict[str, Any]], list[Case]]


def run_benchmark(
    tag: str,
    factory: str,
    seed_size: int,
    setup: Setup,
    args: argparse.Namespace,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start the twin, let `setup` seed it and name the cases, capture each answer, start a bare app
    serving those bytes, then per repeat and case: bare run, twin run (interleaved). Prints a table."""
    require_wrk()
    run_dir = Path(tempfile.mkdtemp(prefix=f"{tag}-bench-"))
    logs = OUT_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        "BENCH_DB_URL": f"sqlite:///{run_dir / (tag + '.db')}",
        "BENCH_SEED_SIZE": str(seed_size),
        "BENCH_JOURNAL": "1" if args.journal == "on" else "0",
        **(extra_env or {}),
    }
    twin = Server(f"{tag}-twin", f"bench.twin_servers:{factory}", env, args.server_cpus, logs)
    bare: Server | None = None
    servers = [twin]
    try:
        t0 = time.monotonic()
        twin.start("/_twin/health", timeout=300)
        startup_s = time.monotonic() - t0
        status, raw = http("GET", twin.url + "/_twin/credentials")
        if status != 200:
            raise RuntimeError(f"credentials: HTTP {status}: {raw[:200]!r}")
        t0 = time.monotonic()
        cases = setup(twin.url, json.loads(raw))
        setup_s = time.monotonic() - t0
        routes = []
        samples: dict[str, str] = {}
        for case in cases:
            body = check(case, twin.url)
            samples[case.name] = body[:400].decode(errors="replace")
            path = run_dir / f"{case.name}.json"
            path.write_bytes(body)
            routes.append([case.method, case.route, case.status, str(path)])
        bare = Server(
            f"{tag}-bare",
            "bench.twin_servers:bare_app",
            {"BENCH_ROUTES": json.dumps(routes)},
            args.server_cpus,
            logs,
        )
        servers.append(bare)
        bare.start("/health")
        for case in cases:
            if check(case, bare.url) != (run_dir / f"{case.name}.json").read_bytes():
                raise RuntimeError(f"{case.name}: the bare app answers different bytes")
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {c.name: {"bare": [], "twin": []} for c in cases}
        for case in cases:
            for server in (bare, twin):
                if args.warmup > 0:
                    measure(server.url, case, args, args.warmup)
        for rep in range(args.repeats):
            for case in cases:
                for kind, server in (("bare", bare), ("twin", twin)):
                    result = measure(server.url, case, args, args.duration)
                    errors = sum(int(result[k]) for k in result if k.startswith("errors_"))
                    print(
                        f"  rep {rep + 1} {case.name:<28} {kind:<4} {result['rps']:9.0f} rps  "
                        f"p99 {result['p99_us'] / 1000:7.2f} ms  errors {errors}",
                        flush=True,
                    )
                    runs[case.name][kind].append(result)
        profiles = {}
        if args.profile:
            for case in cases:
                profiles[case.name] = profile(twin, case, args, tag)
        rows = summarize(cases, runs)
        data = {
            "benchmark": tag,
            "machine": machine(),
            "args": vars(args),
            "twin": {"startup_s": startup_s, "setup_s": setup_s, "seed_size": seed_size, **env},
            "cases": [vars(c) | {"sample_response": samples[c.name]} for c in cases],
            "rows": rows,
            "runs": runs,
            "profiles": profiles,
        }
        path = write_json(f"{tag}-bench", data)
        print(table(rows, args))
        print(f"\nJSON: {path.relative_to(ROOT)}")
        return data
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def summarize(cases: list[Case], runs: dict[str, dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        row: dict[str, Any] = {"case": case.name, "request": f"{case.method} {case.path}"}
        for kind in ("bare", "twin"):
            rs = runs[case.name][kind]
            row[kind] = {
                "rps": median([r["rps"] for r in rs]),
                "rps_all": [round(r["rps"], 1) for r in rs],
                "p50_ms": median([r["p50_us"] for r in rs]) / 1000,
                "p99_ms": median([r["p99_us"] for r in rs]) / 1000,
                "errors": sum(int(r[k]) for r in rs for k in r if k.startswith("errors_")),
                "server_core_busy_pct": median([r["server_core_busy_pct"] for r in rs]),
            }
        row["rps_ratio"] = row["twin"]["rps"] / row["bare"]["rps"]
        row["p99_ratio"] = row["twin"]["p99_ms"] / row["bare"]["p99_ms"]
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"wrk -c{args.connections} -t{args.threads}, {args.duration:g} s x {args.repeats} repeats (median), "
        f"server cores {args.server_cpus or 'any'}, wrk cores {args.load_cpus or 'any'}, "
        f"journal {args.journal}",
        "",
        "| endpoint | server | rps (median) | p50 ms | p99 ms | rps / bare | p99 / bare | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for kind in ("bare", "twin"):
            r = row[kind]
            ratio = f"{row['rps_ratio']:.2f}" if kind == "twin" else "1.00"
            p99r = f"{row['p99_ratio']:.2f}" if kind == "twin" else "1.00"
            lines.append(
                f"| `{row['request']}` | {kind} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
                f"| {ratio} | {p99r} | {r['errors']} |"
            )
    return "\n".join(lines)
