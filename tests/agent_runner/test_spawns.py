"""Items a create makes besides its own: an access policy comes with its catch-all rule, which
the first list of its rules shows though no request made it; a kind of policy whose list showed
none makes none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

POLICIES = "/api/v1/policies"


def catch_all(pid: str, n: int) -> dict[str, Any]:
    rid = f"rul{n}catchALL{n}catchAL"
    link = f"{ORG}{POLICIES}/{pid}/rules/{rid}"
    return {
        "id": rid,
        "name": "Catch-all Rule",
        "priority": 99,
        "system": True,
        "_links": {"self": {"href": link}},
    }


def session(n: int, kind: str) -> list[Exchange]:
    pid = f"rst{n}abcdEFGH{n}ijklm{n}"
    policy = {"id": pid, "name": f"policy {n}", "type": kind}
    made = {"id": f"rul{n}mineMINE{n}mineMI", "name": "mine", "priority": 1, "system": False}
    shown = [catch_all(pid, n)] if kind == "ACCESS_POLICY" else []
    return [
        exchange(ORG, "POST", POLICIES, 200, policy, {"name": policy["name"], "type": kind}),
        exchange(ORG, "GET", f"{POLICIES}/{pid}", 200, policy),
        exchange(ORG, "GET", f"{POLICIES}/{pid}/rules", 200, shown),
        exchange(ORG, "POST", f"{POLICIES}/{pid}/rules", 200, made, {"name": "mine", "priority": 1}),
        exchange(ORG, "GET", f"{POLICIES}/{pid}/rules/{made['id']}", 200, made),
        exchange(ORG, "GET", f"{POLICIES}/{pid}/rules", 200, [made, *shown]),
    ]


def sessions() -> dict[str, list[Exchange]]:
    kinds = ("ACCESS_POLICY", "ACCESS_POLICY", "OKTA_SIGN_ON")
    return {f"s{n}": session(n, kind) for n, kind in enumerate(kinds, 1)}


def test_the_items_a_create_makes_are_learnt_per_kind_of_create() -> None:
    spawns = infer("okta", list(sessions().items())).resources[POLICIES].spawns
    entries = spawns[f"{POLICIES}/{{policyId}}/rules"]
    assert sorted((e["request"]["type"], len(e["items"])) for e in entries) == [
        ("ACCESS_POLICY", 1),
        ("OKTA_SIGN_ON", 0),
    ]  # the rule the recording made itself is not one


async def test_a_create_makes_them_under_the_new_item(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app, "SSWS"):
            pid = (await client.post(POLICIES, json={"name": "p", "type": "ACCESS_POLICY"})).json()["id"]
            rules = (await client.get(f"{POLICIES}/{pid}/rules")).json()
            assert [(r["name"], r["priority"]) for r in rules] == [("Catch-all Rule", 99)]
            assert (
                rules[0]["_links"]["self"]["href"]
                == f"http://testserver{POLICIES}/{pid}/rules/{rules[0]['id']}"
            )
            assert (await client.get(f"{POLICIES}/{pid}/rules/{rules[0]['id']}")).status_code == 200
            other = (await client.post(POLICIES, json={"name": "q", "type": "OKTA_SIGN_ON"})).json()["id"]
            assert (await client.get(f"{POLICIES}/{other}/rules")).json() == []
    finally:
        app.state.twin.store.stop()
