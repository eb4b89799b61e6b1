"""Rate limits: Web API tiers per app and method on the tenant clock, chat.postMessage one per second
per channel, HTTP 429 with an integer Retry-After, and the SDKs' rate-limit retry handlers."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import make_app
from tests.support.servers import serve_app
from twins.slack.scopes import TIERS

MINUTE = 60.0


class Twin:
    """One twin with its own rate-limit mode, driven in-process; the clock set through /_twin/clock."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client
        ctx = app.state.twin
        self.creds = ctx.service.credentials(ctx.default_state(), "")
        state = ctx.default_state()
        self.channels = {c["name"]: c["id"] for c in state["conversations"] if c["kind"] == "public"}

    async def clock(self, **body: Any) -> float:
        response = await self.client.post("/_twin/clock", json=body)
        assert response.status_code == 200, response.text
        return float(response.json()["now"])

    async def freeze_at_window_start(self, window: float) -> float:
        """Freeze the tenant clock a little into a fresh window of `window` seconds."""
        now = await self.clock()
        start = (math.floor(now / window) + 1) * window
        return await self.clock(freeze=True, at=start + 0.25)

    async def call(self, method: str, **params: Any) -> httpx.Response:
        token = params.pop("token", self.creds["bot_token"])
        return await self.client.post(
            f"/api/{method}", data=params, headers={"Authorization": f"Bearer {token}"}
        )


@pytest.fixture
async def twins() -> AsyncIterator[dict[str, Twin]]:
    """The same workspace three times, with rate limits `real`, `strict` and `off`."""
    apps = {mode: make_app(rate_limits=mode) for mode in ("real", "strict", "off")}
    clients = {
        mode: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        for mode, app in apps.items()
    }
    yield {mode: Twin(apps[mode], clients[mode]) for mode in apps}
    for mode, client in clients.items():
        await client.aclose()
        apps[mode].state.twin.store.stop()


def assert_ratelimited(response: httpx.Response, retry_after: int | None = None) -> None:
    assert response.status_code == 429
    assert response.json() == {"ok": False, "error": "ratelimited"}
    header = response.headers["retry-after"]
    assert header.isdigit(), f"Retry-After must be an integer: {header!r}"
    if retry_after is not None:
        assert int(header) == retry_after


@pytest.mark.parametrize(("mode", "allowed"), [("strict", 20), ("real", 25)])
async def test_tier2_allows_its_count_per_minute_then_429_until_the_next_window(
    twins: dict[str, Twin], mode: str, allowed: int
) -> None:
    twin = twins[mode]
    await twin.freeze_at_window_start(MINUTE)
    for n in range(allowed):
        response = await twin.call("conversations.list", limit=1)
        assert response.status_code == 200 and response.json()["ok"], (n, response.text)
    limited = await twin.call("conversations.list", limit=1)
    assert_ratelimited(limited, retry_after=60)  # 0.25 s into the minute: ceil(59.75)

    await twin.clock(advance=30)
    assert_ratelimited(await twin.call("conversations.list"), retry_after=30)
    await twin.clock(advance=30)  # the next minute opens
    assert (await twin.call("conversations.list")).json()["ok"]


async def test_tiers_are_counted_per_method(twins: dict[str, Twin]) -> None:
    twin = twins["strict"]
    await twin.freeze_at_window_start(MINUTE)
    for _ in range(20):
        assert (await twin.call("conversations.list")).status_code == 200
    assert_ratelimited(await twin.call("conversations.list"))
    assert (await twin.call("users.list")).status_code == 200  # another method, its own count
    assert (await twin.call("auth.test")).status_code == 200


async def test_post_message_is_one_per_second_per_channel(twins: dict[str, Twin]) -> None:
    twin = twins["strict"]
    general, random = twin.channels["general"], twin.channels["random"]
    await twin.freeze_at_window_start(1)
    first = await twin.call("chat.postMessage", channel=general, text="one")
    assert first.json()["ok"], first.text
    assert_ratelimited(await twin.call("chat.postMessage", channel=general, text="two"), retry_after=1)
    join = await twin.call("conversations.join", channel=random)
    assert join.json()["ok"], join.text
    other = await twin.call("chat.postMessage", channel=random, text="elsewhere")
    assert other.json()["ok"], other.text  # another channel has its own second
    await twin.clock(advance=1)
    assert (await twin.call("chat.postMessage", channel=general, text="three")).json()["ok"]


