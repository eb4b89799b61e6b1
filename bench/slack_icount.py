"""Instructions per Slack request, counted by valgrind: repeatable whatever else the machine does.

    PY=$(python -c 'import sys; print(sys.executable)')   # the interpreter itself, not a shim
    valgrind --tool=callgrind --callgrind-out-file=/dev/null $PY -m bench.slack_icount 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null $PY -m bench.slack_icount 1600
    # instructions per request = (second "Collected" - first "Collected") / 1600

Each run builds the app of `bench/slack_inproc.py` (SQLite file, journal on, lifespan started,
`heap.settle()` as a serving process does), fills #engineering to 100 messages, makes 400 warm-up
requests and then N measured ones of one endpoint (`--endpoint postMessage|history|bare`) with
`--concurrency` tasks. Start-up and warm-up are the same in both runs, so the difference is N
requests. `--concurrency 1` makes every write its own transaction (the cost of a batch).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.slack_inproc import drive, setup, slack_app


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("requests", type=int, help="measured requests after the warm-up (0: none)")
    p.add_argument("--endpoint", choices=("postMessage", "history", "bare"), default="postMessage")
    p.add_argument("--concurrency", type=int, default=16)
    args = p.parse_args(argv)

    import uvloop

    from twins._runtime import heap

    with tempfile.TemporaryDirectory(prefix="slack-icount-") as tmp:
        app = slack_app(Path(tmp))
        heap.settle()

        async def run() -> None:
            async with app.router.lifespan_context(app):
                call = (await setup(app))[args.endpoint]
                await drive(call, 400, args.concurrency)
                if args.requests:
                    await drive(call, args.requests, args.concurrency)

        uvloop.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
