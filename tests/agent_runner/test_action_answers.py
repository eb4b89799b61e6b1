"""An action that answers the item (Okta's authenticator deactivate) shows the status it sets,
even where no read of the item follows it in the recording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

AUTHENTICATORS = "/api/v1/authenticators"


def authenticator(n: int, status: str) -> dict[str, Any]:
    return {"id": f"aut{n}abcdEFGH{n}ijklm{n}", "key": f"key{n}", "status": status, "name": f"A{n}"}


def session(n: int) -> list[Exchange]:
    item = authenticator(n, "ACTIVE")
    where = f"{AUTHENTICATORS}/{item['id']}"
    return [
        exchange(ORG, "GET", where, 200, item),
        exchange(ORG, "POST", f"{where}/lifecycle/deactivate", 200, authenticator(n, "INACTIVE")),
    ]


def test_the_status_an_action_answers_is_the_status_it_sets() -> None:
    model = infer("okta", [(f"s{n}", session(n)) for n in (1, 2)])
    action = next(op for op in model.operations if op.path.endswith("/deactivate"))
    assert action.changes == {"status": "INACTIVE"}


async def test_the_twin_sets_it(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", {f"s{n}": session(n) for n in (1, 2)}))
    try:
        async for client in client_for(app, "SSWS"):
            where = f"{AUTHENTICATORS}/{authenticator(1, '')['id']}"
            assert (await client.get(where)).json()["status"] == "ACTIVE"
            done = await client.post(f"{where}/lifecycle/deactivate")
            assert done.json()["status"] == "INACTIVE"
            assert (await client.get(where)).json()["status"] == "INACTIVE"
    finally:
        app.state.twin.store.stop()
