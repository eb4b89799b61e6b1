"""Overhead of `twins record`: the same requests straight to an upstream and through the proxy.

    python -m bench.proxy_bench                       # ~1 min
    python -m bench.proxy_bench --duration 3 --repeats 1
    python -m bench.proxy_bench --upstream slack-twin     # the Slack twin as the upstream
    nice -n -10 python -m bench.proxy_bench   # (root) all its processes ahead of a busy machine's

The upstream is `twins replay` serving a recorded Slack `users.info` answer (a fast, fixed
upstream). The proxy is the real command, `twins record slack --upstream ... --out TMP`, with
redaction on and a trace line written per exchange. Added latency: p50 through the proxy minus
p50 direct, with one connection (`-c1`). Throughput: proxied rps / direct rps at `-c16`. The
upstream and wrk share core 0; the proxy has core 1.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import HOST, free_port, http, machine, median, require_wrk, run_wrk, write_json
from bench.replay_bench import REFERENCE, SLACK, cpu_seconds, start, stop, workloads
from recorder.trace import TraceWriter


def run_cell(url: str, body: str, seconds: float, connections: int, auth: str = "") -> dict[str, Any]:
    env = {
        "BENCH_METHOD": "POST",
        "BENCH_BODY": body,
        "BENCH_CONTENT_TYPE": "application/x-www-form-urlencoded",
        "BENCH_AUTH": auth,
    }
    return run_wrk(url, duration=seconds, connections=connections, threads=1, cpus="0", env=env)


def runqueue_seconds(pid: int) -> float:
    """Time the process's threads spent runnable but waiting for a CPU (/proc/PID/schedstat)."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        total += int((task / "schedstat").read_text().split()[1]) / 1e9
    return total


def slack_twin(twins: str, port: int, log: Path) -> Any:
    """The Slack twin in memory, rate limits off, on core 0 (where the replay upstream runs)."""
    cmd = [twins, "serve", "slack", "--port", str(port), "--db", ":memory:", "--seed", "42"]
    cmd += ["--rate-limits", "off", "--no-admin-auth"]
    return start(cmd, port, "/api/api.test", log, cpus="0", status=200)


def twin_request(port: int, log: Path) -> tuple[str, str]:
    """A users.info form body for the bot's own user, and its `Authorization` value."""
    token = re.search(r"bot_token\s+(xoxb-\S+)", log.read_text())
    if token is None:
        sys.exit(f"the Slack twin printed no bot token; see {log}")
    auth = f"Bearer {token.group(1)}"
    status, answer = http("POST", f"http://{HOST}:{port}/api/auth.test", b"", auth)
    user = json.loads(answer).get("user_id") if status == 200 else None
    if not user:
        sys.exit(f"auth.test on the Slack twin failed: {status} {answer[:200]!r}")
    return f"user={user}", auth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--upstream",
        choices=("replay", "slack-twin"),
        default="replay",
        help="replay: twins replay of a recorded answer (~12 µs per request); "
        "slack-twin: the Slack twin (`twins serve slack`, in memory) answering users.info",
    )
    args = parser.parse_args()
    require_wrk()
    if not SLACK.exists():
        sys.exit(f"reference recordings not found under {REFERENCE}")
    twins = shutil.which("twins") or sys.exit("the twins command is not installed (pip install -e .)")
    _, exchange = workloads()[0]
    work = Path(tempfile.mkdtemp(prefix="proxy-bench-"))
    procs = []
    try:
        with TraceWriter(work / "upstream.jsonl") as writer:
            writer.write(exchange)
        uport, pport = free_port(), free_port()
        if args.upstream == "replay":
            replay = [twins, "replay", str(work / "upstream.jsonl"), "--port", str(uport)]
            procs.append(start(replay, uport, "/api/none", work / "upstream.log", cpus="0", status=200))
            body, auth = exchange.request.body.text, ""
        else:
            procs.append(slack_twin(twins, uport, work / "upstream.log"))
            body, auth = twin_request(uport, work / "upstream.log")
        record = [twins, "record", "slack", "--upstream", f"http://{HOST}:{uport}"]
        record += ["--listen", f"{HOST}:{pport}", "--out", str(work / "traces")]
        probe = "/api/none" if args.upstream == "replay" else "/api/api.test"
        procs.append(start(record, pport, probe, work / "proxy.log", cpus="1", status=200))
        urls = {
            "direct": f"http://{HOST}:{uport}/api/users.info",
            "proxy": f"http://{HOST}:{pport}/api/users.info",
        }
        for url in urls.values():
            run_cell(url, body, 2.0, 16, auth)
        cells: dict[str, dict[str, list[dict[str, Any]]]] = {k: {"c1": [], "c16": []} for k in urls}
        proxy_pid = procs[1].pid
        for _ in range(args.repeats):
            for name, url in urls.items():
                for conc, connections in (("c1", 1), ("c16", 16)):
                    before, waited = cpu_seconds(proxy_pid), runqueue_seconds(proxy_pid)
                    result = run_cell(url, body, args.duration, connections, auth)
                    served = max(result["requests"], 1)
                    result["proxy_cpu_us"] = (cpu_seconds(proxy_pid) - before) * 1e6 / served
                    result["proxy_runqueue_us"] = (runqueue_seconds(proxy_pid) - waited) * 1e6 / served
                    cells[name][conc].append(result)
        lines = sum(1 for path in (work / "traces").glob("*.jsonl") for _ in path.open())
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    report(cells, lines, args)


def report(cells: dict[str, dict[str, list[dict[str, Any]]]], lines: int, args: argparse.Namespace) -> None:
    def med(name: str, conc: str, key: str) -> float:
        return median([r[key] for r in cells[name][conc]])

    added = (med("proxy", "c1", "p50_us") - med("direct", "c1", "p50_us")) / 1000
    ratio = med("proxy", "c16", "rps") / med("direct", "c16", "rps")
    served = sum(r["requests"] for runs in cells["proxy"].values() for r in runs)
    summary = {
        "machine": machine(),
        "args": vars(args),
        "added_p50_ms": added,
        "throughput_ratio": ratio,
        "proxy_cpu_us_per_exchange": med("proxy", "c16", "proxy_cpu_us"),
        "proxy_runqueue_us_per_exchange_c1": med("proxy", "c1", "proxy_runqueue_us"),
        "trace_lines": lines,
        "cells": cells,
    }
    path = write_json("proxy", summary)
    print("| cell | direct | through twins record |")
    print("|---|---|---|")
    for conc in ("c1", "c16"):
        print(f"| {conc} rps | {med('direct', conc, 'rps'):,.0f} | {med('proxy', conc, 'rps'):,.0f} |")
        print(f"| {conc} p50 µs | {med('direct', conc, 'p50_us'):.0f} | {med('proxy', conc, 'p50_us'):.0f} |")
    print(f"added p50 latency (c1): {added:.2f} ms; throughput ratio (c16): {ratio:.2f}")
    print(f"proxy CPU per exchange (c16): {med('proxy', 'c16', 'proxy_cpu_us'):.0f} µs")
    runq = med("proxy", "c1", "proxy_runqueue_us")
    print(f"proxy time waiting for a CPU per exchange (c1): {runq:.0f} µs")
    print(f"trace lines written: {lines} (measured runs served {served}, plus warm-up)")
    print(f"raw: {path}")


if __name__ == "__main__":
    main()