async def test_real_mode_tolerates_a_short_burst_of_posts(twins: dict[str, Twin]) -> None:
    twin = twins["real"]
    general = twin.channels["general"]
    await twin.freeze_at_window_start(1)
    burst = TIERS["post"].count + TIERS["post"].burst
    for n in range(burst):
        response = await twin.call("chat.postMessage", channel=general, text=f"burst {n}")
        assert response.json()["ok"], (n, response.text)
    assert_ratelimited(await twin.call("chat.postMessage", channel=general, text="too many"))


async def test_off_allows_500_calls_in_a_row(twins: dict[str, Twin]) -> None:
    twin = twins["off"]
    await twin.freeze_at_window_start(MINUTE)
    general = twin.channels["general"]
    for n in range(250):
        assert (await twin.call("conversations.list", limit=1)).status_code == 200, n
        assert (await twin.call("chat.postMessage", channel=general, text=str(n))).status_code == 200, n


async def test_limits_are_per_workspace_app_not_per_token(twins: dict[str, Twin]) -> None:
    """The bot token and the user token of the same app share the app's tier counts."""
    twin = twins["strict"]
    await twin.freeze_at_window_start(MINUTE)
    for _ in range(10):
        assert (await twin.call("users.list")).status_code == 200
        assert (await twin.call("users.list", token=twin.creds["user_token"])).status_code == 200
    assert_ratelimited(await twin.call("users.list", token=twin.creds["user_token"]))


# --- the SDKs' retry handlers ------------------------------------------------------------------------
@pytest.fixture
def strict_url() -> Iterator[tuple[str, dict[str, Any], FastAPI]]:
    app = make_app(rate_limits="strict")
    ctx = app.state.twin
    creds = dict(ctx.service.credentials(ctx.default_state(), ""))
    with serve_app(app) as url:
        ctx.settings.public_url = url
        yield url, creds, app
    ctx.store.stop()


def start_of_second(client: httpx.Client) -> None:
    """Run the tenant clock from just after a whole second, so a post's window has ~0.9 s left
    (the SDK's retry then waits Retry-After = 1 s and lands in the next window)."""
    now = float(client.get("/_twin/clock").json()["now"])
    client.post("/_twin/clock", json={"freeze": False, "at": math.floor(now) + 1 + 0.05})


def test_web_client_retries_a_429_with_the_rate_limit_handler(
    strict_url: tuple[str, dict[str, Any], FastAPI],
) -> None:
    url, creds, _ = strict_url
    bot = WebClient(token=creds["bot_token"], base_url=f"{url}/api/")
    patient = WebClient(
        token=creds["bot_token"],
        base_url=f"{url}/api/",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    general = next(c["id"] for c in bot.conversations_list()["channels"] if c["is_general"])
    with httpx.Client(base_url=url) as admin:
        start_of_second(admin)
        bot.chat_postMessage(channel=general, text="first")
        with pytest.raises(SlackApiError) as raised:
            bot.chat_postMessage(channel=general, text="no retry handler")
        assert raised.value.response.status_code == 429
        assert raised.value.response["error"] == "ratelimited"
        assert raised.value.response.headers["retry-after"] == "1"

        started = time.monotonic()
        done = patient.chat_postMessage(channel=general, text="retried")
        assert done["ok"] and time.monotonic() - started >= 1


async def test_async_web_client_retries_a_429_with_the_rate_limit_handler(
    strict_url: tuple[str, dict[str, Any], FastAPI],
) -> None:
    url, creds, _ = strict_url
    bot = AsyncWebClient(token=creds["bot_token"], base_url=f"{url}/api/")
    patient = AsyncWebClient(
        token=creds["bot_token"],
        base_url=f"{url}/api/",
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    general = next(c["id"] for c in (await bot.conversations_list())["channels"] if c["is_general"])
    with httpx.Client(base_url=url) as admin:
        start_of_second(admin)
        await bot.chat_postMessage(channel=general, text="first")
        with pytest.raises(SlackApiError) as raised:
            await bot.chat_postMessage(channel=general, text="no retry handler")
        assert raised.value.response.status_code == 429
        started = time.monotonic()
        done = await patient.chat_postMessage(channel=general, text="retried")
        assert done["ok"] and time.monotonic() - started >= 1
