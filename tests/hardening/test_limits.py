"""Request-body and header limits: a 413 (431 for headers) in the twin's own shape, before the body
is buffered, and the twin serves on; Slack's upload URL takes bodies up to its own limit."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.hardening.conftest import ADMIN, Vendor, VendorFactory
from tests.support.apps import TEST_SETTINGS
from twins._runtime.errors import ConfigError
from twins._runtime.serve import build_running
from twins._runtime.settings import Settings
from twins.okta import create_service as okta_service
from twins.slack import create_service as slack_service

MB = 1024 * 1024


async def test_a_declared_length_past_the_limit_is_refused_unread(make_vendor: VendorFactory) -> None:
    slack: Vendor = await make_vendor("slack", max_body=MB)
    resp = await slack.http.post(
        "/api/auth.test",
        content=b"x" * (MB + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 413
    assert resp.json() == {"ok": False, "error": "request_too_large"}
    assert resp.headers["connection"] == "close"
    assert (await slack.vendor_call()).status_code == 200

    okta: Vendor = await make_vendor("okta", max_body=MB)
    resp = await okta.http.post("/api/v1/authn", content=b"{" + b" " * MB + b"}")
    assert resp.status_code == 413
    assert resp.json()["errorCode"] == "E0000003" and "errorId" in resp.json()
    assert (await okta.vendor_call()).status_code == 200


async def test_a_streamed_body_is_cut_off_at_the_limit(make_vendor: VendorFactory) -> None:
    """No Content-Length: the chunks are counted as they are read, and reading stops past the limit."""
    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(64):
            pulled += 1
            yield b"a" * MB

    for name, path in (("slack", "/api/chat.postMessage"), ("okta", "/api/v1/users")):
        vendor: Vendor = await make_vendor(name, max_body=2 * MB)
        pulled = 0
        headers = {**vendor.auth(), "Content-Type": "application/json"}
        resp = await vendor.http.post(path, content=chunks(), headers=headers)
        assert resp.status_code == 413, resp.text
        assert "ok" in resp.json() if name == "slack" else resp.json()["errorCode"] == "E0000003"
        assert pulled <= 4  # not the whole 64 MB
        assert (await vendor.vendor_call()).status_code == 200


async def test_the_admin_api_answers_in_its_own_shape(make_vendor: VendorFactory) -> None:
    slack: Vendor = await make_vendor("slack", max_body=1024)
    resp = await slack.http.post("/_twin/snapshot", content=b"{" + b" " * 2048 + b"}", headers=ADMIN)
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "request_too_large"


async def test_the_upload_url_has_its_own_larger_limit(make_vendor: VendorFactory) -> None:
    slack: Vendor = await make_vendor("slack", max_body=MB, max_upload=4 * MB)
    auth = {"Authorization": f"Bearer {slack.creds['bot_token']}"}
    size = 3 * MB
    got = await slack.http.post(
        "/api/files.getUploadURLExternal", data={"filename": "big.bin", "length": str(size)}, headers=auth
    )
    path = got.json()["upload_url"].removeprefix("http://testserver")
    assert (await slack.http.post(path, content=b"z" * size)).status_code == 200
    assert (await slack.http.post(path, content=b"z" * (5 * MB))).status_code == 413
    # The Web API keeps the small limit.
    assert (await slack.http.post("/api/auth.test", content=b"x" * (2 * MB), headers=auth)).status_code == 413


@contextmanager
def served(service: Any, **settings: Any) -> Iterator[str]:
    """The twin as `twins serve` runs it (serve.build_running's uvicorn config), in a thread."""
    running, servers = build_running([(service, Settings(**{**TEST_SETTINGS, **settings}), 0)], "127.0.0.1")
    server = servers[0]
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.01)
    try:
        yield running[0].url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        running[0].ctx.store.stop()


def raw_exchange(url: str, head: bytes, body: bytes = b"") -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + body)  # the server may answer and close before reading it all
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
        return out


def test_over_http_a_500_mb_declaration_is_refused_at_once() -> None:
    with served(slack_service()) as url:
        head = (
            b"POST /api/auth.test HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 524288000\r\n\r\n"
        )
        started = time.monotonic()
        answer = raw_exchange(url, head, b"token=x" * 1000)
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b'"error":"request_too_large"' in answer
        assert time.monotonic() - started < 5
        assert httpx.post(f"{url}/api/auth.test").json()["error"] == "not_authed"


def test_over_http_headers_past_64_kb_get_a_431() -> None:
    with served(okta_service()) as url:
        for size in (70_000, 5_000_000):
            head = b"GET /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
            assert raw_exchange(url, head).startswith(b"HTTP/1.1 431 ")
        ok = httpx.get(f"{url}/api/v1/users", headers={"X-Fine": "a" * 8000})
        assert ok.status_code == 401  # served: no credential
        assert ok.json()["errorCode"] == "E0000005"


def test_sizes_and_the_cli_options() -> None:
    from twins._runtime.settings import parse_size
    from twins.cli import make_settings

    assert parse_size("16m") == 16 * MB and parse_size("512K") == 512 * 1024 and parse_size("1024") == 1024
    for bad in ("", "lots", "1.5m", "-1", "3t"):
        with pytest.raises(ValueError):
            parse_size(bad)
    settings = make_settings(None, True, None, 1, "off", None, max_body="2m", max_upload="8m")
    assert (settings.max_body, settings.max_upload) == (2 * MB, 8 * MB)
    with pytest.raises(ConfigError, match="--max-body"):
        make_settings(None, True, None, 1, "off", None, max_body="huge")


def test_limits_and_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from twins.cli import make_settings

    monkeypatch.setenv("TWINS_MAX_BODY", "3m")
    monkeypatch.setenv("TWINS_MAX_UPLOAD", "64m")
    monkeypatch.setenv("TWINS_CORS_ORIGINS", "http://localhost:3000/, https://app.example")
    settings = make_settings(None, True, None, 1, "off", None)
    assert (settings.max_body, settings.max_upload) == (3 * MB, 64 * MB)
    assert settings.cors_origins == ["http://localhost:3000", "https://app.example"]
    flags = make_settings(None, True, None, 1, "off", None, max_body="1m", cors_origins=["http://x.test"])
    assert flags.max_body == MB and flags.cors_origins == ["http://x.test"]  # flags win
    monkeypatch.setenv("TWINS_MAX_BODY", "lots")
    with pytest.raises(ConfigError, match="TWINS_MAX_BODY"):
        make_settings(None, True, None, 1, "off", None)
