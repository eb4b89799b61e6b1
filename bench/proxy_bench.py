"""Overhead of `twins record`: the same requests straight to an upstream and through the proxy.

    python -m bench.proxy_bench                                  # all three upstreams, ~4 min
    python -m bench.proxy_bench --duration 3 --repeats 1 --upstream static
    python -m bench.proxy_bench --upstream twin,latency:50 --latency-connections 16,64

Upstreams (`--upstream`, comma-separated; each gets its own upstream and proxy process):
- `static`: `twins replay` serving a recorded Slack `users.info` answer, ~12 µs of CPU a request.
  The worst case for the ratio: it measures the proxy's own cost per exchange and nothing else.
- `twin`: the Slack twin (`twins serve slack`, in memory) answering `users.info` for its bot user
  with the bot token, as slack_sdk sends it (form body, `Authorization: Bearer`).
- `latency:MS`: the same recorded answer held back MS ms by the event loop (`bench.slow_upstream`),
  as a SaaS API's service time; throughput is measured at each of `--latency-connections`.

The proxy is the real command, `twins record slack --upstream ... --out TMP`, with redaction on
and a trace line written per exchange. Added latency: p50 through the proxy minus p50 direct,
with one connection (`-c1`). Throughput: proxied rps / direct rps. Rounds alternate: each repeat
measures every upstream, direct then proxied, so all ratios come from the same minutes. The
upstreams and wrk share core 0; the proxies have core 1.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
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


@dataclass
class Mode:
    """One upstream and the proxy in front of it."""

    name: str
    connections: tuple[int, ...]  # throughput cells; c1 (added latency) is always measured
    direct: str = ""
    proxied: str = ""
    body: str = ""
    auth: str = ""
    traces: Path = Path()
    procs: list[Any] = field(default_factory=list)
    cells: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def conc(self) -> list[tuple[str, int]]:
        return [("c1", 1), *((f"c{c}", c) for c in self.connections if c != 1)]


def parse_modes(text: str, connections: int, latency_connections: tuple[int, ...]) -> list[Mode]:
    modes = []
    for raw in text.split(","):
        name = {"replay": "static", "slack-twin": "twin"}.get(raw.strip(), raw.strip())
        if name in ("static", "twin"):
            modes.append(Mode(name, (connections,)))
        elif re.fullmatch(r"latency:\d+(\.\d+)?", name):
            modes.append(Mode(name, latency_connections))
        else:
            sys.exit(f"unknown upstream {raw!r}: use static, twin or latency:MS")
    return modes


def start_mode(mode: Mode, twins: str, work: Path, trace: Path, body: str) -> None:
    """The mode's upstream on core 0 and `twins record` in front of it on core 1."""
    folder = work / mode.name.replace(":", "-")
    folder.mkdir()
    uport, pport = free_port(), free_port()
    probe = "/api/none"
    if mode.name == "static":
        replay = [twins, "replay", str(trace), "--port", str(uport)]
        mode.procs.append(start(replay, uport, probe, folder / "upstream.log", cpus="0", status=200))
        mode.body = body
    elif mode.name == "twin":
        mode.procs.append(slack_twin(twins, uport, folder / "upstream.log"))
        mode.body, mode.auth = twin_request(uport, folder / "upstream.log")
        probe = "/api/api.test"
    else:
        ms = mode.name.split(":", 1)[1]
        slow = [sys.executable, "-m", "bench.slow_upstream", str(trace), "--port", str(uport)]
        slow += ["--latency-ms", ms]
        mode.procs.append(start(slow, uport, probe, folder / "upstream.log", cpus="0", status=200))
        mode.body = body
    mode.traces = folder / "traces"
    record = [twins, "record", "slack", "--upstream", f"http://{HOST}:{uport}"]
    record += ["--listen", f"{HOST}:{pport}", "--out", str(mode.traces)]
    mode.procs.append(start(record, pport, probe, folder / "proxy.log", cpus="1", status=200))
    mode.direct = f"http://{HOST}:{uport}/api/users.info"
    mode.proxied = f"http://{HOST}:{pport}/api/users.info"
    mode.cells = {side: {conc: [] for conc, _ in mode.conc()} for side in ("direct", "proxy")}


def measure(mode: Mode, seconds: float) -> None:
    """One round of `mode`: every cell direct, then every cell through the proxy."""
    proxy_pid = mode.procs[-1].pid
    for side, url in (("direct", mode.direct), ("proxy", mode.proxied)):
        for conc, connections in mode.conc():
            before, waited = cpu_seconds(proxy_pid), runqueue_seconds(proxy_pid)
            result = run_cell(url, mode.body, seconds, connections, mode.auth)
            served = max(result["requests"], 1)
            result["proxy_cpu_us"] = (cpu_seconds(proxy_pid) - before) * 1e6 / served
            result["proxy_runqueue_us"] = (runqueue_seconds(proxy_pid) - waited) * 1e6 / served
            mode.cells[side][conc].append(result)


