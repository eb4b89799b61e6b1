"""users.*: directory, lookup, memberships, presence and profiles."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.conftest import channel_id
from tests.slack.test_conversations import error_of, people, state_of, user_token, write
from tests.support.tenants import Recorder
from twins._runtime.collection import TenantState


def client_for(base_url: str, token: str) -> WebClient:
    return WebClient(token=token, base_url=f"{base_url}/api/")


def test_list_includes_bots_and_deactivated_accounts(bot: WebClient, slack_app: FastAPI) -> None:
    resp = bot.users_list()
    members = resp["members"]
    assert len(members) == len(state_of(slack_app)["users"])
    assert any(m["deleted"] for m in members)
    assert any(m["is_bot"] for m in members)
    assert isinstance(resp["cache_ts"], int)
    assert resp["response_metadata"]["next_cursor"] == ""
    deleted = next(m for m in members if m["deleted"])
    assert "is_admin" not in deleted and "tz" not in deleted


def test_list_pages_with_the_sdk_iterator(bot: WebClient, slack_app: FastAPI) -> None:
    ids, sizes = [], []
    for page in bot.users_list(limit=5):
        sizes.append(len(page["members"]))
        ids += [m["id"] for m in page["members"]]
    assert len(ids) == len(set(ids)) == len(state_of(slack_app)["users"])
    assert all(size == 5 for size in sizes[:-1])
    assert error_of(lambda: bot.users_list(cursor="garbage")) == "invalid_cursor"


async def test_list_pages_with_the_async_client(async_bot: AsyncWebClient, slack_app: FastAPI) -> None:
    ids = []
    async for page in await async_bot.users_list(limit=4):
        ids += [m["id"] for m in page["members"]]
    assert len(ids) == len(set(ids)) == len(state_of(slack_app)["users"])


def test_list_presence_and_locale(bot: WebClient) -> None:
    members = bot.users_list(presence=True, include_locale=True)["members"]
    assert all(m["presence"] in ("active", "away") for m in members)
    assert all(m["locale"] == "en-US" for m in members)


def test_info(bot: WebClient, creds: dict[str, Any]) -> None:
    user = bot.users_info(user=creds["admin_user_id"])["user"]
    assert user["id"] == creds["admin_user_id"] and user["is_admin"] is True
    assert user["profile"]["email"].endswith(".example")
    assert bot.users_info(user=creds["bot_user_id"])["user"]["is_bot"] is True
    assert error_of(lambda: bot.users_info(user="U0NOPE")) == "user_not_found"


def test_lookup_by_email(bot: WebClient, slack_app: FastAPI) -> None:
    person = people(slack_app)[2]
    found = bot.users_lookupByEmail(email=person["email"].upper())["user"]
    assert found["id"] == person["id"]
    assert error_of(lambda: bot.users_lookupByEmail(email="nobody@nowhere.example")) == "users_not_found"
    deleted = next(u for u in state_of(slack_app)["users"] if u["deleted"])
    assert error_of(lambda: bot.users_lookupByEmail(email=deleted["email"])) == "users_not_found"


def test_conversations_of_the_caller(bot: WebClient, user_client: WebClient) -> None:
    names = {c["name"] for c in bot.users_conversations()["channels"]}
    assert names == {"general", "engineering"}
    private = {c["name"] for c in user_client.users_conversations(types="private_channel")["channels"]}
    assert private == {"design", "leadership"}
    ims = user_client.users_conversations(types="im")["channels"]
    assert len(ims) == 1 and ims[0]["is_im"] is True
    assert error_of(lambda: bot.users_conversations(types="dm")) == "invalid_types"


def test_conversations_of_another_user(bot: WebClient, slack_app: FastAPI) -> None:
    guest = next(
        u for u in state_of(slack_app)["users"] if u["is_restricted"] and not u["is_ultra_restricted"]
    )
    names = {c["name"] for c in bot.users_conversations(user=guest["id"])["channels"]}
    assert names == {"support"}
    everyone = people(slack_app)[1]["id"]
    pages = [
        [c["name"] for c in page["channels"]]
        for page in bot.users_conversations(user=everyone, limit=1, exclude_archived=True)
    ]
    assert all(len(p) == 1 for p in pages) and len(pages) == 4
    # The bot cannot see private channels it is not in, whoever it asks about.
    hidden = bot.users_conversations(user=everyone, types="private_channel")["channels"]
    assert hidden == []
    assert error_of(lambda: bot.users_conversations(user="U0NOPE")) == "user_not_found"


def test_presence(user_client: WebClient, bot: WebClient, creds: dict[str, Any], events: Recorder) -> None:
    me = creds["admin_user_id"]
    mine = user_client.users_getPresence(user=me)
    assert mine["presence"] == "active" and mine["online"] is True and mine["manual_away"] is False
    assert user_client.users_setPresence(presence="away")["ok"] is True
    mine = user_client.users_getPresence(user=me)
    assert mine["presence"] == "away" and mine["manual_away"] is True
    seen = bot.users_getPresence(user=creds["admin_user_id"])
    assert seen["presence"] == "away" and "manual_away" not in seen
    assert events.of("presence_change") == [
        {"type": "presence_change", "user": creds["admin_user_id"], "presence": "away"}
    ]
    user_client.users_setPresence(presence="auto")
    assert user_client.api_call("users.getPresence")["presence"] == "active"  # no user: the caller
    assert error_of(lambda: user_client.users_setPresence(presence="busy")) == "invalid_presence"
    assert bot.users_getPresence(user=creds["bot_user_id"])["presence"] == "active"
    assert error_of(lambda: bot.users_getPresence(user="U0NOPE")) == "user_not_found"


def test_profile_get(bot: WebClient, user_client: WebClient, creds: dict[str, Any]) -> None:
    mine = user_client.users_profile_get()["profile"]
    assert mine["email"] and mine["real_name"] and mine["team"] == creds["team_id"]
    theirs = bot.users_profile_get(user=creds["admin_user_id"])["profile"]
    assert theirs == mine
    assert error_of(lambda: bot.users_profile_get(user="U0NOPE")) == "user_not_found"


def test_profile_set_own(user_client: WebClient, creds: dict[str, Any], events: Recorder) -> None:
    resp = user_client.users_profile_set(
        profile={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "status_text": "Computing",
            "status_emoji": ":abacus:",
            "status_expiration": 0,
        }
    )
    profile = resp["profile"]
    assert profile["real_name"] == "Ada Lovelace" and profile["status_emoji"] == ":abacus:"
    assert user_client.users_info(user=creds["admin_user_id"])["user"]["real_name"] == "Ada Lovelace"
    user_client.users_profile_set(name="title", value="Countess")
    assert user_client.users_profile_get()["profile"]["title"] == "Countess"
    change = events.of("user_change")
    assert len(change) == 2 and change[-1]["user"]["profile"]["title"] == "Countess"


def test_profile_set_custom_fields(user_client: WebClient) -> None:
    user_client.users_profile_set(profile={"fields": {"Xf01": {"value": "Barista", "alt": "coffee"}}})
    user_client.users_profile_set(name="Xf02", value="Night shift")
    fields = user_client.users_profile_get()["profile"]["fields"]
    assert fields["Xf01"] == {"value": "Barista", "alt": "coffee"}
    assert fields["Xf02"]["value"] == "Night shift"


def test_profile_set_errors(user_client: WebClient, bot: WebClient, slack_app: FastAPI) -> None:
    assert (
        error_of(lambda: user_client.users_profile_set(profile={"first_name": "Slackbot"})) == "reserved_name"
    )
    assert error_of(lambda: user_client.users_profile_set(profile={"status_text": "x" * 101})) == "too_long"
    taken = people(slack_app)[3]["email"]
    assert error_of(lambda: user_client.users_profile_set(profile={"email": taken})) == "email_taken"
    assert (
        error_of(lambda: user_client.users_profile_set(profile={"email": "not-an-email"}))
        == "invalid_profile"
    )
    assert error_of(lambda: bot.users_profile_set(profile={"title": "Bot"})) == "missing_scope"


async def test_profile_set_wire_errors(client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {creds['user_token']}"}
    bad = await client.post("/api/users.profile.set", data={"profile": "{not json"}, headers=headers)
    assert bad.json() == {"ok": False, "error": "invalid_profile"}
    empty = await client.post("/api/users.profile.set", data={}, headers=headers)
    assert empty.json()["error"] == "invalid_profile"
    form = await client.post("/api/users.profile.set", data={"profile": '{"title": "Form"}'}, headers=headers)
    assert form.json()["profile"]["title"] == "Form"


def test_profile_set_for_others(base_url: str, user_client: WebClient, slack_app: FastAPI) -> None:
    crowd = people(slack_app)
    target = crowd[4]["id"]
    assert user_client.users_profile_set(user=target, profile={"title": "Lead"})["profile"]["title"] == "Lead"
    email = "renamed@example.org"
    assert user_client.users_profile_set(user=target, profile={"email": email})["profile"]["email"] == email
    regular = client_for(base_url, user_token(slack_app, crowd[5]["id"]))
    assert error_of(lambda: regular.users_profile_set(user=target, profile={"title": "x"})) == "not_admin"
    assert error_of(lambda: regular.users_profile_set(profile={"email": "me@example.org"})) == "not_admin"
    assert regular.users_profile_set(profile={"display_name": "me"})["profile"]["display_name"] == "me"

    def promote(state: TenantState) -> None:
        state["users"].update(crowd[6]["id"], is_admin=True)

    write(slack_app, promote)
    admin = client_for(base_url, user_token(slack_app, crowd[6]["id"]))
    code = error_of(lambda: admin.users_profile_set(user=crowd[0]["id"], profile={"title": "x"}))
    assert code == "cannot_update_admin_user"
    assert admin.users_profile_set(user=target, profile={"title": "Ok"})["ok"] is True


def test_user_channels_follow_membership(bot: WebClient) -> None:
    random = channel_id(bot, "random")
    bot.conversations_join(channel=random)
    assert "random" in {c["name"] for c in bot.users_conversations()["channels"]}
