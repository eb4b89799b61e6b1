"""Flow control shared by the proxy's own protocols (`recorder.front`, `recorder.upstream`): a
writer waits while the transport's buffer is over its high-water mark, and is let go when it
drains or the connection is lost."""

from __future__ import annotations

import asyncio


class Paced(asyncio.Protocol):
    """An asyncio protocol whose writers `await drained()` after each write."""

    writable: asyncio.Future[None] | None = None  # set while the transport asks writers to wait

    def pause_writing(self) -> None:
        self.writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self.release_writers()
        self.writable = None

    def release_writers(self) -> None:
        """Let every waiting writer go (drained, or the connection lost)."""
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)

    async def drained(self) -> None:
        if self.writable is not None:
            await self.writable
