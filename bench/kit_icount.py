"""Instructions per request of the kit's hot calls (Slack and Okta), counted by valgrind.

    PY=$(python -c 'import sys; print(sys.executable)')   # the interpreter itself, not a shim
    valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file=/tmp/cg.%p \
        $PY bench/kit_icount.py postMessage 1600
    # instructions per request = the "totals:" of the second dump (/tmp/cg.<pid>.2) / 1600

Cases: `postMessage` and `history` (bench/slack_inproc.py's app and setup: SQLite file, journal
on, lifespan started, #engineering holding 100 messages), `okta_get` (bench/okta_inproc.py's app
with `--users` users, journal on: `GET /api/v1/users/{id}` with an SSWS token). Each run makes
400 warm-up requests, then N measured ones with `--concurrency` tasks. `os.getppid()` is called
right before and right after the measured requests and nowhere else, so with
`--dump-before=os_getppid` callgrind's second dump counts exactly those N requests (start-up and
warm-up are in the first, shutdown in the third). The script is run by path, so it measures
whichever checkout `PYTHONPATH` names (an older commit without this file as well).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

CASES = ("postMessage", "history", "okta_get")


async def okta_get(app: Any) -> Any:
    """bench/okta_inproc.py's single-user read: `GET /api/v1/users/{id}`, SSWS token."""
    import json

    from bench.okta_inproc import okta_call

    ctx = app.state.twin
    creds = ctx.service.credentials(ctx.store.get(ctx.settings.default_tenant), "http://127.0.0.1:8000")
    ssws = f"SSWS {creds['api_token']}"
    status, body = await okta_call(app, "GET", "/api/v1/users?limit=20", ssws)()
    assert status == 200, body[:300]
    users = json.loads(body)
    return okta_call(app, "GET", f"/api/v1/users/{users[len(users) // 2]['id']}", ssws)


async def main_async(args: argparse.Namespace, tmp: Path) -> None:
    if args.case == "okta_get":
        os.environ["BENCH_DB_URL"] = f"sqlite:///{tmp / 'okta.db'}"
        os.environ["BENCH_OKTA_USERS"] = str(args.users)
        os.environ.setdefault("BENCH_JOURNAL", "1")
        from bench.slack_inproc import drive
        from bench.twin_servers import okta_app

        app = okta_app()
        ctx = app.state.twin
        if ctx.service.on_start is not None:
            ctx.service.on_start(ctx)
        try:
            call = await okta_get(app)
            await drive(call, 400, args.concurrency)
            os.getppid()  # the measured requests start (see the docstring)
            await drive(call, args.requests, args.concurrency)
            os.getppid()
        finally:
            if ctx.service.on_stop is not None:
                ctx.service.on_stop(ctx)
            ctx.store.stop()
        return
    from bench.slack_inproc import drive, setup, slack_app
    from twins._runtime import heap

    app = slack_app(tmp)
    heap.settle()
    async with app.router.lifespan_context(app):
        call = (await setup(app))[args.case]
        await drive(call, 400, args.concurrency)
        os.getppid()
        await drive(call, args.requests, args.concurrency)
        os.getppid()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("case", choices=CASES)
    p.add_argument("requests", type=int, help="measured requests after the warm-up")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--users", type=int, default=200, help="Okta users (okta_get)")
    args = p.parse_args(argv)

    import uvloop

    with tempfile.TemporaryDirectory(prefix="kit-icount-") as tmp:
        uvloop.run(main_async(args, Path(tmp)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
