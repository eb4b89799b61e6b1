"""CPU per request of the Okta twin's group endpoints, in process, as served by the twin kit;
`--groups-module FILE` serves them from another implementation of `twins/okta/routes/groups.py`
instead (one that defines its operation table `ops`, as every Okta route module now does), so
that both are measured the same way, each against a bare endpoint in the same run. To compare
with the twin before the kit, run `bench.okta_inproc` on an older tree instead (RESULTS.md, 7).

    python -m bench.kit_groups [--users 2000] [--seconds 2] [--concurrency 16] [--groups-module FILE]

Cases: `get` GET /api/v1/groups/{id}, `list` GET /api/v1/groups?limit=20, `members`
GET /api/v1/groups/{Everyone}/users?limit=200, `assign` PUT /api/v1/groups/{id}/users/{id} of a
member already there (the write path through `store.run`, nothing to commit).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.asgi import Call
from bench.okta_inproc import bare_for, okta_call


def swap_groups(path: str) -> None:
    """Serve the group routes from the module in `path` (before the twin is built)."""
    spec = importlib.util.spec_from_file_location("twins.okta.routes.groups", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["twins.okta.routes.groups"] = module
    spec.loader.exec_module(module)


async def measure(call: Call, seconds: float, concurrency: int) -> float:
    """CPU µs per request over rounds of `concurrency` concurrent calls."""

    async def checked() -> None:
        status, body = await call()
        if status not in (200, 204):
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}")

    for _ in range(2):
        await asyncio.gather(*(checked() for _ in range(concurrency)))
    done, c0 = 0, time.process_time()
    while time.process_time() - c0 < seconds:
        await asyncio.gather(*(checked() for _ in range(concurrency)))
        done += concurrency
    return 1e6 * (time.process_time() - c0) / done


async def run(args: argparse.Namespace, tmp: Path) -> None:
    os.environ["BENCH_DB_URL"] = f"sqlite:///{tmp / 'okta.db'}"
    os.environ["BENCH_OKTA_USERS"] = str(args.users)
    if args.groups_module:
        swap_groups(args.groups_module)
    from bench.twin_servers import okta_app

    app = okta_app()
    ctx = app.state.twin
    try:
        state = ctx.store.get(ctx.settings.default_tenant)
        creds = ctx.service.credentials(state, "http://127.0.0.1:8000")
        ssws = f"SSWS {creds['api_token']}"
        everyone = next(g for g in state["groups"].where("type", "BUILT_IN"))
        group = next(g for g in state["groups"] if g["type"] == "OKTA_GROUP")
        member = next(m["user_id"] for m in state["memberships"] if m["group_id"] == group["id"])
        targets = {
            "get": ("GET", f"/api/v1/groups/{group['id']}"),
            "list": ("GET", "/api/v1/groups?limit=20"),
            "members": ("GET", f"/api/v1/groups/{everyone['id']}/users?limit=200"),
            "assign": ("PUT", f"/api/v1/groups/{group['id']}/users/{member}"),
        }
        calls = {name: okta_call(app, method, target, ssws) for name, (method, target) in targets.items()}
        bodies = {}
        for name, call in calls.items():
            status, body = await call()
            assert status in (200, 204), (name, status, body[:300])
            bodies[name] = (*targets[name], body)
        bare = bare_for({k: v for k, v in bodies.items() if v[0] == "GET"}, tmp)
        print(f"groups module: {args.groups_module or 'twins/okta/routes/groups.py (kit)'}")
        print("| case | twin µs | bare µs | twin/bare |")
        print("|---|---:|---:|---:|")
        floor = await measure(okta_call(bare, "GET", targets["get"][1], ""), 1.0, args.concurrency)
        for name, call in calls.items():
            twin = await measure(call, args.seconds, args.concurrency)
            print(f"| {name} | {twin:.0f} | {floor:.0f} | {twin / floor:.1f} |", flush=True)
        print(json.dumps({"users": args.users, "concurrency": args.concurrency}))
    finally:
        ctx.store.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per case")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--groups-module", default="", help="another groups.py to serve instead")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="kit-groups-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
