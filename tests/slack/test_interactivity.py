"""Interactivity: block_actions, view_submission, view_closed, shortcuts, slash commands and the
twin-hosted response_url, against a recording app endpoint."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk.signature import SignatureVerifier

from tests.slack.test_events import Answer, Received, Receiver, echo_challenge, people, tenant

BUTTONS = [
    {"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "Approve the request?"}},
    {
        "type": "actions",
        "block_id": "choices",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "42",
                "style": "primary",
            },
            {
                "type": "static_select",
                "action_id": "priority",
                "placeholder": {"type": "plain_text", "text": "Priority"},
                "options": [
                    {"text": {"type": "plain_text", "text": "High"}, "value": "high"},
                    {"text": {"type": "plain_text", "text": "Low"}, "value": "low"},
                ],
            },
        ],
    },
]
MODAL = {
    "type": "modal",
    "callback_id": "ticket",
    "title": {"type": "plain_text", "text": "New ticket"},
    "submit": {"type": "plain_text", "text": "File"},
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "team",
            "optional": True,
            "label": {"type": "plain_text", "text": "Team"},
            "element": {"type": "users_select", "action_id": "who"},
        },
    ],
}


class App:
    """A recording app endpoint whose answers the test sets per payload type."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.answers: dict[str, Answer] = {}
        receiver.handler = self.answer

    def answer(self, request: Received) -> Answer:
        if request.headers.get("content-type", "").startswith("application/json"):
            return echo_challenge(request)
        form = dict(parse_qsl(request.body.decode()))
        kind = json.loads(form["payload"])["type"] if "payload" in form else "command"
        return self.answers.get(kind, (200, {}, b""))

    def payloads(self) -> list[dict[str, Any]]:
        out = []
        for r in self.receiver.requests:
            form = dict(parse_qsl(r.body.decode()))
            if "payload" in form:
                out.append(json.loads(form["payload"]))
            elif "command" in form:
                out.append(form)
        return out


def reply(body: dict[str, Any] | str, status: int = 200) -> Answer:
    if isinstance(body, str):
        return status, {"Content-Type": "text/plain"}, body.encode()
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


@pytest.fixture
def endpoint(receiver: Receiver) -> App:
    return App(receiver)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


