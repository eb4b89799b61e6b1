"""A generated twin end to end: stateful CRUD in the vendor's shapes, and clean generated code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from agent_runner.generate import RUFF_CONFIG

USERS = "/api/v1/users"


def profile(login: str, first: str = "Ada") -> dict[str, object]:
    return {"profile": {"firstName": first, "lastName": "Lovelace", "login": login, "email": login}}


async def test_create_read_list_update_act_delete(okta: httpx.AsyncClient) -> None:
    made = await okta.post(USERS, params={"activate": "false"}, json=profile("new@example.com"))
    assert made.status_code == 200, made.text
    user = made.json()
    assert user["id"].startswith("00u") and user["id"] != "00u0abcdEFGH0ijklm0"
    assert user["status"] == "STAGED"
    assert user["profile"]["login"] == "new@example.com"
    assert user["_links"]["self"]["href"] == f"http://testserver{USERS}/{user['id']}"
    assert user["created"] != "2024-01-01T10:00:00.000Z"

    got = await okta.get(f"{USERS}/{user['id']}")
    assert got.json() == user
    other = (await okta.post(USERS, params={"activate": "true"}, json=profile("two@example.com"))).json()
    assert other["status"] == "ACTIVE"

    found = await okta.get(USERS, params={"search": 'profile.login eq "new@example.com"'})
    assert [u["id"] for u in found.json()] == [user["id"]]
    assert 'rel="self"' in found.headers["link"]
    paged = await okta.get(USERS, params={"limit": "1"})
    assert len(paged.json()) == 1 and 'rel="next"' in paged.headers["link"]

    changed = await okta.put(f"{USERS}/{user['id']}", json=profile("new@example.com", "Grace"))
    assert changed.json()["profile"]["firstName"] == "Grace"
    assert (await okta.get(f"{USERS}/{user['id']}")).json()["profile"]["firstName"] == "Grace"

    assert (await okta.post(f"{USERS}/{user['id']}/lifecycle/deactivate")).status_code == 200
    assert (await okta.get(f"{USERS}/{user['id']}")).json()["status"] == "DEPROVISIONED"

    assert (await okta.delete(f"{USERS}/{user['id']}")).status_code == 204
    gone = await okta.get(f"{USERS}/{user['id']}")
    assert gone.status_code == 404
    assert gone.json()["errorCode"] == "E0000007"
    assert user["id"] in gone.json()["errorSummary"]


async def test_sub_resources_follow_their_parent(okta: httpx.AsyncClient) -> None:
    user = (await okta.post(USERS, json=profile("p@example.com"))).json()
    assert (await okta.get(f"{USERS}/{user['id']}/roles")).json() == []
    missing = await okta.get(f"{USERS}/00uMISSING00000000000/lifecycle/deactivate")
    assert missing.status_code in (404, 405)
    assert (await okta.post(f"{USERS}/00uMISSING00000000000/lifecycle/deactivate")).status_code == 404


async def test_credentials_and_bad_input_get_the_vendors_errors(okta: httpx.AsyncClient) -> None:
    anonymous = await okta.get(USERS, headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.json()["errorCode"] == "E0000011"
    wrong = await okta.get(USERS, headers={"Authorization": "SSWS nope"})
    assert wrong.status_code == 401
    bad = await okta.post(USERS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "E0000003"
    unknown = await okta.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and "errorCode" in unknown.json()


async def test_github_issue_numbers_labels_and_recorded_errors(github: httpx.AsyncClient) -> None:
    repo = await github.get("/repos/octo/hello")
    assert repo.json()["url"] == "http://testserver/repos/octo/hello"  # seeded, with this host
    made = await github.post("/repos/octo/hello/issues", json={"title": "New", "labels": ["bug", "ui"]})
    assert made.status_code == 201
    issue = made.json()
    assert issue["number"] == 1 and issue["title"] == "New"
    assert [label["name"] for label in issue["labels"]] == ["bug", "ui"]
    assert issue["url"] == "http://testserver/repos/octo/hello/issues/1"
    second = (await github.post("/repos/octo/hello/issues", json={"title": "Two"})).json()
    assert second["number"] == 2
    closed = await github.patch("/repos/octo/hello/issues/1", json={"state": "closed"})
    assert closed.json()["state"] == "closed"
    listed = await github.get("/repos/octo/hello/issues", params={"state": "closed"})
    assert [i["number"] for i in listed.json()] == [1]
    assert len((await github.get("/repos/octo/hello/issues", params={"state": "all"})).json()) == 2
    # a repository the twin does not hold is answered as one existing before (the recordings read
    # repositories they never made): a write under it is taken as its read is answered
    assert (await github.get("/repos/octo/elsewhere")).status_code == 200
    assert (await github.post("/repos/octo/elsewhere/issues", json={"title": "x"})).status_code == 201
    # an issue the recordings show refused when not made first: nothing is made under it
    nowhere = await github.post("/repos/octo/hello/issues/99999/comments", json={"body": "x"})
    assert nowhere.status_code == 404
    assert nowhere.json() == {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def test_the_generated_package_is_ruff_and_mypy_clean(okta_twin: Path, github_twin: Path) -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for twin in (okta_twin, github_twin):
        lint = subprocess.run([ruff, "check", *RUFF_CONFIG, str(twin)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout
        layout = subprocess.run(
            [ruff, "format", "--check", *RUFF_CONFIG, str(twin)], capture_output=True, text=True
        )
        assert layout.returncode == 0, layout.stdout
    root = Path(__file__).resolve().parents[2]
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(okta_twin)],
        capture_output=True,
        text=True,
        cwd=okta_twin.parent,
        env={"MYPYPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert typed.returncode == 0, typed.stdout


def test_the_generated_files(okta_twin: Path) -> None:
    names = {p.name for p in okta_twin.iterdir()}
    assert {"LIMITATIONS.md", "openapi.json", "model.json", "seed.json", "test_replay.py"} <= names
    users = (okta_twin / "operations" / "users.py").read_text()
    assert "return ENGINE.create(" in users and "when={" in users
    assert "def deactivate_user(call: Call) -> Any:" in users
    assert "Generated by `twins generate`" in users.splitlines()[0]
