"""A real slack_bolt App, served on 127.0.0.1, receives events, actions, commands and modal
submissions from the twin and answers through the Web API and response_url."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from slack_bolt import Ack, App, Respond, Say
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from tests.slack.test_interactivity import BUTTONS, MODAL

pytestmark = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve(app: App) -> Iterator[str]:
    """Serve a Bolt app with its WSGI adapter; yields its request URL."""
    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_until(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll `check` until it returns something truthy (bounded); fail with the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "timed out waiting"
            return value
        time.sleep(0.02)


@pytest.fixture
def admin(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10, trust_env=False) as c:
        c.put("/_twin/slack/delivery-settings", json={"retry_delays": [0.01, 0.01, 0.01]})
        yield c


def rows(admin: httpx.Client, collection: str, **where: str) -> list[dict[str, Any]]:
    params = {"collection": collection, "where": [f"{k}={v}" for k, v in where.items()]}
    return list(admin.get("/_twin/state", params=params).json()["collections"][collection])


def bolt_app(base_url: str, token: str, signing_secret: str) -> App:
    client = WebClient(token=token, base_url=f"{base_url}/api/")
    return App(signing_secret=signing_secret, client=client)


def person(admin: httpx.Client, channel: str) -> str:
    """A person who is in `channel`."""
    users = {u["id"]: u for u in rows(admin, "users")}
    conv = rows(admin, "conversations", name=channel)[0]
    return next(m for m in conv["members"] if not users[m]["is_bot"] and not users[m]["is_restricted"])


def register(admin: httpx.Client, **fields: Any) -> dict[str, Any]:
    resp = admin.post("/_twin/slack/apps", json={"name": "Helpdesk", "channels": ["general"], **fields})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def connect(admin: httpx.Client, app_id: str, url: str, events: list[str]) -> None:
    resp = admin.patch(
        f"/_twin/slack/apps/{app_id}", json={"request_url": url, "interactivity_url": url, "events": events}
    )
    assert resp.json()["url_verified"] is True, resp.text


def test_the_seeded_app_answers_mentions_and_keywords(
    base_url: str, admin: httpx.Client, creds: dict[str, Any]
) -> None:
    bolt = bolt_app(base_url, creds["bot_token"], creds["signing_secret"])

    @bolt.event("app_mention")
    def mentioned(event: dict[str, Any], say: Say) -> None:
        say(text=f"Hi <@{event['user']}>, on it", thread_ts=event["ts"])

    @bolt.message("ping")
    def ping(say: Say) -> None:
        say("pong")

    with serve(bolt) as url:
        connect(admin, creds["app_id"], url, ["app_mention", "message.channels"])
        user = person(admin, "engineering")
        bot = creds["bot_user_id"]
        posted = admin.post(
            f"/_twin/slack/humans/{user}/post",
            json={"channel": "engineering", "text": f"<@{bot}> the build is red"},
        ).json()["response"]
        reply = wait_until(
            lambda: [m for m in rows(admin, "messages", thread_ts=posted["ts"]) if m["user"] == bot]
        )
        assert reply[0]["text"] == f"Hi <@{user}>, on it"
        admin.post(f"/_twin/slack/humans/{user}/post", json={"channel": "engineering", "text": "ping"})
        pong = wait_until(
            lambda: [m for m in rows(admin, "messages", channel=posted["channel"]) if m["text"] == "pong"]
        )
        assert pong[0]["user"] == bot and pong[0]["bot_id"]
        delivered = admin.get("/_twin/slack/deliveries", params={"app_id": creds["app_id"]}).json()
        assert any(
            d["event_type"] == "app_mention" and d["status"] == "delivered" for d in delivered["deliveries"]
        )


def test_bolt_handles_a_button_and_responds(base_url: str, admin: httpx.Client) -> None:
    app = register(admin)
    bolt = bolt_app(base_url, app["bot_token"], app["signing_secret"])
    seen: list[dict[str, Any]] = []

    @bolt.action("approve")
    def approve(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        seen.append(body)
        respond(text=f"Approved by <@{body['user']['id']}>", replace_original=True)

    with serve(bolt) as url:
        connect(admin, app["app_id"], url, [])
        posted = bolt.client.chat_postMessage(channel="general", text="Approve?", blocks=BUTTONS)
        user = person(admin, "general")
        out = admin.post(
            f"/_twin/slack/humans/{user}/click",
            json={"channel": "general", "message_ts": posted["ts"], "action_id": "approve"},
        ).json()
        assert out["app_response"]["status"] == 200
        key = f"{posted['channel']}/{posted['ts']}"
        changed = wait_until(
            lambda: [m for m in rows(admin, "messages", id=key) if m["text"].startswith("Approved")]
        )
        assert changed[0]["text"] == f"Approved by <@{user}>"
        assert seen[0]["actions"][0]["value"] == "42"


def test_bolt_slash_command_opens_a_modal_and_handles_the_submission(
    base_url: str, admin: httpx.Client
) -> None:
    app = register(admin, commands=[{"command": "/ticket", "description": "File a ticket"}])
    bolt = bolt_app(base_url, app["bot_token"], app["signing_secret"])

    @bolt.command("/ticket")
    def ticket(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @bolt.view("ticket")
    def filed(ack: Ack, view: dict[str, Any], client: WebClient) -> None:
        title = view["state"]["values"]["title"]["value"]["value"]
        if len(title) < 4:
            ack(response_action="errors", errors={"title": "Say a bit more"})
            return
        ack()
        client.chat_postMessage(channel="general", text=f"Ticket filed: {title}")

    with serve(bolt) as url:
        connect(admin, app["app_id"], url, [])
        user = person(admin, "general")
        out = admin.post(
            f"/_twin/slack/humans/{user}/command",
            json={"command": "/ticket", "text": "", "channel": "general"},
        ).json()
        assert out["app_response"]["status"] == 200
        opened = wait_until(
            lambda: [
                v
                for v in rows(admin, "views", user_id=user)
                if not v["closed"] and v["app_id"] == app["app_id"]
            ]
        )
        view_id = opened[0]["id"]
        out = admin.post(
            f"/_twin/slack/humans/{user}/submit", json={"view_id": view_id, "values": {"value": "Hi"}}
        )
        assert out.json()["result"] == "errors"
        assert out.json()["errors"] == {"title": "Say a bit more"}
        out = admin.post(
            f"/_twin/slack/humans/{user}/submit",
            json={"view_id": view_id, "values": {"value": "Printer on fire"}},
        )
        assert out.json()["result"] == "close"
        posted = wait_until(
            lambda: [m for m in rows(admin, "messages") if m["text"] == "Ticket filed: Printer on fire"]
        )
        assert posted[0]["user"] == app["bot_user_id"]
        assert rows(admin, "views", id=view_id)[0]["closed"] is True


def test_bolt_command_ack_text_and_in_channel_respond(base_url: str, admin: httpx.Client) -> None:
    app = register(admin, commands=[{"command": "/echo"}])
    bolt = bolt_app(base_url, app["bot_token"], app["signing_secret"])

    @bolt.command("/echo")
    def echo(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack(f"Echoing {command['text']}")
        respond(text=f"{command['user_name']} said {command['text']}", response_type="in_channel")

    with serve(bolt) as url:
        connect(admin, app["app_id"], url, [])
        user = person(admin, "random")
        out = admin.post(
            f"/_twin/slack/humans/{user}/command",
            json={"command": "/echo", "text": "hello", "channel": "random"},
        ).json()
        assert out["applied"]["action"] == "ephemeral"
        assert out["applied"]["ephemeral"]["text"] == "Echoing hello"
        said = wait_until(lambda: [m for m in rows(admin, "messages") if m["text"].endswith("said hello")])
        assert said[0]["bot_id"] == app["bot_id"]
