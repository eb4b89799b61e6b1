"""The proxy's forwarding on its own upstream client: streamed and chunked bodies both ways, HEAD,
keep-alive reuse, an upstream that is down or drops idle connections, and many clients at once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from recorder.proxy import RecordingProxy
from recorder.redact import Redactor
from recorder.trace import read_jsonl
from recorder.writer import RotatingTraceWriter
from tests.recorder.servers import KEY, recording
from tests.support.servers import serve_app


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {"method": request.method, "size": len(body), "chunked": "transfer-encoding" in request.headers},
        headers={"X-Conn": str(request.scope["client"][1])},
    )


async def stream(_: Request) -> StreamingResponse:
    async def parts() -> AsyncIterator[bytes]:
        for index in range(50):
            yield f"part {index:03d}\n".encode() * 100

    return StreamingResponse(parts(), media_type="text/plain")


UPSTREAM = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST", "PUT", "HEAD"]),
        Route("/stream", stream),
    ]
)


def test_bodies_stream_both_ways_and_are_recorded_whole(tmp_path: Path) -> None:
    def upload() -> object:
        yield b"x" * 70_000
        yield b"y" * 30_000

    with (
        serve_app(UPSTREAM) as upstream,
        recording(upstream, tmp_path) as (proxy, writer),
        httpx.Client() as client,
    ):
        sent = client.post(f"{proxy}/echo", content=upload())  # no length: chunked to the proxy
        plain = client.put(f"{proxy}/echo", content=b"z" * 5)
        got = client.get(f"{proxy}/stream")
        head = client.head(f"{proxy}/echo")
        after = client.get(f"{proxy}/echo")
    assert sent.json() == {"method": "POST", "size": 100_000, "chunked": True}
    assert plain.json() == {"method": "PUT", "size": 5, "chunked": False}
    assert got.text == "".join(f"part {i:03d}\n" * 100 for i in range(50))
    assert head.status_code == 200 and head.content == b""
    assert after.json()["size"] == 0
    recorded = list(read_jsonl(writer.paths[0]))
    assert [e.request.method for e in recorded] == ["POST", "PUT", "GET", "HEAD", "GET"]
    assert recorded[0].request.body.to_bytes() == b"x" * 70_000 + b"y" * 30_000
    assert recorded[2].response.body.text == got.text
    assert all(e.request.url.startswith(upstream) for e in recorded)


def test_connections_to_the_upstream_are_reused(tmp_path: Path) -> None:
    with (
        serve_app(UPSTREAM) as upstream,
        recording(upstream, tmp_path) as (proxy, _),
        httpx.Client() as client,
    ):
        ports = {client.get(f"{proxy}/echo").headers["x-conn"] for _ in range(20)}
    assert len(ports) == 1


def test_an_unreachable_upstream_is_a_502_and_nothing_is_recorded(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with recording(dead, tmp_path) as (proxy, writer):
        got = httpx.get(f"{proxy}/anything")
    assert got.status_code == 502 and "upstream" in got.text
    assert writer.count == 0


def test_an_upstream_that_never_answers_is_a_502_after_the_timeout(tmp_path: Path) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)  # reads the request, never answers
        writer.close()

    async def main() -> tuple[int, str, int, int]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        upstream = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        writer = RotatingTraceWriter(tmp_path, "slack", redactor=Redactor(KEY))
        proxy = RecordingProxy(upstream, writer.write, timeout=0.3)
        async with server:
            with serve_app(proxy) as url:
                async with httpx.AsyncClient(timeout=10) as client:
                    got = await client.get(f"{url}/slow")
        writer.close()
        return got.status_code, got.text, writer.count, proxy.failures

    status, text, recorded, failures = asyncio.run(main())
    assert status == 502 and "sent nothing for 0.3 s" in text
    assert recorded == 0 and failures == 1


def test_an_idle_connection_closed_by_the_upstream_is_replaced(tmp_path: Path) -> None:
    """The upstream answers once per connection and closes it without saying so beforehand."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def main() -> list[int]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        statuses = []
        async with server:
            with recording(f"http://127.0.0.1:{port}", tmp_path) as (proxy, _):
                async with httpx.AsyncClient() as client:
                    for _ in range(5):
                        statuses.append((await client.get(f"{proxy}/x")).status_code)
                        await asyncio.sleep(0.05)
        return statuses

    assert asyncio.run(main()) == [200] * 5


def test_a_post_is_not_sent_twice_when_the_kept_alive_connection_was_closed(tmp_path: Path) -> None:
    """The upstream may have acted on a POST before the connection broke: the client gets a 502."""
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        if len(requests) == 1:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()
            await asyncio.sleep(0.2)  # the proxy keeps this connection; then it breaks
        writer.close()

    async def main() -> list[int]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            with recording(f"http://127.0.0.1:{port}", tmp_path) as (proxy, _):
                async with httpx.AsyncClient() as client:
                    first = await client.get(f"{proxy}/x")
                    second = await client.post(f"{proxy}/x", content=b"a=1")
        return [first.status_code, second.status_code]

    assert asyncio.run(main()) == [200, 502]
    assert not [r for r in requests if r.startswith(b"POST")]  # never sent again on a new connection


def test_a_client_that_hangs_up_mid_body_is_not_recorded(tmp_path: Path) -> None:
    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, writer):
        host, port = proxy.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\npartial")
        after = httpx.post(f"{proxy}/echo", content=b"whole")
    assert after.json()["size"] == 5
    assert [e.request.body.text for e in read_jsonl(writer.paths[0])] == ["whole"]


def test_every_one_of_many_concurrent_exchanges_is_recorded_once(tmp_path: Path) -> None:
    async def main(proxy: str) -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            answers = await asyncio.gather(
                *(client.post(f"{proxy}/echo", content=f"n={n}".encode()) for n in range(300))
            )
        return [a.status_code for a in answers]

    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, writer):
        assert asyncio.run(main(proxy)) == [200] * 300
    bodies = sorted(e.request.body.text for e in read_jsonl(writer.paths[0]))
    assert bodies == sorted(f"n={n}" for n in range(300))


def test_json_without_secret_keys_keeps_its_bytes_and_loses_its_addresses() -> None:
    """The JSON walk is skipped when no key can be a secret field; addresses are still replaced."""
    from recorder.trace import Body, Exchange
    from recorder.trace import Request as TraceRequest
    from recorder.trace import Response as TraceResponse

    text = '{\n  "user": {"email": "Ann@Example.com", "url": "https:\\/\\/x.test\\/a"},\n  "n": 1\n}'
    exchange = Exchange(
        request=TraceRequest(method="GET", url="https://x.test/a"),
        response=TraceResponse(
            status=200, headers=[("content-type", "application/json")], body=Body(text=text)
        ),
    )
    redactor = Redactor(b"k")
    out = redactor.exchange(exchange).response.body.text
    assert "Ann@Example.com" not in out and "@example.invalid" in out
    assert out == text.replace("Ann@Example.com", redactor.pseudonym("ann@example.com", "email"))


def test_recorded_timestamps_are_the_iso_form_of_the_moment() -> None:
    from datetime import UTC, datetime

    from recorder.codec import iso_timestamp
    from recorder.proxy import _timestamp

    moments = [1_700_000_000.0, 1_700_000_000.9995, 1_700_000_000.9999996, 1_700_000_001.0004, 1.0000005]
    moments += [1_012_824_688.4909995, 1_765_000_000.123456]
    for moment in moments:
        assert _timestamp(moment) == iso_timestamp(datetime.fromtimestamp(moment, UTC)), moment
