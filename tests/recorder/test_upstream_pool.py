"""The proxy's upstream pool does not send a request on a connection the upstream is letting go:
one it has already closed (though the event loop has not seen the close yet), or one idle for
longer than upstreams commonly keep an idle connection."""

from __future__ import annotations

import asyncio
import time

from recorder.upstream import UpstreamPool

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


async def exchange(pool: UpstreamPool) -> bool:
    """One GET through the pool; whether it went out on a connection used before."""
    conn, reused = await pool.acquire()
    await conn.write(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
    await conn.head(5)
    body = b""
    while conn.chunks or not conn.complete:
        if conn.chunks:
            body += conn.take()
        else:
            await conn.wait(5)
    assert body == b"ok"
    pool.release(conn)
    return reused


async def upstream(handle_count: list[int], closing: asyncio.Event | None = None) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handle_count.append(1)
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(ANSWER)
            await writer.drain()
            if closing is not None:
                await closing.wait()
                writer.close()
                return

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_an_idle_connection_is_reused() -> None:
    async def main() -> list[bool]:
        connections: list[int] = []
        server = await upstream(connections)
        pool = UpstreamPool(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        reused = [await exchange(pool) for _ in range(3)]
        pool.close()
        server.close()
        return [*reused, len(connections) == 1]

    assert asyncio.run(main()) == [False, True, True, True]


def test_a_connection_the_upstream_closed_is_not_reused_though_the_loop_has_not_seen_it() -> None:
    async def main() -> tuple[bool, bool]:
        connections: list[int] = []
        closing = asyncio.Event()
        server = await upstream(connections, closing)
        pool = UpstreamPool(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        first = await exchange(pool)
        closing.set()
        await asyncio.sleep(0)  # the upstream's handler closes its end
        await asyncio.sleep(0)
        time.sleep(0.05)  # the close reaches the pool's socket; the loop has not run since
        conn, reused = await pool.acquire()
        conn.close()
        pool.close()
        server.close()
        return first, reused

    assert asyncio.run(main()) == (False, False)


def test_a_connection_idle_for_longer_than_the_idle_timeout_is_not_reused() -> None:
    async def main() -> list[bool]:
        connections: list[int] = []
        server = await upstream(connections)
        pool = UpstreamPool(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", idle_timeout=0.05)
        reused = [await exchange(pool), await exchange(pool)]
        await asyncio.sleep(0.1)
        reused.append(await exchange(pool))
        pool.close()
        server.close()
        return [*reused, len(connections) == 2]

    assert asyncio.run(main()) == [False, True, False, True]
