"""Over real HTTP, every bad request gets a 4xx and the same keep-alive connection serves on."""

from __future__ import annotations

import socket

import pytest

from tests.hardening.conftest import ADMIN, Vendor, VendorFactory
from tests.support.servers import serve_app

DEEP = b"[" * 100_000 + b"]" * 100_000


def request(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return int(lines[0].split()[1]), headers, rest[:length]


def bad_requests(vendor: Vendor) -> list[tuple[str, str, bytes, dict[str, str]]]:
    auth = vendor.auth()
    json_auth = {**auth, "Content-Type": "application/json"}
    admin_json = {**ADMIN, "Content-Type": "application/json"}
    clock = [("POST", "/_twin/clock", body, admin_json) for body in (b'{"advance": NaN}', b'{"at": 1e300}')]
    if vendor.name == "slack":
        return [
            *clock,
            ("POST", "/api/chat.postMessage", b'{"channel":"#general","text":' + DEEP + b"}", json_auth),
            ("POST", "/api/chat.postMessage", b'{"channel":"#general","text":"\\ud800"}', json_auth),
            ("POST", "/api/chat.postMessage", b'{"channel":"#general","text":"a\\u0000b"}', json_auth),
        ]
    return [
        *clock,
        ("POST", "/api/v1/users", b'{"profile":' + DEEP + b"}", json_auth),
        ("POST", "/api/v1/users", b'{"profile":{"firstName":"\\ud800"}}', json_auth),
    ]


@pytest.mark.parametrize("name", ["slack", "okta"])
async def test_bad_requests_keep_the_connection(make_vendor: VendorFactory, name: str) -> None:
    vendor: Vendor = await make_vendor(name)
    good = (
        ("POST", "/api/auth.test", b"", vendor.auth())
        if name == "slack"
        else ("GET", "/api/v1/users/me", b"", vendor.auth())
    )
    with serve_app(vendor.app) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            for method, path, body, headers in bad_requests(vendor):
                sock.sendall(request(method, path, body, headers))
                status, answer_headers, payload = read_response(sock)
                if status == 200:  # Slack's errors are 200s
                    assert name == "slack" and b'"ok":false' in payload, payload
                else:
                    assert 400 <= status < 500, (path, status, payload)
                assert b"internal" not in payload
                assert answer_headers.get("connection") != "close"
                sock.sendall(request(*good))
                assert read_response(sock)[0] == 200
