"""Modals and Home tabs through slack_sdk: views.open/push/update/publish, triggers and validation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from twins._runtime.collection import TenantState
from twins.slack.methods import views

T = TypeVar("T")


def tenant(app: FastAPI) -> TenantState:
    ctx = app.state.twin
    state = ctx.default_state()
    assert isinstance(state, TenantState)
    return state


def run(app: FastAPI, fn: Callable[[TenantState], T]) -> T:
    """A committed write on the workspace, as the interactivity code would make it."""
    ctx = app.state.twin
    result: T = asyncio.run(ctx.store.run(ctx.settings.default_tenant, fn))
    return result


def trigger(app: FastAPI, user_id: str) -> str:
    return run(app, lambda st: views.issue_trigger_id(st, user_id))


def modal(title: str = "Create ticket", blocks: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "ticket",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"b{i}"}} for i in range(blocks)],
        **extra,
    }


def failure(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call()
    data = info.value.response.data
    assert isinstance(data, dict)
    return data


def test_open_renders_the_view_as_slack_does(
    bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]
) -> None:
    user = creds["admin_user_id"]
    view = modal(private_metadata="42", submit={"type": "plain_text", "text": "Save"})
    resp = bot.views_open(trigger_id=trigger(slack_app, user), view=view)
    out = resp["view"]
    assert out["id"].startswith("V") and out["type"] == "modal"
    assert out["team_id"] == creds["team_id"] and out["app_installed_team_id"] == creds["team_id"]
    assert out["app_id"] == creds["app_id"] and out["bot_id"].startswith("B")
    assert out["title"] == {"type": "plain_text", "text": "Create ticket", "emoji": True}
    assert out["submit"] == {"type": "plain_text", "text": "Save", "emoji": True}
    assert out["close"] is None and out["previous_view_id"] is None and out["root_view_id"] == out["id"]
    assert (
        out["state"] == {"values": {}} and out["private_metadata"] == "42" and out["callback_id"] == "ticket"
    )
    assert out["blocks"][0]["block_id"] and out["blocks"][0]["text"]["verbatim"] is False
    assert out["hash"].count(".") == 1 and out["external_id"] == ""
    assert out["clear_on_close"] is False and out["notify_on_close"] is False
    row = tenant(slack_app)["views"].get(out["id"])
    assert row is not None and row["user_id"] == user


def test_trigger_ids_expire_and_are_used_once(
    bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]
) -> None:
    trig = trigger(slack_app, creds["admin_user_id"])
    bot.views_open(trigger_id=trig, view=modal())
    assert failure(lambda: bot.views_open(trigger_id=trig, view=modal()))["error"] == "exchanged_trigger_id"
    late = trigger(slack_app, creds["admin_user_id"])
    tenant(slack_app).clock.advance(4)
    assert failure(lambda: bot.views_open(trigger_id=late, view=modal()))["error"] == "expired_trigger_id"
    unknown = failure(lambda: bot.views_open(trigger_id="12345.98765.abcd2358fdea", view=modal()))
    assert unknown["error"] == "invalid_trigger_id"
    malformed = failure(lambda: bot.views_open(trigger_id="nope", view=modal()))
    assert malformed["error"] == "invalid_arguments"
    assert malformed["response_metadata"]["messages"] == [
        "[ERROR] invalid `trigger_id` [json-pointer:/trigger_id]"
    ]


def test_a_failed_open_keeps_the_trigger(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    trig = trigger(slack_app, creds["admin_user_id"])
    assert (
        failure(lambda: bot.views_open(trigger_id=trig, view={"type": "modal"}))["error"]
        == "invalid_arguments"
    )
    assert bot.views_open(trigger_id=trig, view=modal())["ok"] is True


@pytest.mark.parametrize(
    ("view", "message"),
    [
        ({"type": "modal", "blocks": []}, "[ERROR] missing required field: title [json-pointer:/view]"),
        (
            {"type": "modal", "title": {"type": "plain_text", "text": "t"}},
            "[ERROR] missing required field: blocks [json-pointer:/view]",
        ),
        (modal(title="x" * 25), "[ERROR] must be less than 24 characters [json-pointer:/view/title/text]"),
        (modal(blocks=101), "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"),
        ({"type": "card", "blocks": []}, "[ERROR] failed to match all allowed schemas [json-pointer:/view]"),
        (
            modal(submit_disabled=True),
            "[ERROR] invalid additional property: submit_disabled [json-pointer:/view]",
        ),
        (
            modal(blocks=0) | {"blocks": [{"type": "input", "element": {}, "label": {}}]},
            "[ERROR] must provide submit when an input block is present [json-pointer:/view/submit]",
        ),
    ],
)
def test_view_validation(
    bot: WebClient, slack_app: FastAPI, creds: dict[str, Any], view: dict[str, Any], message: str
) -> None:
    body = failure(lambda: bot.views_open(trigger_id=trigger(slack_app, creds["admin_user_id"]), view=view))
    assert body["error"] == "invalid_arguments"
    assert message in body["response_metadata"]["messages"]


def test_title_of_24_characters_is_fine(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    resp = bot.views_open(trigger_id=trigger(slack_app, creds["admin_user_id"]), view=modal(title="x" * 24))
    assert resp["view"]["title"]["text"] == "x" * 24


def test_push_stacks_up_to_three(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    user = creds["admin_user_id"]
    assert (
        failure(lambda: bot.views_push(trigger_id=trigger(slack_app, user), view=modal()))["error"]
        == "not_found"
    )
    root = bot.views_open(trigger_id=trigger(slack_app, user), view=modal())["view"]
    second = bot.views_push(trigger_id=trigger(slack_app, user), view=modal("Second"))["view"]
    assert second["root_view_id"] == root["id"] and second["previous_view_id"] == root["id"]
    third = bot.views_push(trigger_id=trigger(slack_app, user), view=modal("Third"))["view"]
    assert third["previous_view_id"] == second["id"]
    pushed = failure(lambda: bot.views_push(trigger_id=trigger(slack_app, user), view=modal("Fourth")))
    assert pushed["error"] == "push_limit_reached"
    # Closing the top view (a view_submission with response_action "clear" closes them all).
    assert run(slack_app, lambda st: views.close_view(st, third["id"])) == [third["id"]]
    assert [v["id"] for v in views.stack(tenant(slack_app), user, creds["app_id"])] == [
        root["id"],
        second["id"],
    ]
    assert run(slack_app, lambda st: views.close_view(st, second["id"], clear=True)) == [
        root["id"],
        second["id"],
    ]
    # A new open starts a fresh stack.
    again = bot.views_open(trigger_id=trigger(slack_app, user), view=modal())["view"]
    assert again["root_view_id"] == again["id"]


def test_update_by_id_external_id_and_hash(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    user = creds["admin_user_id"]
    opened = bot.views_open(trigger_id=trigger(slack_app, user), view=modal(external_id="ticket-1"))["view"]
    updated = bot.views_update(view_id=opened["id"], view=modal("Updated"), hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"] and updated["title"]["text"] == "Updated"
    assert updated["hash"] != opened["hash"] and updated["external_id"] == "ticket-1"
    stale = failure(lambda: bot.views_update(view_id=opened["id"], view=modal(), hash=opened["hash"]))
    assert stale["error"] == "hash_conflict"
    by_external = bot.views_update(external_id="ticket-1", view=modal("Via external"))["view"]
    assert by_external["id"] == opened["id"]
    assert failure(lambda: bot.views_update(view_id="VNOPE", view=modal()))["error"] == "not_found"
    assert failure(lambda: bot.views_update(external_id="nope", view=modal()))["error"] == "not_found"
    both_ids = {"view_id": opened["id"], "external_id": "ticket-1", "view": modal()}
    both = failure(lambda: bot.api_call("views.update", json=both_ids))
    assert both["response_metadata"]["messages"] == [
        "[ERROR] Cannot provide both `view_id` and `external_id`"
    ]
    # Opening a modal closes the user's stack first, so its external_id is free again.
    other = bot.views_open(trigger_id=trigger(slack_app, user), view=modal(external_id="ticket-1"))
    assert other["ok"] is True
    home = bot.views_publish(user_id=user, view={"type": "home", "blocks": [], "external_id": "home-1"})
    clash = failure(
        lambda: bot.views_open(trigger_id=trigger(slack_app, user), view=modal(external_id="home-1"))
    )
    assert clash["error"] == "duplicate_external_id" and home["ok"] is True


def test_view_state_update_helper(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    opened = bot.views_open(trigger_id=trigger(slack_app, creds["admin_user_id"]), view=modal())["view"]
    values = {"b1": {"a1": {"type": "plain_text_input", "value": "hi"}}}
    row = run(slack_app, lambda st: views.view_state_update(st, opened["id"], values))
    assert views.render(tenant(slack_app), row)["state"] == {"values": values}
    updated = bot.views_update(view_id=opened["id"], view=modal("Next"))["view"]
    assert updated["state"] == {"values": values}


def test_publish_home_tab(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    user = creds["admin_user_id"]
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welcome"}}]}
    first = bot.views_publish(user_id=user, view=home)["view"]
    assert first["type"] == "home" and first["root_view_id"] == first["id"] and "submit_disabled" not in first
    second = bot.views_publish(user_id=user, view=home | {"callback_id": "home"}, hash=first["hash"])["view"]
    assert second["id"] == first["id"] and second["hash"] != first["hash"] and second["callback_id"] == "home"
    assert (
        failure(lambda: bot.views_publish(user_id=user, view=home, hash=first["hash"]))["error"]
        == "hash_conflict"
    )
    bad_user = failure(lambda: bot.views_publish(user_id="UNOPE", view=home))
    assert bad_user["response_metadata"]["messages"] == ["[ERROR] invalid `user_id` [json-pointer:/user_id]"]
    assert failure(lambda: bot.views_publish(user_id=user, view=modal()))["error"] == "invalid_arguments"
    missing = failure(lambda: bot.api_call("views.publish", json={"view": home}))
    assert missing["response_metadata"]["messages"] == ["[ERROR] missing required field: user_id"]
    homes = [v for v in tenant(slack_app)["views"] if v["kind"] == "home"]
    assert len(homes) == 1


async def test_async_client_and_form_encoded_views(
    async_bot: AsyncWebClient, slack_app: FastAPI, creds: dict[str, Any], client: httpx.AsyncClient
) -> None:
    ctx = slack_app.state.twin
    user = creds["admin_user_id"]
    resp = await async_bot.views_publish(user_id=user, view={"type": "home", "blocks": []})
    assert resp["view"]["type"] == "home"
    trig = await ctx.store.run(ctx.settings.default_tenant, lambda st: views.issue_trigger_id(st, user))
    form = {"token": creds["bot_token"], "trigger_id": trig, "view": json.dumps(modal())}
    opened = (await client.post("/api/views.open", data=form)).json()
    assert opened["ok"] is True and opened["view"]["type"] == "modal"
    broken = (
        await client.post("/api/views.update", data={**form, "view_id": opened["view"]["id"], "view": "{"})
    ).json()
    assert broken["error"] == "invalid_arguments"


def test_triggers_are_bound_to_their_app(bot: WebClient, slack_app: FastAPI, creds: dict[str, Any]) -> None:
    trig = run(slack_app, lambda st: views.issue_trigger_id(st, creds["admin_user_id"], "AOTHER"))
    assert failure(lambda: bot.views_open(trigger_id=trig, view=modal()))["error"] == "invalid_trigger_id"
