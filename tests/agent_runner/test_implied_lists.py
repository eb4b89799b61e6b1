"""A collection the recordings create items in and read items of by key, but never list, is listed
at its own path with the items the tenant holds (`agent_runner.lists`)."""

from __future__ import annotations

from pathlib import Path

from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import GITHUB, exchange

KEYS = "/user/gpg_keys"
AUTH = "token REDACTED"


def session(n: int) -> list[Exchange]:
    key = {"id": 400 + n, "key_id": f"K{n}", "emails": []}
    return [
        exchange(GITHUB, "POST", KEYS, 201, key, {"armored_public_key": f"k{n}"}, auth=AUTH),
        exchange(GITHUB, "GET", f"{KEYS}/{400 + n}", 200, key, auth=AUTH),
        exchange(GITHUB, "GET", f"/user/{n}", 200, {"id": n, "login": f"u{n}"}, auth=AUTH),
    ]


async def test_a_collection_created_in_and_read_by_key_is_listed(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "github", {f"k{n}": session(n) for n in range(2)}))
    async for client in client_for(app, "token"):
        assert (await client.get(KEYS)).json() == []  # a fixed path, not a user named gpg_keys
        made = (await client.post(KEYS, json={"armored_public_key": "mine"})).json()
        listed = await client.get(KEYS)
        assert listed.status_code == 200 and [k["id"] for k in listed.json()] == [made["id"]]
    app.state.twin.store.stop()
