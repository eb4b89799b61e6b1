"""Instructions per request of a twin generated from traffic (`bench.generated_speed`'s GitHub
twin: a create and a read of an issue), counted by valgrind, which a loaded machine does not change.

    PY=$(python -c 'import sys; print(sys.executable)')   # the interpreter itself, not a shim
    $PY bench/generated_icount.py create 0 --twin /tmp/gh-twin    # generate the twin once, natively
    valgrind --tool=callgrind --dump-before=os_getppid --callgrind-out-file=/tmp/cg.%p \\
        $PY bench/generated_icount.py create 320 --twin /tmp/gh-twin
    # instructions per request = the "totals:" of the second dump (/tmp/cg.<pid>.2) / 320

The twin is generated from github3.py's cassettes into `--twin` unless that folder exists (inferring
under valgrind takes long: generate it first without). It serves a SQLite file with the journal
on, its heap settled as a serving process's; `create` POSTs an issue (a durable write), `get` GETs
one. Each run makes 320 warm-up requests, then N measured ones, 16 at a time; `os.getppid()` is
called right before and right after the measured requests and nowhere else (see
`bench.kit_icount`). Run by path, it measures whichever checkout `PYTHONPATH` names.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from pathlib import Path

REPO = "/repos/sigmavirus24/github3.py"


def make_twin(folder: Path) -> None:
    from agent_runner.cli import expand
    from agent_runner.fidelity import forget
    from agent_runner.generate import generate
    from agent_runner.infer import infer
    from bench.generated_fidelity import REFERENCE
    from recorder.parity.engine import load_traces

    cassettes = REFERENCE / "github" / "github3.py" / "tests" / "cassettes"
    generate(infer("github", load_traces(expand([cassettes]))), folder)
    forget(folder)


async def run(args: argparse.Namespace, tmp: Path) -> None:
    from bench.okta_inproc import okta_call
    from twins._runtime import heap
    from twins._runtime.app import build_app
    from twins._runtime.settings import Settings
    from twins.twin_dir import load_service

    settings = Settings.from_env(db_url=f"sqlite:///{tmp / 'github.db'}", admin_auth=False, rate_limits="off")
    app = build_app(load_service(args.twin), settings)
    ctx = app.state.twin
    heap.settle()
    try:
        token = f"token {ctx.service.credentials(ctx.default_state(), 'http://127.0.0.1:8000')['token']}"
        call = okta_call(app, "POST", f"{REPO}/issues", token, b'{"title":"bench"}', "application/json")
        status, body = await call()
        assert status == 201, body[:300]
        if args.case == "get":
            call = okta_call(app, "GET", f"{REPO}/issues/{json.loads(body)['number']}", token)
        for _ in range(20):
            await asyncio.gather(*(call() for _ in range(16)))
        os.getppid()  # the measured requests start
        for _ in range(args.requests // 16):
            await asyncio.gather(*(call() for _ in range(16)))
        os.getppid()
    finally:
        ctx.store.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("case", choices=("create", "get"))
    p.add_argument("requests", type=int, help="measured requests after the warm-up (a multiple of 16)")
    p.add_argument("--twin", type=Path, required=True, help="the generated twin's folder")
    args = p.parse_args()
    os.environ.setdefault("BENCH_JOURNAL", "1")
    if not args.twin.exists():
        make_twin(args.twin)
    with tempfile.TemporaryDirectory(prefix="generated-icount-") as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
