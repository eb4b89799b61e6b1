"""Servers for the capture, replay and drift tests: the Slack twin standing in for the real
service, the recording proxy in front of it, and the replay server; all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI
from slack_sdk import WebClient

from recorder.front import KEEP_ALIVE, FrontServer
from recorder.proxy import RecordingProxy
from recorder.redact import Redactor
from recorder.replay_server import ReplayTable, start
from recorder.trace import Exchange
from recorder.writer import RotatingTraceWriter
from tests.support.servers import serve_app
from twins._runtime.app import build_app
from twins._runtime.settings import Settings
from twins.okta import create_service as create_okta_service
from twins.slack import create_service

KEY = b"test-pseudonym-key"
T = TypeVar("T")


def slack_twin(seed: int = 42) -> FastAPI:
    settings = Settings.from_env(db_url=":memory:", admin_auth=False, rate_limits="off", seed=seed)
    return build_app(create_service(), settings)


def bot_token(app: FastAPI) -> str:
    ctx = app.state.twin
    return str(ctx.service.credentials(ctx.default_state(), "http://testserver")["bot_token"])


@contextmanager
def recording(
    upstream: str, out: Path, *, asgi: bool = False, **options: Any
) -> Iterator[tuple[str, RotatingTraceWriter]]:
    """The recording proxy in front of `upstream`, writing redacted traces into `out`: on its own
    HTTP front as `twins record` serves it, or with `asgi=True` as an ASGI app behind uvicorn."""
    writer = RotatingTraceWriter(out, "slack", redactor=Redactor(KEY), **options)
    proxy = RecordingProxy(upstream, writer.write)
    if asgi:
        with serve_app(proxy, timeout_keep_alive=KEEP_ALIVE) as url:
            yield url, writer
    else:
        with on_thread() as run:
            server = FrontServer(proxy)
            url = run(server.start("127.0.0.1", 0))
            try:
                yield url, writer
            finally:
                run(server.close(grace=5.0))
    writer.close()


@contextmanager
def on_thread() -> Iterator[Callable[[Coroutine[Any, Any, T]], T]]:
    """An event loop on its own thread; yields a function that runs a coroutine there."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, loop).result(timeout=30)

    try:
        yield run
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


@contextmanager
def replaying(exchanges: Sequence[Exchange], **options: Any) -> Iterator[tuple[str, ReplayTable]]:
    """The replay server on its own loop in a thread; yields its base URL and table."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    table = ReplayTable(exchanges, redactor=Redactor(KEY), base_url=base, **options)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start(table, "127.0.0.1", port), loop).result(timeout=10)
    try:
        yield base, table
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


def okta_twin() -> FastAPI:
    settings = Settings.from_env(db_url=":memory:", admin_auth=False, rate_limits="off")
    return build_app(create_okta_service(), settings)


def api_token(app: FastAPI) -> str:
    ctx = app.state.twin
    return str(ctx.service.credentials(ctx.default_state(), "http://testserver")["api_token"])


async def okta_session(base_url: str, token: str) -> dict[str, Any]:
    """An okta SDK session: list users, read one back, list groups."""
    os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")
    from okta.client import Client

    client = Client({"orgUrl": base_url, "token": token})
    users, _, err = await client.list_users(limit=5)
    assert err is None and users, err
    ids = [u.id for u in users]
    user, _, err = await client.get_user(ids[-1])
    assert err is None and user.id == ids[-1]
    groups, _, err = await client.list_groups()
    assert err is None, err
    return {"ids": ids, "status": str(user.status), "groups": sorted(g.id for g in groups)}


def sdk_session(base_url: str, token: str) -> dict[str, Any]:
    """A slack_sdk session with its own checks; returns what it saw, to compare two runs."""
    client = WebClient(token=token, base_url=f"{base_url}/api/")
    auth = client.auth_test()
    assert auth["ok"] and auth["user_id"]
    channels = client.conversations_list(types="public_channel", limit=100)["channels"]
    general = next(c["id"] for c in channels if c["name"] == "general")
    before = client.conversations_history(channel=general, limit=5)["messages"]
    posted = client.chat_postMessage(channel=general, text="recorded hello")
    assert posted["message"]["text"] == "recorded hello"
    client.reactions_add(channel=general, timestamp=posted["ts"], name="thumbsup")
    after = client.conversations_history(channel=general, limit=5)["messages"]
    assert after[0]["ts"] == posted["ts"]
    assert after[0]["reactions"][0]["name"] == "thumbsup"
    info = client.users_info(user=str(auth["user_id"]))["user"]
    return {
        "general": general,
        "ts": posted["ts"],
        "before": len(before),
        "after": len(after),
        "user": info["id"],
        "email": info.get("profile", {}).get("email"),
    }
