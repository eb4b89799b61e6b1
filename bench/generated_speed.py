"""CPU per request of a twin generated from traffic, in process, against a bare FastAPI endpoint
serving the twin's own answer bytes, measured in the same run (as `bench.kit_groups` measures the
hand-built Okta groups).

    python -m bench.generated_speed [--seconds 2] [--concurrency 16] [--issues 500]

The twin is generated from github3.py's cassettes (`../shared/reference/github`) on a SQLite file;
`--issues` issues are created in one repository first. Cases: `get` GET an issue, `list` GET the
repository's issues (`?state=open`), `create` POST an issue (a durable write), `static` GET a
recorded document (`/rate_limit`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from pathlib import Path

from agent_runner.cli import expand
from agent_runner.fidelity import forget
from agent_runner.generate import generate
from agent_runner.infer import infer
from bench.asgi import Call
from bench.generated_fidelity import REFERENCE
from bench.kit_groups import measure
from bench.okta_inproc import bare_for, okta_call
from recorder.parity.engine import load_traces
from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.twin_dir import load_service

REPO = "/repos/sigmavirus24/github3.py"


def any_success(call: Call) -> Call:
    """The call, its 2xx answers reported as 200 (for `bench.kit_groups.measure`, which checks)."""

    async def wrapped() -> tuple[int, bytes]:
        status, body = await call()
        return (200 if 200 <= status < 300 else status), body

    return wrapped


async def run(args: argparse.Namespace, tmp: Path) -> None:
    cassettes = REFERENCE / "github" / "github3.py" / "tests" / "cassettes"
    folder = tmp / "github_twin"
    generate(infer("github", load_traces(expand([cassettes]))), folder)
    forget(folder)
    settings = Settings.from_env(db_url=f"sqlite:///{tmp / 'github.db'}", admin_auth=False, rate_limits="off")
    app = build_app(load_service(folder), settings)
    ctx = app.state.twin
    try:
        token = f"token {ctx.service.credentials(ctx.default_state(), 'http://127.0.0.1:8000')['token']}"
        create = okta_call(app, "POST", f"{REPO}/issues", token, b'{"title":"bench"}', "application/json")
        for _ in range(args.issues):
            status, body = await create()
            assert status == 201, body[:300]
        number = json.loads(body)["number"]
        targets = {
            "get": ("GET", f"{REPO}/issues/{number}"),
            "list": ("GET", f"{REPO}/issues?state=closed"),
            "static": ("GET", "/rate_limit"),
        }
        calls = {name: okta_call(app, method, target, token) for name, (method, target) in targets.items()}
        calls["create"] = create
        bodies = {}
        for name, (method, target) in targets.items():
            status, answer = await calls[name]()
            assert status == 200, (name, status, answer[:300])
            bodies[name] = (method, target, answer)
        bodies["create"] = ("POST", f"{REPO}/issues", body)
        bare = bare_for(bodies, tmp)
        print(f"generated GitHub twin, {args.issues} issues in {REPO}, SQLite file")
        print("| case | twin µs | bare µs | twin rate / bare rate |")
        print("|---|---:|---:|---:|")
        for name, call in calls.items():
            method, target, _ = bodies[name]
            floor = await measure(okta_call(bare, method, target, ""), args.seconds, args.concurrency)
            twin = await measure(any_success(call), args.seconds, args.concurrency)
            print(f"| {name} | {twin:.0f} | {floor:.0f} | {floor / twin:.2f} |", flush=True)
    finally:
        ctx.store.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per case")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--issues", type=int, default=500)
    args = p.parse_args()
    os.environ.setdefault("BENCH_JOURNAL", "1")
    with tempfile.TemporaryDirectory(prefix="generated-speed-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
