"""A slow upstream for bench/proxy_bench.py: `twins replay`'s table and protocol, with every
answer held back a fixed time by the event loop (a timer, no CPU), as a SaaS API's service time.

    python -m bench.slow_upstream TRACE.jsonl --port 8100 --latency-ms 20

Requests are parsed and answered exactly as `twins replay` does; only the write waits. One
process serves any number of concurrent requests, so the client's concurrency, not this
server, sets the direct rate: `connections / latency`.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from recorder.loop import on_signals, run_fast
from recorder.replay_server import ReplayProtocol, ReplayTable, base_url, bind
from recorder.trace import read_jsonl


class SlowReplayProtocol(ReplayProtocol):
    """`ReplayProtocol` whose answers leave `delay` seconds after their request was complete."""

    def __init__(self, table: ReplayTable, delay: float) -> None:
        super().__init__(table)
        self.delay = delay

    def on_message_complete(self) -> None:
        body = b"".join(self._body) if self._body else b""
        answer = self.table.answer(self.parser.get_method(), self._url, self._headers, body)
        keep_alive = self.parser.should_keep_alive()
        asyncio.get_running_loop().call_later(self.delay, self._answer, answer, keep_alive)

    def _answer(self, answer: bytes, keep_alive: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(answer)
        if not keep_alive:
            self._close()


async def serve(trace: Path, host: str, port: int, delay: float) -> None:
    sock = bind(host, port)
    table = ReplayTable(list(read_jsonl(trace)), base_url=base_url(sock, host))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SlowReplayProtocol(table, delay), sock=sock, backlog=2048)
    stopped = asyncio.Event()
    on_signals(stopped.set)
    async with server:
        await stopped.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, required=True)
    args = parser.parse_args()
    run_fast(serve(args.trace, args.host, args.port, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
