"""`twins replay` against WireMock serving the same recorded Slack and Okta answers, with wrk.

    python -m bench.replay_bench                       # ~1.5 min
    python -m bench.replay_bench --duration 3 --repeats 1

The answers are real recordings from ../shared/reference (Slack `users.info`, a form POST;
Okta `GET /api/v1/users/{id}`). WireMock gets one static stub per answer (method, URL and, for
the POST, the exact body, as replay matches them) with the same status, headers and body.
WireMock comes from the peer benchmark (`../shared/tools/peer-bench/setup.sh` installs it) or
WIREMOCK_JAR. Both servers run side by side on core 1 (`taskset -c 1`), wrk on core 0; after the
warm-up the measured rounds alternate between them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    HOST,
    ROOT,
    free_port,
    http,
    machine,
    median,
    pinned,
    require_wrk,
    run_wrk,
    write_json,
)
from recorder.importers import load_recording
from recorder.replay_server import DROPPED
from recorder.trace import Exchange, TraceWriter

# ../shared/reference from the repository root (one more level up from a git worktree).
REFERENCE = next(
    (
        p
        for p in (ROOT.parent / "shared" / "reference", ROOT.parent.parent / "shared" / "reference")
        if p.exists()
    ),
    ROOT.parent / "shared" / "reference",
)
SLACK = REFERENCE / "slack/slack-ruby-client/spec/fixtures/slack/web/users_info.yml"
OKTA = (
    REFERENCE
    / "okta/terraform-provider-okta/test/fixtures/vcr/idaas"
    / "TestAccResourceOktaGroupMemberships_crud/oie-00.yaml"
)
PEER_JARS = (
    REFERENCE.parent / "tools" / "peer-bench" / ".work" / "node" / "node_modules" / "wiremock" / "build"
)


def workloads() -> list[tuple[str, Exchange]]:
    slack = next(e for e in load_recording(SLACK) if e.request.url.endswith("users.info"))
    okta = next(
        e for e in load_recording(OKTA) if e.request.method == "GET" and "/api/v1/users/" in e.request.url
    )
    return [("slack-users.info", slack), ("okta-get-user", okta)]


def wiremock_jar() -> Path:
    if os.environ.get("WIREMOCK_JAR"):
        return Path(os.environ["WIREMOCK_JAR"])
    jars = sorted(PEER_JARS.glob("wiremock-standalone-*.jar"))
    if not jars:
        sys.exit("WireMock not found: run ../shared/tools/peer-bench/setup.sh or set WIREMOCK_JAR")
    return jars[-1]


def wiremock_root(folder: Path, loads: list[tuple[str, Exchange]]) -> None:
    mappings = folder / "mappings"
    mappings.mkdir(parents=True)
    for name, exchange in loads:
        target = exchange.request.url.split("://", 1)[1]
        target = target[target.index("/") :]
        request: dict[str, Any] = {"method": exchange.request.method, "url": target}
        if exchange.request.body.text:
            request["bodyPatterns"] = [{"equalTo": exchange.request.body.text}]
        headers: dict[str, str] = {}
        for key, value in exchange.response.headers:
            if key.lower() not in DROPPED:
                headers[key] = value
        response = {
            "status": exchange.response.status,
            "headers": headers,
            "body": exchange.response.body.text,
        }
        (mappings / f"{name}.json").write_text(json.dumps({"request": request, "response": response}))


def start(cmd: list[str], port: int, probe: str, log: Path, cpus: str = "1", status: int = 200) -> Any:
    """Start `cmd` pinned to `cpus` in its own process group; wait until `probe` answers `status`."""
    import subprocess

    proc = subprocess.Popen(
        pinned(cmd, cpus), stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{cmd[0]} exited; see {log}")
        try:
            if http("GET", f"http://{HOST}:{port}{probe}")[0] == status:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop(proc)
    sys.exit(f"{cmd} did not answer within 60 s; see {log}")


def stop(proc: Any) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except Exception:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def check(url: str, loads: list[tuple[str, Exchange]]) -> None:
    """Both servers must give the recorded answer before they get numbers."""
    for name, exchange in loads:
        body = exchange.request.body.to_bytes() or None
        path = exchange.request.url.split("://", 1)[1]
        path = path[path.index("/") :]
        status, got = _send(exchange.request.method, url + path, body)
        if status != exchange.response.status or json.loads(got) != json.loads(exchange.response.body.text):
            sys.exit(f"{url}: wrong answer for {name}: {status} {got[:200]!r}")


def _send(method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
    import urllib.request

    req = urllib.request.Request(url, data=body, method=method)
    if body:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return int(resp.status), bytes(resp.read())


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads included (the JVM's JIT and GC too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    url: str, loads: list[tuple[str, Exchange]], args: argparse.Namespace, seconds: float, pid: int = 0
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, exchange in loads:
        before = cpu_seconds(pid) if pid else 0.0
        path = exchange.request.url.split("://", 1)[1]
        env = {"BENCH_METHOD": exchange.request.method, "BENCH_BODY": exchange.request.body.text}
        env["BENCH_CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        out[name] = run_wrk(
            url + path[path.index("/") :],
            duration=seconds,
            connections=args.connections,
            threads=2,
            cpus="0",
            env=env,
        )
        if pid:
            out[name]["cpu_us_per_request"] = (
                (cpu_seconds(pid) - before) * 1e6 / max(out[name]["requests"], 1)
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per workload")
    parser.add_argument("--jvm-warmup", type=float, default=30.0, help="WireMock's, per workload")
    args = parser.parse_args()
    require_wrk()
    if not SLACK.exists() or not OKTA.exists():
        sys.exit(f"reference recordings not found under {REFERENCE}")
    loads = workloads()
    work = Path(tempfile.mkdtemp(prefix="replay-bench-"))
    try:
        results = run(args, loads, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args)


def run(args: argparse.Namespace, loads: list[tuple[str, Exchange]], work: Path) -> dict[str, Any]:
    with TraceWriter(work / "trace.jsonl") as writer:
        writer.write_all(exchange for _, exchange in loads)
    wiremock_root(work / "wiremock", loads)
    twins = shutil.which("twins") or sys.exit("the twins command is not installed (pip install -e .)")
    rport, wport = free_port(), free_port()
    servers = {
        "twins-replay": (
            [twins, "replay", str(work / "trace.jsonl"), "--port", str(rport)],
            rport,
            args.warmup,
        ),
        "wiremock": (
            [
                *("java", "-jar", str(wiremock_jar()), "--port", str(wport), "--bind-address", HOST),
                *("--root-dir", str(work / "wiremock"), "--no-request-journal"),
                *("--disable-request-logging", "--disable-banner"),
            ],
            wport,
            args.jvm_warmup,
        ),
    }
    results: dict[str, Any] = {name: {load: [] for load, _ in loads} for name in servers}
    probe = loads[1][1].request.url.split("://", 1)[1]
    probe = probe[probe.index("/") :]
    procs: dict[str, Any] = {}
    try:
        # Both servers run side by side on core 1 (the idle one waits in accept) and the measured
        # rounds alternate between them, so a change in the machine's load hits both alike.
        for name, (cmd, port, _) in servers.items():
            procs[name] = start(cmd, port, probe, work / f"{name}.log")
        urls = {name: f"http://{HOST}:{port}" for name, (_, port, _) in servers.items()}
        for name, (_, _, warm) in servers.items():
            check(urls[name], loads)
            measure(urls[name], loads, args, warm)
        for _ in range(args.repeats):
            for name in servers:
                for load, result in measure(urls[name], loads, args, args.duration, procs[name].pid).items():
                    results[name][load].append(result)
        for name in servers:
            check(urls[name], loads)
    finally:
        for proc in procs.values():
            stop(proc)
    return results


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    rows = []
    summary: dict[str, Any] = {"machine": machine(), "args": vars(args), "cells": {}}
    for load in results["wiremock"]:
        cell = {}
        for name in results:
            runs = results[name][load]
            cell[name] = {
                "rps": median([r["rps"] for r in runs]),
                "p50_us": median([r["p50_us"] for r in runs]),
                "p99_us": median([r["p99_us"] for r in runs]),
                "errors": sum(r["errors_status"] + r["errors_timeout"] for r in runs),
                "cpu_us": median([r["cpu_us_per_request"] for r in runs]),
            }
        ratio = cell["twins-replay"]["rps"] / cell["wiremock"]["rps"]
        p99 = cell["twins-replay"]["p99_us"] / max(cell["wiremock"]["p99_us"], 1)
        summary["cells"][load] = {**cell, "rps_ratio": ratio, "p99_ratio": p99}
        rows.append(
            f"| {load} | {cell['twins-replay']['rps']:,.0f} | {cell['wiremock']['rps']:,.0f} | {ratio:.2f} "
            f"| {cell['twins-replay']['p50_us']:.0f} / {cell['twins-replay']['p99_us']:.0f} "
            f"| {cell['wiremock']['p50_us']:.0f} / {cell['wiremock']['p99_us']:.0f} | {p99:.2f} "
            f"| {cell['twins-replay']['cpu_us']:.0f} / {cell['wiremock']['cpu_us']:.0f} |"
        )
    path = write_json("replay", summary)
    print(
        "| workload | replay rps | WireMock rps | ratio | replay p50/p99 µs | WireMock p50/p99 µs "
        "| p99 ratio | CPU µs/request replay / WireMock |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"raw: {path}")


if __name__ == "__main__":
    main()