def connection_list(text: str) -> tuple[int, ...]:
    return tuple(int(c) for c in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--upstream",
        default="static,twin,latency:20",
        help="comma-separated: static (twins replay, ~12 µs a request), twin (the Slack twin), "
        "latency:MS (the recorded answer after MS ms); all measured in alternating rounds",
    )
    parser.add_argument("--connections", type=int, default=16, help="throughput cell of static and twin")
    parser.add_argument(
        "--latency-connections",
        type=connection_list,
        default=(16, 64, 256),
        help="throughput cells of latency:MS (comma-separated)",
    )
    args = parser.parse_args()
    modes = parse_modes(args.upstream, args.connections, args.latency_connections)
    require_wrk()
    if not SLACK.exists():
        sys.exit(f"reference recordings not found under {REFERENCE}")
    twins = shutil.which("twins") or sys.exit("the twins command is not installed (pip install -e .)")
    _, exchange = workloads()[0]
    work = Path(tempfile.mkdtemp(prefix="proxy-bench-"))
    warmed: dict[str, int] = {}
    lines: dict[str, int] = {}
    try:
        with TraceWriter(work / "upstream.jsonl") as writer:
            writer.write(exchange)
        for mode in modes:
            start_mode(mode, twins, work, work / "upstream.jsonl", exchange.request.body.text)
            warmed[mode.name] = 0
            for url in (mode.direct, mode.proxied):
                result = run_cell(url, mode.body, 2.0, max(mode.connections), mode.auth)
                warmed[mode.name] += result["requests"] if url == mode.proxied else 0
        for _ in range(args.repeats):
            for mode in modes:
                measure(mode, args.duration)
        for mode in modes:
            lines[mode.name] = sum(1 for path in mode.traces.glob("*.jsonl") for _ in path.open())
    finally:
        for mode in modes:
            for proc in reversed(mode.procs):
                stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    report(modes, lines, warmed, args)


def rows_of(mode: Mode) -> list[dict[str, Any]]:
    """Per cell: medians over the rounds, and the ratio of each round on its own."""

    def med(side: str, conc: str, key: str) -> float:
        return median([r[key] for r in mode.cells[side][conc]])

    rows = []
    for conc, _ in mode.conc():
        pairs = zip(mode.cells["proxy"][conc], mode.cells["direct"][conc], strict=True)
        rows.append(
            {
                "cell": conc,
                "direct_rps": med("direct", conc, "rps"),
                "proxy_rps": med("proxy", conc, "rps"),
                "ratio": med("proxy", conc, "rps") / med("direct", conc, "rps"),
                "ratio_per_round": [p["rps"] / d["rps"] for p, d in pairs],
                "direct_p50_ms": med("direct", conc, "p50_us") / 1000,
                "proxy_p50_ms": med("proxy", conc, "p50_us") / 1000,
                "proxy_cpu_us": med("proxy", conc, "proxy_cpu_us"),
                "proxy_runqueue_us": med("proxy", conc, "proxy_runqueue_us"),
            }
        )
    return rows


def report(modes: list[Mode], lines: dict[str, int], warmed: dict[str, int], args: Any) -> None:
    summary: dict[str, Any] = {"machine": machine(), "args": vars(args), "modes": {}}
    for mode in modes:
        rows = rows_of(mode)
        added = rows[0]["proxy_p50_ms"] - rows[0]["direct_p50_ms"]
        runs = [r for cell in mode.cells["proxy"].values() for r in cell]
        proxied = warmed[mode.name] + sum(r["requests"] for r in runs)
        summary["modes"][mode.name] = {
            "added_p50_ms": added,
            "rows": rows,
            "trace_lines": lines[mode.name],
            "proxied_requests": proxied,
            "cells": mode.cells,
        }
        print(f"\n### upstream {mode.name}: added p50 latency (c1) {added:.2f} ms\n")
        print("| cell | direct rps | proxied rps | ratio (each round) | p50 ms direct / proxied", end="")
        print(" | CPU / wait µs |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in rows:
            each = ", ".join(f"{r:.2f}" for r in row["ratio_per_round"])
            p50 = f"{row['direct_p50_ms']:.2f} / {row['proxy_p50_ms']:.2f}"
            print(
                f"| {row['cell']} | {row['direct_rps']:,.0f} | {row['proxy_rps']:,.0f} | "
                f"**{row['ratio']:.2f}** ({each}) | {p50} | {row['proxy_cpu_us']:.0f} / "
                f"{row['proxy_runqueue_us']:.0f} |"
            )
        every = [r for side in mode.cells.values() for cell in side.values() for r in cell]
        errors = sum(v for r in every for k, v in r.items() if k.startswith("errors_"))
        print(f"trace lines: {lines[mode.name]:,}; requests wrk counted through the proxy: ", end="")
        print(f"{proxied:,}; wrk errors: {errors}")
    print("CPU / wait: the proxy's CPU time, and its time runnable but waiting for a CPU, per exchange")
    print(f"raw: {write_json('proxy', summary)}")


if __name__ == "__main__":
    main()
