"""Defaults: a field the request leaves out takes the value the recordings show the vendor
giving it when left out, not the value the recorded request the answer is made from sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.defaults import learn_defaults
from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

RULES = "/api/v1/policies/rst0000000000000a1d7/rules"


def rule(rid: str, name: str, reauthenticate: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    method: dict[str, Any] = {"factorMode": "2FA", "type": "ASSURANCE"}
    if reauthenticate:
        method["reauthenticateIn"] = reauthenticate
    sent = {"name": name, "actions": {"appSignOn": {"access": "ALLOW", "verificationMethod": method}}}
    answered = {
        "id": rid,
        "name": name,
        "created": "2026-06-09T13:11:09.000Z",
        "actions": {
            "appSignOn": {
                "access": "ALLOW",
                "verificationMethod": {**method, "reauthenticateIn": reauthenticate or "PT12H"},
            }
        },
    }
    return sent, answered


def session(n: int, reauthenticate: str | None) -> list[Exchange]:
    rid = f"rul{n}abcdEFGH{n}ijklm{n}"
    sent, answered = rule(rid, f"Rule {n}", reauthenticate)
    return [
        exchange(ORG, "POST", RULES, 200, answered, sent),
        exchange(ORG, "GET", f"{RULES}/{rid}", 200, answered),
    ]


def sessions() -> dict[str, list[Exchange]]:
    return {"s1": session(1, None), "s2": session(2, "PT2H10M"), "s3": session(3, None)}


def test_defaults_are_learnt_from_requests_that_left_the_field_out() -> None:
    model = infer("okta", list(sessions().items()))
    create = next(op for op in model.operations if op.method == "POST")
    assert create.defaults == {"actions.appSignOn.verificationMethod.reauthenticateIn": "PT12H"}


def test_no_default_where_answers_to_requests_leaving_it_out_disagree() -> None:
    sent, answered = rule("rul4abcdEFGH4ijklm4", "Rule 4", None)
    answered["actions"]["appSignOn"]["verificationMethod"]["reauthenticateIn"] = "PT2H"
    odd = [exchange(ORG, "POST", RULES, 200, answered, sent)]
    assert learn_defaults([]) == {}
    model = infer("okta", [*sessions().items(), ("s4", odd)])
    create = next(op for op in model.operations if op.method == "POST")
    assert "actions.appSignOn.verificationMethod.reauthenticateIn" not in create.defaults


async def test_a_create_leaving_the_field_out_gets_the_default(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app, "SSWS"):
            sent, _ = rule("x", "Mine", None)
            made = await client.post(RULES, json=sent)
            method = made.json()["actions"]["appSignOn"]["verificationMethod"]
            assert method["reauthenticateIn"] == "PT12H"
            got = await client.get(f"{RULES}/{made.json()['id']}")
            assert got.json()["actions"]["appSignOn"]["verificationMethod"]["reauthenticateIn"] == "PT12H"
            sent, _ = rule("y", "Theirs", "PT1H")
            made = await client.post(RULES, json=sent)
            assert made.json()["actions"]["appSignOn"]["verificationMethod"]["reauthenticateIn"] == "PT1H"
    finally:
        app.state.twin.store.stop()


APPS = "/api/v1/apps"


def app_session(n: int) -> list[Exchange]:
    aid = f"0oa{n}abcdEFGH{n}ijklm{n}"
    made = {"id": aid, "label": f"app{n}", "settings": {"app": {}}}
    sent = {"label": f"app{n}", "settings": {"app": {}}, "profile": {"tier": n}}
    return [
        exchange(ORG, "POST", APPS, 200, made, {"label": f"app{n}", "settings": {"app": {}}}),
        exchange(ORG, "GET", f"{APPS}/{aid}", 200, made),
        exchange(ORG, "PUT", f"{APPS}/{aid}", 200, {**made, "profile": {"tier": n}}, sent),
    ]


async def test_an_update_adds_new_top_level_fields_where_the_recordings_show_it(tmp_path: Path) -> None:
    model = infer("okta", [(f"s{n}", app_session(n)) for n in (1, 2)])
    assert next(op for op in model.operations if op.method == "PUT").adds
    app = app_of(generated(tmp_path, "okta", {f"s{n}": app_session(n) for n in (1, 2)}))
    try:
        async for client in client_for(app, "SSWS"):
            aid = (await client.post(APPS, json={"label": "mine", "settings": {"app": {}}})).json()["id"]
            put = await client.put(f"{APPS}/{aid}", json={"label": "mine", "profile": {"tier": 7}})
            assert put.json()["profile"] == {"tier": 7}
            assert (await client.get(f"{APPS}/{aid}")).json()["profile"] == {"tier": 7}
    finally:
        app.state.twin.store.stop()
