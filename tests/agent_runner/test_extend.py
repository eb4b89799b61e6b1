"""Generated operations layered under the hand-built Okta twin: only what it does not serve is
generated, the hand-built routes win, and both work on one tenant's state."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from agent_runner.fidelity import app_factory, forget
from agent_runner.model import ServiceModel
from recorder.trace import Exchange
from tests.agent_runner.traffic import ORG, USERS, exchange, okta_session, write
from twins.cli import app as cli
from twins.cli import load_spec


def roles_session(n: int) -> list[Exchange]:
    uid = f"00u{n}abcdEFGH{n}ijklm{n}"
    role = {
        "id": f"ra1{n}bcdEFGH{n}ijkl{n}",
        "type": "HELP_DESK_ADMIN",
        "status": "ACTIVE",
        "assignmentType": "USER",
    }
    missing = {
        "errorCode": "E0000007",
        "errorSummary": "Not found: Resource not found: x (User)",
        "errorCauses": [],
    }
    return [
        *okta_session(n)[:2],
        exchange(ORG, "POST", f"{USERS}/{uid}/roles", 201, role, {"type": "HELP_DESK_ADMIN"}),
        exchange(ORG, "GET", f"{USERS}/{uid}/roles", 200, [role]),
        exchange(ORG, "GET", f"{USERS}/{uid}/roles/{role['id']}", 200, role),
        exchange(ORG, "DELETE", f"{USERS}/{uid}/roles/{role['id']}", 204),
        exchange(ORG, "GET", f"{USERS}/{uid}/roles/{role['id']}", 404, missing),
    ]


@pytest.fixture(scope="module")
def extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("extend")
    files = write(folder / "traces", {f"r{n}": roles_session(n) for n in range(3)})
    out = folder / "okta_extension"
    args = [
        "generate",
        "okta",
        "--extend",
        "--out",
        str(out),
        *[a for f in files for a in ("--traces", str(f))],
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    forget(out)
    return out


@pytest.fixture
async def okta(extension: Path) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = app_factory(load_spec("okta", extension))
    ctx = app.state.twin
    token = ctx.service.credentials(ctx.default_state(), "http://testserver")["api_token"]
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"SSWS {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client, app
    app.state.twin.store.stop()


def test_only_the_endpoints_the_hand_built_twin_lacks_are_generated(extension: Path) -> None:
    model = ServiceModel.load(extension / "model.json")
    paths = {(op.method, op.path) for op in model.operations}
    assert ("POST", "/api/v1/users/{userId}/roles") in paths
    assert ("GET", "/api/v1/users/{userId}/roles/{roleId}") in paths
    assert not any(path in ("/api/v1/users", "/api/v1/users/{userId}") for _, path in paths)
    assert json.loads((extension / "openapi.json").read_text())["paths"]


async def test_a_user_made_by_the_hand_built_twin_has_generated_roles(
    okta: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, _app = okta
    login = "grace@example.com"
    made = await client.post(
        USERS, json={"profile": {"firstName": "G", "lastName": "H", "login": login, "email": login}}
    )
    assert made.status_code == 200, made.text
    uid = made.json()["id"]
    assert "_links" in made.json()  # the hand-built answer
    role = await client.post(f"{USERS}/{uid}/roles", json={"type": "HELP_DESK_ADMIN"})
    assert role.status_code == 201, role.text
    assert role.json()["type"] == "HELP_DESK_ADMIN"
    listed = await client.get(f"{USERS}/{uid}/roles")
    assert [r["id"] for r in listed.json()] == [role.json()["id"]]
    assert (await client.delete(f"{USERS}/{uid}/roles/{role.json()['id']}")).status_code == 204
    gone = await client.get(f"{USERS}/{uid}/roles/{role.json()['id']}")
    assert gone.status_code == 404 and gone.json()["errorCode"] == "E0000007"
    nobody = await client.post(f"{USERS}/00uNOBODY00000000000/roles", json={"type": "HELP_DESK_ADMIN"})
    assert nobody.status_code == 404


async def test_hand_built_routes_win_and_tokens_are_shared(okta: tuple[httpx.AsyncClient, FastAPI]) -> None:
    client, _app = okta
    users = await client.get(USERS)
    assert users.status_code == 200 and users.json()  # the hand-built seed's users
    refused = await client.get(f"{USERS}/x/roles", headers={"Authorization": "SSWS wrong"})
    assert refused.status_code == 401 and refused.json()["errorCode"] == "E0000011"
