"""Shadow mode of `twins record`: every recorded request is also sent to a twin, and the
twin's answers are compared with the real ones as they arrive."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from recorder.diff import DriftReport, Side, build_request
from recorder.trace import Exchange


class Shadow:
    """Queues recorded exchanges and replays them, in order, against the twin."""

    def __init__(self, twin: Side, real: str) -> None:
        self.twin = twin
        self.report = DriftReport(real, twin.url)
        self._queue: asyncio.Queue[Exchange | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def submit(self, exchange: Exchange) -> None:
        """Called for every recorded exchange (on the event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        self._queue.put_nowait(exchange.model_copy(deep=True))

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=30.0) as client:
            while (exchange := await self._queue.get()) is not None:
                try:
                    answer = await client.send(
                        build_request(client, exchange, self.twin, self.report.twin_ids)
                    )
                except httpx.HTTPError as exc:
                    self.report.failures.append(f"{exchange.request.method} {exchange.request.url}: {exc}")
                    continue
                self.report.compare(exchange, exchange, answer)

    async def finish(self, out: Path) -> None:
        """Drain the queue and write drift.md and drift.json into `out`."""
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
        out.mkdir(parents=True, exist_ok=True)
        (out / "drift.md").write_text(self.report.markdown(), encoding="utf-8")
        (out / "drift.json").write_text(json.dumps(self.report.as_json(), indent=2, default=str), "utf-8")
