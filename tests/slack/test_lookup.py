"""Membership of large conversations (a set per member list): joins and leaves show at once."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from twins._runtime.collection import TenantState
from twins._runtime.context import TwinContext
from twins.slack import lookup


async def test_large_member_lists_follow_every_change(
    slack_app: FastAPI, client: httpx.AsyncClient, creds: dict[str, Any]
) -> None:
    ctx: TwinContext = slack_app.state.twin
    bot = creds["bot_user_id"]
    crowd = [f"U{n:010d}" for n in range(2 * lookup.SCAN_UP_TO)]

    def make(state: TenantState) -> str:
        state["conversations"].insert({"id": "CCROWD0001", "name": "crowd", "members": [*crowd, bot]})
        return "CCROWD0001"

    def members(names: list[str]) -> Any:
        return lambda state: state["conversations"].update("CCROWD0001", members=names)

    chan = await ctx.store.run(ctx.settings.default_tenant, make)
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}

    async def post() -> dict[str, Any]:
        resp = await client.post("/api/chat.postMessage", json={"channel": chan, "text": "hi"}, headers=auth)
        body: dict[str, Any] = resp.json()
        return body

    async def history() -> dict[str, Any]:
        resp = await client.get("/api/conversations.history", params={"channel": chan}, headers=auth)
        body: dict[str, Any] = resp.json()
        return body

    assert (await post())["ok"] is True and (await history())["ok"] is True
    await ctx.store.run(ctx.settings.default_tenant, members(crowd))
    assert (await post())["error"] == "not_in_channel"
    assert (await history())["error"] == "not_in_channel"
    await ctx.store.run(ctx.settings.default_tenant, members([bot, *crowd]))
    assert (await post())["ok"] is True and len((await history())["messages"]) == 2


def test_has_member_agrees_with_the_list() -> None:
    for size in (0, 1, lookup.SCAN_UP_TO, lookup.SCAN_UP_TO + 1, 500):
        names = [f"U{n}" for n in range(size)]
        chan = {"members": names}
        assert all(lookup.has_member(chan, name) for name in names)
        assert not lookup.has_member(chan, "U-nobody") and not lookup.has_member(chan, None)
