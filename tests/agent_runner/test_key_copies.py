"""A field of a create's answer that always holds the new item's key (Okta's device assurance
`resourceId`) is the key again in the twin's answer, not a second value made up apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

PATH = "/api/v1/device-assurances"


def made(n: int) -> dict[str, Any]:
    did = f"dae{n}abcdEFGH{n}ijklm{n}"
    return {
        "id": did,
        "name": f"policy {n}",
        "resourceId": did,
        "_links": {"self": {"href": f"{ORG}{PATH}/{did}"}},
    }


def session(n: int) -> list[Exchange]:
    body = made(n)
    return [
        exchange(ORG, "POST", PATH, 200, body, {"name": body["name"]}),
        exchange(ORG, "GET", f"{PATH}/{body['id']}", 200, body),
    ]


def sessions() -> dict[str, list[Exchange]]:
    return {f"s{n}": session(n) for n in (1, 2, 3)}


def test_a_field_always_equal_to_the_key_is_not_made_up_apart() -> None:
    resources = infer("okta", list(sessions().items())).resources
    assert "resourceId" not in resources[PATH].minted


async def test_the_twins_answer_holds_its_key_there(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app, "SSWS"):
            body = (await client.post(PATH, json={"name": "mine"})).json()
            assert body["resourceId"] == body["id"]
            assert body["_links"]["self"]["href"].endswith(f"{PATH}/{body['id']}")
            assert (await client.get(f"{PATH}/{body['id']}")).json()["resourceId"] == body["id"]
    finally:
        app.state.twin.store.stop()
