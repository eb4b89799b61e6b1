"""A twin generated from traffic under load over HTTP, against a bare FastAPI app answering the
same bytes, as `bench.jira_bench` measures the hand-built Jira twin.

    python -m bench.generated_http [--duration 5] [--repeats 3] [--connections 16] [--issues 500]

The twin is generated from github3.py's cassettes (`../shared/reference/github`) into a
temporary folder and served by one uvicorn process (`bench.twin_servers:generated_app`, SQLite
file, rate limits and admin auth off) pinned with `taskset -c 1`, and so is the bare app; wrk runs
under `taskset -c 0`. `--issues` issues are created in one repository first. Cases: `issue.get`
GET an issue, `issues.list` GET the repository's closed issues (`?state=closed`, a filter over
every issue of the repository), `rate_limit` GET a recorded document, `issue.create` POST an
issue (a durable write each).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from agent_runner.cli import expand
from agent_runner.fidelity import forget
from agent_runner.generate import generate
from agent_runner.infer import infer
from bench.generated_fidelity import REFERENCE
from bench.harness import http
from bench.twin_servers import Case, add_arguments, run_benchmark
from recorder.parity.engine import load_traces

REPO = "/repos/sigmavirus24/github3.py"


def setup_for(issues: int) -> Any:
    def setup(base: str, creds: dict[str, Any]) -> list[Case]:
        auth = f"token {creds['token']}"
        body = json.dumps({"title": "Benchmark issue", "body": "made by the benchmark"})
        number = 0
        for _ in range(issues):
            status, raw = http("POST", base + f"{REPO}/issues", body=body.encode(), auth=auth)
            if status != 201:
                raise RuntimeError(f"create: HTTP {status}: {raw[:200]!r}")
            number = json.loads(raw)["number"]
        return [
            Case("issue.get", "GET", f"{REPO}/issues/{number}", auth=auth),
            Case("issues.list", "GET", f"{REPO}/issues?state=closed", auth=auth),
            Case("rate_limit", "GET", "/rate_limit", auth=auth),
            Case("issue.create", "POST", f"{REPO}/issues", body=body, auth=auth, status=201),
        ]

    return setup


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.add_argument("--issues", type=int, default=500, help="issues made in one repository first")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="generated-http-") as tmp:
        folder = Path(tmp) / "github_twin"
        cassettes = REFERENCE / "github" / "github3.py" / "tests" / "cassettes"
        generate(infer("github", load_traces(expand([cassettes]))), folder)
        forget(folder)
        run_benchmark(
            "generated", "generated_app", 1, setup_for(args.issues), args, {"BENCH_TWIN_DIR": str(folder)}
        )


if __name__ == "__main__":
    main()
