"""A value a create makes up (Okta's custom app `name`) stands in the answer's keys too: the
app's link is keyed by its name, so the twin's new name keys it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

APPS = "/api/v1/apps"


def made(n: int) -> dict[str, Any]:
    name = f"oie-00_testacc{n}0{n}0{n}_1{n}"
    return {
        "id": f"0oa{n}abcdEFGH{n}ijklm{n}",
        "name": name,
        "label": f"app{n}",
        "visibility": {"appLinks": {f"{name}_link": True}},
    }


def session(n: int) -> list[Exchange]:
    app = made(n)
    return [
        exchange(ORG, "POST", APPS, 200, app, {"label": f"app{n}"}),
        exchange(ORG, "GET", f"{APPS}/{app['id']}", 200, app),
    ]


async def test_a_made_up_name_keys_the_link_it_names(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", {f"s{n}": session(n) for n in (1, 2, 3)}))
    try:
        async for client in client_for(app, "SSWS"):
            body = (await client.post(APPS, json={"label": "mine"})).json()
            assert body["name"] not in {made(n)["name"] for n in (1, 2, 3)}
            assert body["visibility"]["appLinks"] == {f"{body['name']}_link": True}
            got = (await client.get(f"{APPS}/{body['id']}")).json()
            assert got["visibility"]["appLinks"] == {f"{got['name']}_link": True}
    finally:
        app.state.twin.store.stop()
