"""Instructions `twins record` spends per exchange, counted by valgrind: repeatable whatever else
the machine does (timings on a shared machine are not).

    python -m bench.proxy_icount                          # ~5 min: two runs under callgrind
    python -m bench.proxy_icount --requests 300 --code /path/to/other/checkout

The upstream is `twins replay` serving the recorded Slack `users.info` answer (as the `static`
mode of bench/proxy_bench.py). The proxy, `twins record slack` with redaction on, runs under
`valgrind --tool=callgrind` twice: once answering only the start-up probe, once answering
`--requests` more POSTs from one keep-alive client. Start-up is the same in both runs, so the
difference of the two totals, divided by the requests, is the proxy's instructions per exchange
(one client at a time: every exchange pays its own wake-ups). `--code DIR` runs the proxy from
another checkout (its `PYTHONPATH`), to compare two versions of the recorder. `--bearer TOKEN`
sends `Authorization: Bearer TOKEN` with every request, as an SDK does, so redaction has a
credential to replace.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import harness
from bench.harness import HOST, free_port
from bench.replay_bench import SLACK, start, stop, workloads
from recorder.trace import TraceWriter


def instructions(
    twins: str, upstream: str, folder: Path, requests: int, body: str, code: str, bearer: str = ""
) -> int:
    """Total instructions of one `twins record` process that served `requests` POSTs."""
    port = free_port()
    log = folder / f"callgrind-{requests}.log"
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, twins]
    cmd += ["record", "slack", "--upstream", upstream, "--listen", f"{HOST}:{port}"]
    cmd += ["--out", str(folder / f"traces-{requests}")]
    env = {**os.environ, "PYTHONPATH": code} if code else None
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 900  # start-up under callgrind is slow
        while not _answers(f"http://{HOST}:{port}/api/none"):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"twins record did not start under valgrind; see {log}")
            time.sleep(1)
        conn = http.client.HTTPConnection(HOST, port, timeout=300)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        for _ in range(requests):
            conn.request("POST", "/api/users.info", body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                sys.exit(f"the proxy answered {answer.status}")
        conn.close()
        os.killpg(proc.pid, signal.SIGTERM)  # twins record stops cleanly; callgrind then reports
        proc.wait(600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    found = re.search(r"Collected : ([\d,]+)", log.read_text())
    if found is None:
        sys.exit(f"callgrind printed no total; see {log}")
    return int(found.group(1).replace(",", ""))


def _answers(url: str) -> bool:
    try:
        return harness.http("GET", url)[0] == 200
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--code", default="", help="PYTHONPATH of the proxy (another checkout)")
    parser.add_argument("--bearer", default="", help="send `Authorization: Bearer TOKEN`, as an SDK does")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    if not SLACK.exists():
        sys.exit(f"reference recordings not found under {SLACK.parent}")
    twins = shutil.which("twins") or sys.exit("the twins command is not installed (pip install -e .)")
    _, exchange = workloads()[0]
    work = Path(tempfile.mkdtemp(prefix="proxy-icount-"))
    try:
        with TraceWriter(work / "upstream.jsonl") as writer:
            writer.write(exchange)
        uport = free_port()
        replay = [twins, "replay", str(work / "upstream.jsonl"), "--port", str(uport)]
        upstream = start(replay, uport, "/api/none", work / "upstream.log", cpus="", status=200)
        try:
            origin, body = f"http://{HOST}:{uport}", exchange.request.body.text
            base = instructions(twins, origin, work, 0, body, args.code, args.bearer)
            total = instructions(twins, origin, work, args.requests, body, args.code, args.bearer)
        finally:
            stop(upstream)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per = (total - base) / args.requests
    print(f"code: {args.code or 'this checkout'}; requests: {args.requests}; bearer: {bool(args.bearer)}")
    print(f"instructions: start-up only {base:,}; with the requests {total:,}")
    print(f"instructions per exchange: {per:,.0f}")


if __name__ == "__main__":
    main()