async def setup_app(client: httpx.AsyncClient, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    body = {"name": "Approvals", "interactivity_url": receiver.url, "channels": ["general"], **fields}
    resp = await client.post("/_twin/slack/apps", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


async def bot_post(client: httpx.AsyncClient, app: dict[str, Any], **body: Any) -> dict[str, Any]:
    resp = await client.post(
        "/api/chat.postMessage", json=body, headers={"Authorization": f"Bearer {app['bot_token']}"}
    )
    assert resp.json()["ok"] is True, resp.text
    return dict(resp.json())


async def human(client: httpx.AsyncClient, user: str, action: str, **body: Any) -> httpx.Response:
    return await client.post(f"/_twin/slack/humans/{user}/{action}", json=body)


def message(app: FastAPI, channel: str, ts: str) -> dict[str, Any] | None:
    return tenant(app)["messages"].get(f"{channel}/{ts}")


async def relative(client: httpx.AsyncClient, url: str, **body: Any) -> httpx.Response:
    """POST to a twin-hosted URL through the in-process client."""
    return await client.post(url.replace("http://testserver", ""), json=body)


# --- block_actions and response_url -----------------------------------------------------------------
async def test_click_sends_signed_block_actions(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver)
    posted = await bot_post(client, app, channel="general", text="Approve?", blocks=BUTTONS)
    user = people(slack_app)[1]
    resp = await human(client, user, "click", channel="general", message_ts=posted["ts"], action_id="approve")
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["app_response"]["status"] == 200
    request = endpoint.receiver.requests[-1]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert SignatureVerifier(app["signing_secret"]).is_valid(
        request.body.decode(),
        request.headers["x-slack-request-timestamp"],
        request.headers["x-slack-signature"],
    )
    payload = endpoint.payloads()[-1]
    assert payload["type"] == "block_actions"
    assert payload["api_app_id"] == app["app_id"]
    assert payload["token"] == app["verification_token"]
    assert payload["user"]["id"] == user
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": posted["channel"], "name": "general"}
    assert payload["message"]["ts"] == posted["ts"]
    assert re.match(r"^\d+\.\d+\.[0-9a-f]{32}$", payload["trigger_id"])
    action = payload["actions"][0]
    assert action["action_id"] == "approve" and action["block_id"] == "choices"
    assert action["type"] == "button" and action["value"] == "42" and action["style"] == "primary"
    assert action["text"]["text"] == "Approve"
    assert payload["response_url"].startswith("http://testserver/actions/")
    picked = await human(
        client, user, "click", channel="general", message_ts=posted["ts"], action_id="priority", value="low"
    )
    assert picked.json()["payload"]["actions"][0]["selected_option"]["value"] == "low"


async def test_response_url_replaces_and_deletes_the_original(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver)
    posted = await bot_post(client, app, channel="general", text="Approve?", blocks=BUTTONS)
    user = people(slack_app)[1]
    click = (
        await human(client, user, "click", channel="general", message_ts=posted["ts"], action_id="approve")
    ).json()
    resp = await relative(client, click["response_url"], text="Approved by you", replace_original=True)
    assert resp.status_code == 200 and resp.json() == {"ok": True}
    row = message(slack_app, posted["channel"], posted["ts"])
    assert row is not None and row["text"] == "Approved by you" and row["blocks"] == []
    assert row["edited"]["user"] == app["bot_user_id"]
    resp = await relative(client, click["response_url"], delete_original=True)
    assert resp.json() == {"ok": True}
    assert message(slack_app, posted["channel"], posted["ts"]) is None


async def test_response_url_posts_in_channel_or_ephemerally_and_expires(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver)
    posted = await bot_post(client, app, channel="general", text="Approve?", blocks=BUTTONS)
    user = people(slack_app)[1]
    click = (
        await human(client, user, "click", channel="general", message_ts=posted["ts"], action_id="approve")
    ).json()
    url = click["response_url"]
    empty = await relative(client, url)
    assert empty.status_code == 400 and empty.json() == {"ok": False, "error": "no_text"}
    resp = await relative(
        client, url, text="Done, thread reply", response_type="in_channel", thread_ts=posted["ts"]
    )
    assert resp.json() == {"ok": True}
    replies = tenant(slack_app)["messages"].where("thread_ts", posted["ts"])
    reply_row = next(r for r in replies if r["ts"] != posted["ts"])
    assert reply_row["text"] == "Done, thread reply" and reply_row["bot_id"] == app["bot_id"]
    await relative(client, url, text="Only you can see this")
    shown = (await client.get("/_twin/slack/ephemeral", params={"user": user})).json()["messages"]
    assert [m["text"] for m in shown] == ["Only you can see this"]
    assert shown[0]["channel"] == posted["channel"] and shown[0]["app_id"] == app["app_id"]
    for _ in range(3):
        assert (await relative(client, url, text="again")).status_code == 200
    used = await relative(client, url, text="sixth")
    assert used.status_code == 404 and used.json()["error"] == "used_url"
    second = (
        await human(client, user, "click", channel="general", message_ts=posted["ts"], action_id="approve")
    ).json()
    await client.post("/_twin/clock", json={"advance": 31 * 60})
    expired = await relative(client, second["response_url"], text="late")
    assert expired.json() == {"ok": False, "error": "expired_url"}
    unknown = await client.post(
        second["response_url"].replace("http://testserver", "")[:-3] + "xyz", json={"text": "x"}
    )
    assert unknown.status_code == 404


async def test_click_errors(client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI) -> None:
    app = await setup_app(client, endpoint.receiver)
    posted = await bot_post(client, app, channel="general", text="Approve?", blocks=BUTTONS)
    user = people(slack_app)[1]
    resp = await human(client, user, "click", channel="general", message_ts=posted["ts"], action_id="nope")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "action_not_found"
    resp = await human(client, user, "click", channel="general", message_ts="1.000001", action_id="approve")
    assert resp.json()["error"]["code"] == "message_not_found"
    resp = await human(
        client, "UNOBODY", "click", channel="general", message_ts=posted["ts"], action_id="approve"
    )
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "user_not_found"
    await client.patch(f"/_twin/slack/apps/{app['app_id']}", json={"interactivity_url": None})
    resp = await human(client, user, "click", channel="general", message_ts=posted["ts"], action_id="approve")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "interactivity_not_enabled"


async def test_an_app_that_fails_is_reported(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver)
    posted = await bot_post(client, app, channel="general", text="Approve?", blocks=BUTTONS)
    endpoint.answers["block_actions"] = reply("boom", status=500)
    resp = await human(
        client, people(slack_app)[1], "click", channel="general", message_ts=posted["ts"], action_id="approve"
    )
    assert resp.json()["app_response"]["status"] == 500
    assert resp.json()["app_response"]["error"] == "http_error"
    logged = (await client.get("/_twin/slack/deliveries", params={"kind": "block_actions"})).json()[
        "deliveries"
    ]
    assert logged[-1]["status"] == "failed"


# --- modals -----------------------------------------------------------------------------------------
async def open_modal(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI, app: dict[str, Any], user: str
) -> dict[str, Any]:
    """A person clicks a button; the app opens MODAL with the trigger id."""
    posted = await bot_post(client, app, channel="general", text="Open", blocks=BUTTONS)
    click = await human(
        client, user, "click", channel="general", message_ts=posted["ts"], action_id="approve"
    )
    resp = await client.post(
        "/api/views.open",
        json={"trigger_id": click.json()["trigger_id"], "view": MODAL},
        headers={"Authorization": f"Bearer {app['bot_token']}"},
    )
    assert resp.json()["ok"] is True, resp.text
    return dict(resp.json()["view"])


async def test_view_submission_errors_then_closes(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver)
    user = people(slack_app)[1]
    view = await open_modal(client, endpoint, slack_app, app, user)
    missing = await human(client, user, "submit", view_id=view["id"], values={})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_required_input"
    endpoint.answers["view_submission"] = reply(
        {"response_action": "errors", "errors": {"title": "Too short"}}
    )
    resp = await human(client, user, "submit", view_id=view["id"], values={"title": {"value": "Hi"}})
    out = resp.json()
    assert out["result"] == "errors" and out["errors"] == {"title": "Too short"}
    payload = endpoint.payloads()[-1]
    assert payload["type"] == "view_submission"
    assert payload["view"]["id"] == view["id"] and payload["view"]["callback_id"] == "ticket"
    assert payload["view"]["state"]["values"] == {
        "title": {"value": {"type": "plain_text_input", "value": "Hi"}},
        "team": {"who": {"type": "users_select", "selected_user": None}},
    }
    assert re.match(r"^\d+\.\d+\.[0-9a-f]{32}$", payload["trigger_id"])
    row = tenant(slack_app)["views"].get(view["id"])
    assert row is not None and row["closed"] is False
    endpoint.answers["view_submission"] = (200, {}, b"")
    resp = await human(
        client, user, "submit", view_id=view["id"], values={"value": "Printer on fire", "who": user}
    )
    assert resp.json()["result"] == "close"
    assert endpoint.payloads()[-1]["view"]["state"]["values"]["team"]["who"]["selected_user"] == user
    row = tenant(slack_app)["views"].get(view["id"])
    assert row is not None and row["closed"] is True


async def test_view_submission_update_push_and_clear(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver)
    user = people(slack_app)[1]
    view = await open_modal(client, endpoint, slack_app, app, user)
    updated = {**MODAL, "title": {"type": "plain_text", "text": "Step 2"}}
    endpoint.answers["view_submission"] = reply({"response_action": "update", "view": updated})
    out = (await human(client, user, "submit", view_id=view["id"], values={"value": "x"})).json()
    assert out["result"] == "update" and out["view"]["id"] == view["id"]
    assert out["view"]["title"]["text"] == "Step 2" and out["view"]["hash"] != view["hash"]
    endpoint.answers["view_submission"] = reply({"response_action": "push", "view": MODAL})
    out = (await human(client, user, "submit", view_id=view["id"], values={"value": "x"})).json()
    pushed = out["view"]
    assert pushed["previous_view_id"] == view["id"] and pushed["root_view_id"] == view["id"]
    endpoint.answers["view_submission"] = reply({"response_action": "clear"})
    out = (await human(client, user, "submit", view_id=pushed["id"], values={"value": "x"})).json()
    assert sorted(out["closed"]) == sorted([view["id"], pushed["id"]])
    gone = await human(client, user, "submit", view_id=view["id"], values={"value": "x"})
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "view_not_found"


async def test_closing_a_modal_notifies_the_app(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver)
    user = people(slack_app)[1]
    view = await open_modal(client, endpoint, slack_app, app, user)
    out = (await human(client, user, "close_view", view_id=view["id"])).json()
    assert out["closed"] == [view["id"]]
    payload = endpoint.payloads()[-1]
    assert payload["type"] == "view_closed" and payload["view"]["id"] == view["id"]
    assert payload["is_cleared"] is False


async def test_shortcuts(client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI) -> None:
    app = await setup_app(client, endpoint.receiver)
    user = people(slack_app)[1]
    out = (await human(client, user, "shortcut", app_id=app["app_id"], callback_id="new_ticket")).json()
    payload = endpoint.payloads()[-1]
    assert payload["type"] == "shortcut" and payload["callback_id"] == "new_ticket"
    assert payload["trigger_id"] == out["trigger_id"]
    posted = await bot_post(client, app, channel="general", text="file this")
    await human(
        client, user, "shortcut", app_id=app["app_id"], callback_id="file_it", channel="general",
        message_ts=posted["ts"],
    )  # fmt: skip
    payload = endpoint.payloads()[-1]
    assert payload["type"] == "message_action" and payload["message"]["text"] == "file this"
    assert payload["response_url"].startswith("http://testserver/actions/")


# --- slash commands ---------------------------------------------------------------------------------
async def test_slash_command_payload_and_in_channel_answer(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    app = await setup_app(client, endpoint.receiver, commands=[{"command": "/ticket"}])
    user = people(slack_app)[1]
    random_id = tenant(slack_app)["conversations"].by("name", "random")["id"]  # type: ignore[index]
    endpoint.answers["command"] = reply({"response_type": "in_channel", "text": "Ticket T-1 filed"})
    resp = await human(client, user, "command", command="/ticket", text="printer broken", channel="random")
    out = resp.json()
    assert out["applied"]["action"] == "posted"
    form = endpoint.payloads()[-1]
    team = tenant(slack_app).meta["team"]
    assert form == {
        "token": app["verification_token"],
        "team_id": team["id"],
        "team_domain": team["domain"],
        "channel_id": random_id,
        "channel_name": "random",
        "user_id": user,
        "user_name": tenant(slack_app)["users"].get(user)["name"],  # type: ignore[index]
        "command": "/ticket",
        "text": "printer broken",
        "api_app_id": app["app_id"],
        "is_enterprise_install": "false",
        "response_url": out["response_url"],
        "trigger_id": out["trigger_id"],
    }
    assert out["response_url"].startswith("http://testserver/commands/")
    row = message(slack_app, random_id, out["applied"]["ts"])
    assert row is not None and row["text"] == "Ticket T-1 filed" and row["bot_id"] == app["bot_id"]


async def test_slash_command_ephemeral_answers_and_failures(
    client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI
) -> None:
    await setup_app(client, endpoint.receiver, commands=[{"command": "/ticket"}])
    user = people(slack_app)[1]
    endpoint.answers["command"] = reply("Working on it")
    out = (await human(client, user, "command", command="/ticket", text="", channel="general")).json()
    assert out["applied"]["action"] == "ephemeral"
    assert out["applied"]["ephemeral"]["text"] == "Working on it"
    replaced = await relative(client, out["response_url"], text="Done", replace_original=True)
    assert replaced.json() == {"ok": True}
    shown = (await client.get("/_twin/slack/ephemeral", params={"user": user})).json()["messages"]
    assert [m["text"] for m in shown] == ["Done"]
    endpoint.answers["command"] = (200, {}, b"")
    out = (await human(client, user, "command", command="/ticket", channel="general")).json()
    assert "applied" not in out and "error" not in out
    endpoint.answers["command"] = reply("nope", status=500)
    out = (await human(client, user, "command", command="/ticket", channel="general")).json()
    assert out["error"] == "dispatch_failed"
    resp = await human(client, user, "command", command="/unknown", channel="general")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "command_not_found"


async def test_app_home_opened(client: httpx.AsyncClient, receiver: Receiver, slack_app: FastAPI) -> None:
    resp = await client.post(
        "/_twin/slack/apps",
        json={"name": "Home", "request_url": receiver.url, "events": ["app_home_opened"]},
    )
    app = resp.json()
    user = people(slack_app)[1]
    out = (await human(client, user, "open_home", app_id=app["app_id"])).json()
    assert out["event"]["type"] == "app_home_opened" and out["event"]["tab"] == "home"
    assert len(out["event_ids"]) == 1
    im = tenant(slack_app)["conversations"].get(out["event"]["channel"])
    assert im is not None and set(im["members"]) == {user, app["bot_user_id"]}


async def test_clicks_inside_a_modal(client: httpx.AsyncClient, endpoint: App, slack_app: FastAPI) -> None:
    app = await setup_app(client, endpoint.receiver)
    user = people(slack_app)[1]
    posted = await bot_post(client, app, channel="general", text="Open", blocks=BUTTONS)
    click = await human(
        client, user, "click", channel="general", message_ts=posted["ts"], action_id="approve"
    )
    modal = {**MODAL, "blocks": [*MODAL["blocks"], BUTTONS[1]]}  # type: ignore[list-item]
    resp = await client.post(
        "/api/views.open",
        json={"trigger_id": click.json()["trigger_id"], "view": modal},
        headers={"Authorization": f"Bearer {app['bot_token']}"},
    )
    view = resp.json()["view"]
    out = (await human(client, user, "click", view_id=view["id"], action_id="priority", value="high")).json()
    payload = endpoint.payloads()[-1]
    assert payload["type"] == "block_actions"
    assert payload["container"] == {"type": "view", "view_id": view["id"]}
    assert payload["view"]["id"] == view["id"] and "response_url" not in payload
    assert payload["actions"][0]["selected_option"]["value"] == "high"
    assert out["response_url"] is None
