"""The proxy's own HTTP front, byte by byte: pipelined requests, HTTP/1.0, `Expect: 100-continue`,
a request that does not parse, framing of the answer, and the same proxy as an ASGI app."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from recorder.trace import read_jsonl
from tests.recorder.servers import recording
from tests.recorder.test_forwarding import UPSTREAM
from tests.support.servers import serve_app


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def read_answers(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """`count` responses framed by Content-Length: (head, body) each."""
    data, answers = b"", list[tuple[bytes, bytes]]()
    while len(answers) < count:
        if b"\r\n\r\n" in data:
            head, rest = data.split(b"\r\n\r\n", 1)
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            if len(rest) >= length:
                answers.append((head, rest[:length]))
                data = rest[length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(answers)} answers"
        data += chunk
    return answers


def test_pipelined_requests_are_answered_in_order_and_recorded(tmp_path: Path) -> None:
    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, writer):
        sock = connect(proxy)
        requests = b"".join(
            b"POST /echo HTTP/1.1\r\nHost: x\r\ncontent-length: %d\r\n\r\n%s" % (n, b"a" * n)
            for n in (3, 1, 2)
        )
        sock.sendall(requests)
        answers = read_answers(sock, 3)
        sock.close()
    assert [json.loads(body)["size"] for _, body in answers] == [3, 1, 2]
    assert all(head.startswith(b"HTTP/1.1 200 OK\r\n") for head, _ in answers)
    recorded = list(read_jsonl(writer.paths[0]))
    assert [len(e.request.body.text) for e in recorded] == [3, 1, 2]


def test_http_1_0_gets_its_answer_and_the_connection_closes(tmp_path: Path) -> None:
    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, _):
        sock = connect(proxy)
        sock.sendall(b"GET /echo HTTP/1.0\r\nHost: x\r\n\r\n")
        answer = read_until_closed(sock)
        sock.close()
    head, body = answer.split(b"\r\n\r\n", 1)
    assert b"connection: close" in head.lower()
    assert json.loads(body) == {"method": "GET", "size": 0, "chunked": False}


def test_expect_100_continue_is_answered_before_the_body_is_sent(tmp_path: Path) -> None:
    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, writer):
        sock = connect(proxy)
        sock.sendall(b"PUT /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\ncontent-length: 4\r\n\r\n")
        interim = sock.recv(65536)
        sock.sendall(b"abcd")
        [(head, body)] = read_answers(sock, 1)
        sock.close()
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["size"] == 4
    assert [e.request.body.text for e in read_jsonl(writer.paths[0])] == ["abcd"]


def test_a_request_that_does_not_parse_is_a_400_and_nothing_is_recorded(tmp_path: Path) -> None:
    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, writer):
        sock = connect(proxy)
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = read_until_closed(sock)
        sock.close()
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert writer.count == 0


def test_an_answer_without_length_is_chunked_to_the_client_and_head_has_no_body(tmp_path: Path) -> None:
    with serve_app(UPSTREAM) as upstream, recording(upstream, tmp_path) as (proxy, _):
        sock = connect(proxy)
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        streamed = read_until_closed(sock)
        sock.close()
        head = httpx.head(f"{proxy}/echo")
    head_part, body = streamed.split(b"\r\n\r\n", 1)
    assert b"transfer-encoding: chunked" in head_part.lower()
    assert body.endswith(b"0\r\n\r\n")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("asgi", [False, True], ids=["front", "asgi"])
def test_the_proxy_forwards_alike_on_its_front_and_as_an_asgi_app(tmp_path: Path, asgi: bool) -> None:
    with (
        serve_app(UPSTREAM) as upstream,
        recording(upstream, tmp_path, asgi=asgi) as (proxy, writer),
        httpx.Client() as client,
    ):
        posted = client.post(f"{proxy}/echo", content=b"q" * 300_000)
        streamed = client.get(f"{proxy}/stream")
    assert posted.json() == {"method": "POST", "size": 300_000, "chunked": False}
    assert streamed.text == "".join(f"part {i:03d}\n" * 100 for i in range(50))
    recorded = list(read_jsonl(writer.paths[0]))
    assert [e.request.method for e in recorded] == ["POST", "GET"]
    assert recorded[0].request.body.text == "q" * 300_000
    assert recorded[1].response.body.text == streamed.text
