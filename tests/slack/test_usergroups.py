"""usergroups.*: create, list, update, disable/enable and membership, with their events."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack.conftest import channel_id
from tests.slack.test_conversations import error_of, people, state_of
from tests.support.tenants import Recorder


@pytest.fixture
def oncall(user_client: WebClient) -> dict[str, Any]:
    return dict(
        user_client.usergroups_create(name="On-call", handle="oncall", description="Pager")["usergroup"]
    )


def test_create(user_client: WebClient, creds: dict[str, Any], events: Recorder) -> None:
    general = channel_id(user_client, "general")
    group = user_client.usergroups_create(
        name="Marketing Team",
        handle="marketing-team",
        description="PR",
        channels=[general],
        include_count=True,
    )["usergroup"]
    assert group["id"].startswith("S") and group["is_usergroup"] is True
    assert (group["name"], group["handle"], group["description"]) == (
        "Marketing Team",
        "marketing-team",
        "PR",
    )
    assert group["prefs"] == {"channels": [general], "groups": []}
    assert group["created_by"] == creds["admin_user_id"] and group["date_delete"] == 0
    assert group["users"] == [] and group["user_count"] == 0
    assert events.of("subteam_created")[0]["subteam"]["id"] == group["id"]


def test_create_derives_a_handle(user_client: WebClient) -> None:
    assert user_client.usergroups_create(name="Night Owls")["usergroup"]["handle"] == "night-owls"


def test_create_errors(user_client: WebClient, oncall: dict[str, Any]) -> None:
    assert (
        error_of(lambda: user_client.usergroups_create(name="on-CALL", handle="x1")) == "name_already_exists"
    )
    assert (
        error_of(lambda: user_client.usergroups_create(name="Other", handle="oncall"))
        == "handle_already_exists"
    )
    assert (
        error_of(lambda: user_client.usergroups_create(name="Other", handle="random"))
        == "handle_already_exists"
    )
    assert error_of(lambda: user_client.usergroups_create(name="Other", handle="Bad Handle")) == "bad_handle"
    assert error_of(lambda: user_client.usergroups_create(name="Other", handle="here")) == "forbidden_handle"
    long_text = "x" * 141
    assert error_of(lambda: user_client.usergroups_create(name="Other", description=long_text)) == (
        "description_too_long"
    )
    assert error_of(lambda: user_client.usergroups_create(name="Other", channels="C0NOPE")) == (
        "invalid_channel_provided"
    )
    names = [g["name"] for g in user_client.usergroups_list()["usergroups"]]
    assert names == ["On-call"]  # none of the failures left anything behind


async def test_create_without_a_name(client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {creds['user_token']}"}
    resp = await client.post("/api/usergroups.create", data={"handle": "nameless"}, headers=headers)
    assert resp.json() == {"ok": False, "error": "missing_subteam_name"}
    resp = await client.post("/api/usergroups.users.list", json={}, headers=headers)
    assert resp.json() == {"ok": False, "error": "no_such_subteam"}


def test_list_options(
    user_client: WebClient, bot: WebClient, oncall: dict[str, Any], slack_app: FastAPI
) -> None:
    crowd = [u["id"] for u in people(slack_app)[:2]]
    user_client.usergroups_users_update(usergroup=oncall["id"], users=crowd)
    plain = bot.usergroups_list()["usergroups"]
    assert [g["id"] for g in plain] == [oncall["id"]]
    assert "users" not in plain[0] and "user_count" not in plain[0]
    full = bot.usergroups_list(include_users=True, include_count=True)["usergroups"][0]
    assert full["users"] == crowd and full["user_count"] == 2
    user_client.usergroups_disable(usergroup=oncall["id"])
    assert bot.usergroups_list()["usergroups"] == []
    disabled = bot.usergroups_list(include_disabled=True)["usergroups"]
    assert disabled[0]["date_delete"] > 0 and disabled[0]["deleted_by"] == oncall["created_by"]


def test_update(user_client: WebClient, oncall: dict[str, Any], events: Recorder) -> None:
    design = channel_id(user_client, "design")
    group = user_client.usergroups_update(
        usergroup=oncall["id"], name="On call", handle="on-call", description="Wakes up", channels=design
    )["usergroup"]
    assert (group["name"], group["handle"], group["description"]) == ("On call", "on-call", "Wakes up")
    assert group["prefs"] == {"channels": [], "groups": [design]}
    assert events.of("subteam_updated")[0]["subteam"]["handle"] == "on-call"
    kept = user_client.usergroups_update(usergroup=oncall["id"], description="Still")["usergroup"]
    assert kept["name"] == "On call" and kept["handle"] == "on-call"
    assert error_of(lambda: user_client.usergroups_update(usergroup="S0NOPE", name="x")) == "no_such_subteam"
    other = user_client.usergroups_create(name="Second", handle="second")["usergroup"]["id"]
    assert error_of(lambda: user_client.usergroups_update(usergroup=other, name="on call")) == (
        "name_already_exists"
    )
    assert error_of(lambda: user_client.usergroups_update(usergroup=other, handle="on-call")) == (
        "handle_already_exists"
    )


def test_users_update_and_list(
    user_client: WebClient, bot: WebClient, oncall: dict[str, Any], slack_app: FastAPI, events: Recorder
) -> None:
    crowd = [u["id"] for u in people(slack_app)]
    first = user_client.usergroups_users_update(usergroup=oncall["id"], users=crowd[:3], include_count=True)
    assert first["usergroup"]["users"] == crowd[:3] and first["usergroup"]["user_count"] == 3
    second = user_client.usergroups_users_update(usergroup=oncall["id"], users=[crowd[2], crowd[3]])
    assert second["usergroup"]["users"] == [crowd[2], crowd[3]]
    assert bot.usergroups_users_list(usergroup=oncall["id"])["users"] == [crowd[2], crowd[3]]
    changes = events.of("subteam_members_changed")
    assert changes[0]["added_users"] == crowd[:3] and changes[0]["added_users_count"] == "3"
    assert changes[1]["added_users"] == [crowd[3]]
    assert changes[1]["removed_users"] == crowd[:2] and changes[1]["removed_users_count"] == "2"
    assert len(events.of("subteam_updated")) == 2


def test_users_update_errors(user_client: WebClient, oncall: dict[str, Any], slack_app: FastAPI) -> None:
    users = list(state_of(slack_app)["users"])
    guest = next(u["id"] for u in users if u["is_restricted"])
    robot = next(u["id"] for u in users if u["is_bot"])
    gone = next(u["id"] for u in users if u["deleted"])
    group = oncall["id"]
    assert (
        error_of(lambda: user_client.usergroups_users_update(usergroup=group, users=""))
        == "no_users_provided"
    )
    for bad in (guest, robot, gone, "U0NOPE"):
        with pytest.raises(SlackApiError) as info:
            user_client.usergroups_users_update(usergroup=group, users=bad)
        assert info.value.response["error"] == "invalid_users"
    assert error_of(lambda: user_client.usergroups_users_update(usergroup="S0NOPE", users=guest)) == (
        "no_such_subteam"
    )


def test_disable_and_enable(user_client: WebClient, oncall: dict[str, Any]) -> None:
    group = oncall["id"]
    assert user_client.usergroups_disable(usergroup=group)["usergroup"]["date_delete"] > 0
    assert error_of(lambda: user_client.usergroups_disable(usergroup=group)) == "already_disabled"
    assert error_of(lambda: user_client.usergroups_users_list(usergroup=group)) == "no_such_subteam"
    assert user_client.usergroups_users_list(usergroup=group, include_disabled=True)["users"] == []
    assert user_client.usergroups_enable(usergroup=group)["usergroup"]["date_delete"] == 0
    assert error_of(lambda: user_client.usergroups_enable(usergroup=group)) == "already_enabled"
