"""Jira twin under load: create an issue, get an issue, and a JQL search over 20,000 issues; each
against a bare FastAPI app answering the same bytes.

    python -m bench.jira_bench [--duration 5] [--repeats 3] [--connections 16] [--issues 20000]

The twin (rate limits off, admin auth off, SQLite file database) is seeded with `--issues` issues
(`bench.twin_servers:jira_app`) and runs as one uvicorn process pinned with `taskset -c 1`, and so
does the bare app; wrk runs under `taskset -c 0`. Basic auth with the seeded admin's API token.
Cases:

- `issue.create`: `POST /rest/api/2/issue` of a Task in APP (a durable write each).
- `issue.get`: `GET /rest/api/2/issue/{key}` of one seeded issue, every field.
- `search.jql`: `GET /rest/api/2/search/jql?jql=project = APP AND status != Done ORDER BY created
  DESC&fields=summary,status&maxResults=50`, evaluated over every issue of the site each time
  (the project and status indexes narrow it, the sort runs over the ~9,000 matches).

Per repeat the bare and twin runs alternate. Prints a Markdown table; JSON goes to
bench/out/jira-bench-<stamp>.json (and jira-bench-latest.json).
"""

from __future__ import annotations

import argparse
import base64
import json
from typing import Any
from urllib.parse import urlencode

from bench.harness import http
from bench.twin_servers import Case, add_arguments, run_benchmark

ISSUES = 20_000
JQL = "project = APP AND status != Done ORDER BY created DESC"


def setup(base: str, creds: dict[str, Any]) -> list[Case]:
    basic = "Basic " + base64.b64encode(f"{creds['email']}:{creds['api_token']}".encode()).decode()
    status, raw = http(
        "GET", base + "/rest/api/2/search/jql?" + urlencode({"jql": "key = APP-100"}), auth=basic
    )
    if status != 200 or not json.loads(raw)["issues"]:
        raise RuntimeError(f"the seeded site has no APP-100: HTTP {status}: {raw[:200]!r}")
    body = json.dumps(
        {
            "fields": {
                "project": {"key": "APP"},
                "issuetype": {"name": "Task"},
                "summary": "Benchmark issue",
                "labels": ["bench"],
            }
        }
    )
    search = "/rest/api/2/search/jql?" + urlencode({"jql": JQL, "fields": "summary,status", "maxResults": 50})
    return [
        Case("issue.create", "POST", "/rest/api/2/issue", body=body, auth=basic, status=201),
        Case("issue.get", "GET", "/rest/api/2/issue/APP-100", auth=basic),
        Case("search.jql", "GET", search, auth=basic),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.add_argument("--issues", type=int, default=ISSUES, help="issues in the twin")
    args = p.parse_args()
    run_benchmark("jira", "jira_app", 1, setup, args, {"BENCH_JIRA_ISSUES": str(args.issues)})


if __name__ == "__main__":
    main()
