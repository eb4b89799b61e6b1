"""Events API: app registration, url_verification, routing, signed envelopes, retries and order."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk.signature import SignatureVerifier

from twins._runtime.collection import TenantState

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def echo_challenge(request: Received) -> Answer:
    """What a well-behaved app answers: the challenge for url_verification, else an empty 200."""
    if request.headers.get("content-type", "").startswith("application/json"):
        data = request.json
        if data.get("type") == "url_verification":
            return (
                200,
                {"Content-Type": "application/json"},
                json.dumps({"challenge": data["challenge"]}).encode(),
            )
    return 200, {}, b""


@dataclass
class Receiver:
    """An app endpoint on 127.0.0.1 that records requests and answers with `handler`."""

    handler: Callable[[Received], Answer] = echo_challenge
    requests: list[Received] = field(default_factory=list)
    delay: float = 0.0
    server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                receiver.requests.append(request)
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, headers, body = receiver.handler(request)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def events(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.json.get("type") == "event_callback"]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def tenant(app: FastAPI) -> TenantState:
    ctx = app.state.twin
    state = ctx.default_state()
    assert isinstance(state, TenantState)
    return state


def people(app: FastAPI) -> list[str]:
    return [
        u["id"]
        for u in tenant(app)["users"]
        if not u["is_bot"] and not u["deleted"] and not u["is_restricted"]
    ]


def channel(app: FastAPI, name: str) -> dict[str, Any]:
    row = tenant(app)["conversations"].by("name", name)
    assert row is not None
    return row


async def fast_retries(client: httpx.AsyncClient, timeout: float = 1.0) -> None:
    resp = await client.put(
        "/_twin/slack/delivery-settings", json={"timeout": timeout, "retry_delays": [0.01] * 3}
    )
    assert resp.status_code == 200


async def register(client: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Helpdesk", "request_url": url, "events": ["message.channels", "app_mention"], **fields}
    resp = await client.post("/_twin/slack/apps", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


async def deliveries(
    client: httpx.AsyncClient, until: Callable[[list[dict[str, Any]]], bool], **query: Any
) -> list[dict[str, Any]]:
    """Poll the deliveries journal (bounded, 5 s) until `until` holds; the last page seen."""
    deadline = time.monotonic() + 5
    while True:
        resp = await client.get("/_twin/slack/deliveries", params={"kind": "event_callback", **query})
        found = list(resp.json()["deliveries"])
        if until(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.02)


async def idle(client: httpx.AsyncClient) -> None:
    """Wait until nothing is queued or being delivered (bounded)."""
    deadline = time.monotonic() + 5
    while (await client.get("/_twin/slack/deliveries")).json()["pending"] and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


async def post(client: httpx.AsyncClient, user: str, **body: Any) -> dict[str, Any]:
    resp = await client.post(f"/_twin/slack/humans/{user}/post", json=body)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


# --- registration and url_verification --------------------------------------------------------------
async def test_register_app_runs_url_verification(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    app = await register(client, receiver.url, commands=[{"command": "/ticket", "description": "File one"}])
    assert app["url_verified"] is True
    assert app["verification"]["verified"] is True
    assert app["bot_token"].startswith("xoxb-") and app["bot_user_id"].startswith("U")
    assert app["events"] == ["message.channels", "app_mention"]
    assert app["commands"][0]["url"] == receiver.url  # no URL given: the request URL
    handshake = receiver.requests[0]
    assert handshake.json["type"] == "url_verification"
    assert handshake.json["token"] == app["verification_token"]
    verifier = SignatureVerifier(app["signing_secret"])
    assert verifier.is_valid(
        handshake.body.decode(),
        handshake.headers["x-slack-request-timestamp"],
        handshake.headers["x-slack-signature"],
    )
    bot = tenant(slack_app)["users"].get(app["bot_user_id"])
    assert bot is not None and bot["is_bot"] and bot["bot_id"] == app["bot_id"]
    auth = await client.post("/api/auth.test", data={"token": app["bot_token"]})
    assert auth.json()["user_id"] == app["bot_user_id"]
    listed = (await client.get("/_twin/slack/apps")).json()["apps"]
    assert app["app_id"] in [a["app_id"] for a in listed]


async def test_unverified_url_gets_no_events_until_verified(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    receiver.handler = lambda r: (200, {}, b"not the challenge")
    app = await register(client, receiver.url, channels=["general"])
    assert app["url_verified"] is False
    assert app["verification"]["error"] == "challenge_mismatch"
    await post(client, people(slack_app)[0], channel="general", text="anyone?")
    await idle(client)
    assert receiver.events() == []
    receiver.handler = echo_challenge
    resp = await client.post(f"/_twin/slack/apps/{app['app_id']}/verify")
    assert resp.json()["verified"] is True
    await post(client, people(slack_app)[0], channel="general", text="now?")
    found = await deliveries(client, lambda d: len(d) == 1, app_id=app["app_id"])
    assert found[0]["payload"]["event"]["text"] == "now?"


async def test_patch_the_seeded_app(
    client: httpx.AsyncClient, receiver: Receiver, creds: dict[str, Any]
) -> None:
    resp = await client.patch(
        f"/_twin/slack/apps/{creds['app_id']}",
        json={"request_url": receiver.url, "events": ["message"], "interactivity_url": receiver.url},
    )
    body = resp.json()
    assert body["url_verified"] is True
    assert body["events"] == ["message.channels", "message.groups", "message.im", "message.mpim"]
    assert body["signing_secret"] == creds["signing_secret"]


async def test_registration_errors(client: httpx.AsyncClient) -> None:
    resp = await client.post("/_twin/slack/apps", json={"name": "x", "request_url": "not a url"})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_url"
    resp = await client.post("/_twin/slack/apps", json={"name": "x", "commands": [{"command": "nope"}]})
    assert resp.json()["error"]["code"] == "invalid_command"
    resp = await client.patch("/_twin/slack/apps/ANOPE", json={"name": "x"})
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "app_not_found"


async def test_a_dead_url_fails_verification(client: httpx.AsyncClient, receiver: Receiver) -> None:
    url = receiver.url
    receiver.stop()
    app = await register(client, url)
    assert app["url_verified"] is False
    assert app["verification"]["error"] == "connection_failed"


# --- routing and the envelope ------------------------------------------------------------------------
async def test_message_event_is_signed_and_shaped_like_slack(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    app = await register(client, receiver.url, channels=["general"])
    author = people(slack_app)[1]
    general = channel(slack_app, "general")
    sent = await post(client, author, channel="general", text="Hello team")
    found = await deliveries(
        client, lambda d: bool(d) and d[-1]["status"] == "delivered", app_id=app["app_id"]
    )
    assert [d["event_type"] for d in found] == ["message"]
    request = next(r for r in receiver.requests if r.json.get("type") == "event_callback")
    assert SignatureVerifier(app["signing_secret"]).is_valid(
        request.body.decode(),
        request.headers["x-slack-request-timestamp"],
        request.headers["x-slack-signature"],
    )
    assert request.headers["content-type"] == "application/json"
    assert "x-slack-retry-num" not in request.headers
    envelope = request.json
    team_id = tenant(slack_app).meta["team"]["id"]
    assert envelope["token"] == app["verification_token"]
    assert envelope["team_id"] == team_id
    assert envelope["api_app_id"] == app["app_id"]
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"].startswith("Ev")
    assert isinstance(envelope["event_time"], int)
    assert envelope["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": team_id,
            "user_id": app["bot_user_id"],
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    assert envelope["is_ext_shared_channel"] is False
    assert envelope["event_context"].startswith("4-")
    event = envelope["event"]
    assert event["type"] == "message"
    assert event["channel"] == general["id"]
    assert event["user"] == author
    assert event["text"] == "Hello team"
    assert event["ts"] == sent["response"]["ts"]
    assert event["event_ts"] == event["ts"]
    assert event["channel_type"] == "channel"


async def test_routing_follows_subscriptions_and_membership(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    app = await register(
        client, receiver.url, channels=["general"], events=["message.channels", "app_mention"]
    )
    someone = people(slack_app)[1]
    await post(client, someone, channel="random", text="bot is not in #random")
    await post(client, someone, channel="general", text=f"hey <@{app['bot_user_id']}> help")
    found = await deliveries(client, lambda d: len(d) >= 2, app_id=app["app_id"])
    await idle(client)
    found = await deliveries(client, lambda d: True, app_id=app["app_id"])
    assert [d["event_type"] for d in found] == ["message", "app_mention"]
    mention = found[1]["payload"]["event"]
    assert mention["type"] == "app_mention"
    assert mention["text"] == f"hey <@{app['bot_user_id']}> help"
    assert "channel_type" not in mention


async def test_reactions_joins_and_workspace_events(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    subscribed = ["message.channels", "reaction_added", "member_joined_channel", "channel_created"]
    app = await register(client, receiver.url, channels=["general"], events=subscribed)
    alice, bob = people(slack_app)[1:3]
    sent = await post(client, alice, channel="general", text="vote")
    resp = await client.post(
        f"/_twin/slack/humans/{bob}/react",
        json={"channel": "general", "ts": sent["response"]["ts"], "name": "+1"},
    )
    assert resp.json()["events"] == ["reaction_added"]
    resp = await client.post(f"/_twin/slack/humans/{bob}/create_channel", json={"name": "launch"})
    assert resp.status_code == 200, resp.text
    await client.post(
        f"/_twin/slack/humans/{bob}/invite", json={"channel": "launch", "users": [app["bot_user_id"]]}
    )
    found = await deliveries(client, lambda d: len(d) >= 4, app_id=app["app_id"])
    await idle(client)
    found = await deliveries(client, lambda d: True, app_id=app["app_id"])
    types = [d["event_type"] for d in found]
    assert types[:3] == ["message", "reaction_added", "channel_created"]
    assert "member_joined_channel" in types
    reaction = found[1]["payload"]["event"]
    assert reaction["reaction"] == "+1" and reaction["user"] == bob
    assert reaction["item"] == {
        "type": "message",
        "channel": channel(slack_app, "general")["id"],
        "ts": sent["response"]["ts"],
    }
    joined = next(d for d in found if d["event_type"] == "member_joined_channel")["payload"]["event"]
    assert joined["user"] == app["bot_user_id"] and joined["inviter"] == bob


async def test_the_bots_own_messages_come_back_with_bot_id(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    app = await register(client, receiver.url, channels=["general"])
    resp = await client.post(
        "/api/chat.postMessage",
        json={"channel": "general", "text": "from the bot"},
        headers={"Authorization": f"Bearer {app['bot_token']}"},
    )
    assert resp.json()["ok"] is True
    found = await deliveries(client, lambda d: len(d) == 1, app_id=app["app_id"])
    event = found[0]["payload"]["event"]
    assert event["bot_id"] == app["bot_id"]
    assert event["user"] == app["bot_user_id"]


async def test_web_api_messages_reach_an_app_once_its_url_is_verified(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    # Events reach an app only once its URL is verified.
    receiver.handler = lambda r: (200, {}, b"not the challenge")
    app = await register(client, receiver.url, channels=["general"])
    auth = {"Authorization": f"Bearer {app['bot_token']}"}
    sent = await client.post(
        "/api/chat.postMessage", json={"channel": "general", "text": "unheard"}, headers=auth
    )
    assert sent.json()["ok"] is True
    await idle(client)
    assert receiver.events() == []
    receiver.handler = echo_challenge
    assert (await client.post(f"/_twin/slack/apps/{app['app_id']}/verify")).json()["verified"] is True
    sent = await client.post(
        "/api/chat.postMessage", json={"channel": "general", "text": "heard"}, headers=auth
    )
    assert sent.json()["ok"] is True
    found = await deliveries(client, lambda d: len(d) == 1, app_id=app["app_id"])
    assert [d["payload"]["event"]["text"] for d in found] == ["heard"]


async def test_private_channels_and_ims_need_their_own_subscriptions(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    app = await register(client, receiver.url, channels=["design"], events=["message.im"])
    member = channel(slack_app, "design")["members"][0]
    await post(client, member, channel="design", text="private talk")
    await post(client, member, channel=app["bot_user_id"], text="a DM to the bot")
    found = await deliveries(client, lambda d: len(d) >= 1, app_id=app["app_id"])
    await idle(client)
    found = await deliveries(client, lambda d: True, app_id=app["app_id"])
    assert [d["payload"]["event"]["text"] for d in found] == ["a DM to the bot"]
    assert found[0]["payload"]["event"]["channel_type"] == "im"


# --- retries and order --------------------------------------------------------------------------------
def failing(
    times: int, status: int = 500, headers: dict[str, str] | None = None
) -> Callable[[Received], Answer]:
    left = {"n": times}

    def answer(request: Received) -> Answer:
        if request.json.get("type") == "url_verification":
            return echo_challenge(request)
        if left["n"] > 0:
            left["n"] -= 1
            return status, headers or {}, b"oops"
        return 200, {}, b""

    return answer


async def test_failed_deliveries_are_retried_with_slack_headers(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    await fast_retries(client)
    app = await register(client, receiver.url, channels=["general"])
    receiver.handler = failing(2)
    await post(client, people(slack_app)[0], channel="general", text="retry me")
    found = await deliveries(client, lambda d: any(x["final"] for x in d), app_id=app["app_id"])
    assert [(d["attempt"], d["status"], d["retry_reason"]) for d in found] == [
        (0, "failed", None),
        (1, "failed", "http_error"),
        (2, "delivered", "http_error"),
    ]
    assert len({d["event_id"] for d in found}) == 1
    events = [r for r in receiver.requests if r.json.get("type") == "event_callback"]
    assert [r.headers.get("x-slack-retry-num") for r in events] == [None, "1", "2"]
    assert [r.headers.get("x-slack-retry-reason") for r in events] == [None, "http_error", "http_error"]
    assert len({r.json["event_id"] for r in events}) == 1
    failed = (await client.get("/_twin/slack/deliveries", params={"status": "failed"})).json()["deliveries"]
    assert len(failed) == 2


async def test_timeouts_and_dead_apps_give_up_after_three_retries(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    await fast_retries(client, timeout=0.2)
    app = await register(client, receiver.url, channels=["general"])
    receiver.delay = 0.5
    await post(client, people(slack_app)[0], channel="general", text="slow")
    found = await deliveries(client, lambda d: any(x["final"] for x in d), app_id=app["app_id"])
    assert [d["error"] for d in found] == ["http_timeout"] * 4
    assert [d["retry_reason"] for d in found] == [None, "http_timeout", "http_timeout", "http_timeout"]
    assert found[-1]["final"] and found[-1]["status"] == "failed"
    receiver.delay = 0
    receiver.stop()
    await post(client, people(slack_app)[0], channel="general", text="gone")
    found = await deliveries(client, lambda d: sum(x["final"] for x in d) == 2, app_id=app["app_id"])
    last = [d for d in found if d["payload"]["event"]["text"] == "gone"]
    assert [d["error"] for d in last] == ["connection_failed"] * 4
    assert [d["retry_reason"] for d in last][1:] == ["connection_failed"] * 3


async def test_no_retry_when_the_app_says_so(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    await fast_retries(client)
    app = await register(client, receiver.url, channels=["general"])
    receiver.handler = failing(5, status=503, headers={"X-Slack-No-Retry": "1"})
    await post(client, people(slack_app)[0], channel="general", text="once")
    found = await deliveries(client, lambda d: any(x["final"] for x in d), app_id=app["app_id"])
    assert len(found) == 1 and found[0]["http_status"] == 503


async def test_events_reach_each_app_in_order(
    client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI
) -> None:
    await fast_retries(client)
    app = await register(client, receiver.url, channels=["general"])
    receiver.handler = failing(1)  # the first event needs a retry; the rest must wait for it
    author = people(slack_app)[0]
    for n in range(5):
        await post(client, author, channel="general", text=f"msg {n}")
    found = await deliveries(
        client, lambda d: sum(x["status"] == "delivered" for x in d) == 5, app_id=app["app_id"]
    )
    delivered = [d["payload"]["event"]["text"] for d in found if d["status"] == "delivered"]
    assert delivered == [f"msg {n}" for n in range(5)]
    texts = [r.json["event"]["text"] for r in receiver.requests if r.json.get("type") == "event_callback"]
    assert texts == ["msg 0", "msg 0", "msg 1", "msg 2", "msg 3", "msg 4"]


async def test_humans_errors(client: httpx.AsyncClient, slack_app: FastAPI) -> None:
    resp = await client.post("/_twin/slack/humans/UNOBODY/post", json={"channel": "general", "text": "x"})
    assert resp.status_code == 404
    assert resp.json() == {"error": {"code": "user_not_found", "message": resp.json()["error"]["message"]}}
    someone = people(slack_app)[0]
    resp = await client.post(f"/_twin/slack/humans/{someone}/dance", json={})
    assert resp.json()["error"]["code"] == "unknown_action"
    resp = await client.post(f"/_twin/slack/humans/{someone}/post", json={"channel": "nope", "text": "x"})
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "channel_not_found"
    outsider = next(u for u in people(slack_app) if u not in channel(slack_app, "leadership")["members"])
    resp = await client.post(f"/_twin/slack/humans/{outsider}/post", json={"channel": "random", "text": "hi"})
    assert resp.status_code == 200
    resp = await client.post(
        f"/_twin/slack/humans/{outsider}/post", json={"channel": "leadership", "text": "x"}
    )
    assert resp.json()["error"]["code"] == "channel_not_found"
