"""CPU per request of the Slack twin's two hot endpoints, driven in process (no HTTP), with a profile.

    python -m bench.slack_inproc                       # 2,000 requests per endpoint, 16 concurrent
    python -m bench.slack_inproc --requests 4000 --profile 300    # + a cProfile of 300 calls each
    python -m bench.slack_inproc --only history        # one endpoint (postMessage | history)

The app is the one `bench.twin_servers:slack_app` serves (rate limits off, admin auth off, a SQLite
file database in a temporary directory, seed size 1, request journal on), started with its
lifespan (so the Events API outbox and the scheduler run, as under uvicorn). Setup is
bench/slack_bench.py's: the bot token from the tenant's credentials, #engineering filled to exactly
100 messages through `chat.postMessage`. The requests are the benchmark's:

- `postMessage`: `POST /api/chat.postMessage`, JSON `{"channel": <#general>, "text": ...}`, bot token;
- `history`: `GET /api/conversations.history?channel=<#engineering>&limit=100` (100 messages);
- `bare`: a FastAPI route answering the history bytes as a ready `Response`: the floor.

Each request goes through the ASGI callable (`--concurrency` tasks on uvloop). Reported: CPU time
of the whole process (event loop and committer thread, `time.process_time`) per request, which
stays meaningful when other work shares the machine, and requests per second of wall time.
`--profile N` then runs N more calls of each endpoint under cProfile (event loop thread only) and
prints the top functions by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
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

from fastapi import FastAPI
from fastapi.responses import Response

from bench.asgi import Call, asgi_call

HISTORY_SIZE = 100
Caller = Call


def asgi_caller(app: Any, method: str, path: str, token: str = "", body: bytes = b"") -> Caller:
    """One request through the ASGI app, as uvicorn would hand it over; returns status and body."""
    headers = [(b"host", b"127.0.0.1:8101"), (b"user-agent", b"bench")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return asgi_call(app, method, path, headers, body, server=("127.0.0.1", 8101))


async def web_api(app: Any, token: str, method: str, **args: Any) -> dict[str, Any]:
    status, raw = await asgi_caller(app, "POST", f"/api/{method}", token, json.dumps(args).encode())()
    body: dict[str, Any] = json.loads(raw)
    if status != 200 or not body.get("ok"):
        raise RuntimeError(f"{method}: HTTP {status}: {raw[:300]!r}")
    return body


async def setup(app: Any) -> dict[str, Caller]:
    """bench/slack_bench.py's setup, in process; the callers of the measured requests."""
    ctx = app.state.twin
    state = ctx.store.get(ctx.settings.default_tenant)
    token = str(ctx.service.credentials(state, "http://127.0.0.1:8101")["bot_token"])
    channels = (await web_api(app, token, "conversations.list", limit=200))["channels"]
    ids = {c["name"]: c["id"] for c in channels}
    general, history = ids["general"], ids["engineering"]
    have = len((await web_api(app, token, "conversations.history", channel=history, limit=1000))["messages"])
    for i in range(have, HISTORY_SIZE):
        text = f"history message {i}: build green"
        await web_api(app, token, "chat.postMessage", channel=history, text=text)
    post = json.dumps({"channel": general, "text": "Deploy finished: api v2.3.1 is live"}).encode()
    query = urlencode({"channel": history, "limit": HISTORY_SIZE})
    history_call = asgi_caller(app, "GET", f"/api/conversations.history?{query}", token)
    status, body = await history_call()
    if status != 200 or len(json.loads(body)["messages"]) != HISTORY_SIZE:
        raise RuntimeError(f"#engineering does not hold {HISTORY_SIZE} messages")
    bare = FastAPI()

    @bare.get("/api/conversations.history")
    async def answer() -> Response:
        return Response(body, media_type="application/json")

    return {
        "postMessage": asgi_caller(app, "POST", "/api/chat.postMessage", token, post),
        "history": history_call,
        "bare": asgi_caller(bare, "GET", f"/api/conversations.history?{query}", token),
    }


async def drive(call: Caller, requests: int, concurrency: int) -> int:
    """`requests` calls (rounded down to a multiple of `concurrency`); how many were made."""
    per_task = max(requests // concurrency, 1)

    async def worker() -> None:
        for _ in range(per_task):
            status, _ = await call()
            assert status == 200, status

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return per_task * concurrency


async def measure(call: Caller, requests: int, concurrency: int) -> dict[str, float]:
    await drive(call, max(requests // 10, concurrency), concurrency)  # warm-up
    c0, t0 = time.process_time(), time.perf_counter()
    done = await drive(call, requests, concurrency)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"cpu_us_per_req": 1e6 * cpu / done, "rps": done / wall, "requests": done}


async def profile(call: Caller, calls: int, top: int, concurrency: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    await drive(call, calls, concurrency)  # as measured: concurrent writes share group commits
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def slack_app(folder: Path) -> Any:
    """The benchmarked Slack twin, its SQLite file in `folder` (rate limits and admin auth off)."""
    from twins._runtime.app import build_app
    from twins._runtime.settings import Settings
    from twins.slack.service import create_service

    settings = Settings(
        db_url=f"sqlite:///{folder / 'slack.db'}", admin_auth=False, rate_limits="off", seed_size=1
    )
    return build_app(create_service(), settings)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=2000, help="measured requests per endpoint")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--repeats", type=int, default=3, help="measured runs per endpoint (median reported)")
    p.add_argument("--only", choices=("postMessage", "history", "bare"), action="append")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile N calls per endpoint")
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)

    import uvloop

    with tempfile.TemporaryDirectory(prefix="slack-inproc-") as tmp:
        app = slack_app(Path(tmp))

        async def run() -> None:
            async with app.router.lifespan_context(app):
                callers = await setup(app)
                names = args.only or ["bare", "postMessage", "history"]
                results: dict[str, list[dict[str, float]]] = {n: [] for n in names}
                for _ in range(args.repeats):
                    for name in names:
                        results[name].append(await measure(callers[name], args.requests, args.concurrency))
                print(f"{args.requests} requests x {args.repeats} runs, {args.concurrency} concurrent "
                      f"(pid {os.getpid()}); median CPU per request of the process:")  # fmt: skip
                for name, runs in results.items():
                    cpu = sorted(r["cpu_us_per_req"] for r in runs)[len(runs) // 2]
                    rps = sorted(r["rps"] for r in runs)[len(runs) // 2]
                    every = " / ".join(f"{r['cpu_us_per_req']:.0f}" for r in runs)
                    print(f"  {name:<12} {cpu:8.0f} us/req  {rps:8.0f} req/s   (runs: {every})")
                for name in names if args.profile else []:
                    print(f"\n=== cProfile: {name}, {args.profile} calls ===")
                    print(await profile(callers[name], args.profile, args.top, args.concurrency))

        uvloop.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
