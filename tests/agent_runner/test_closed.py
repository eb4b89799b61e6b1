"""Objects whose fields are a fixed set (`agent_runner.closed`): a field a write sends there that no
recorded answer showed is neither answered nor stored (Okta reads sign-on rule `constraints` sent
as `authenticationMethods` chains back as `[{}]`), while maps keyed by what clients name (a
schema's properties, an app's links) keep whatever is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.closed import closed_paths
from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange
from twins.kit.closed import kept

PATH = "/api/v1/rules"
KNOWN = {"knowledge": {"types": ["password"]}, "possession": {"required": False}}


def rule(n: int, sent: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"rul{n}abcdEFGH{n}ijklm{n}", "status": "ACTIVE", **sent}


def session(n: int) -> list[Exchange]:
    sent = {
        "name": f"rule-{n}",
        "constraints": [KNOWN],
        "links": {f"link_{n}": True},  # a map keyed by the client's own names
    }
    body = rule(n, sent)
    return [
        exchange(ORG, "POST", PATH, 200, body, sent),
        exchange(ORG, "GET", f"{PATH}/{body['id']}", 200, body),
        exchange(ORG, "PUT", f"{PATH}/{body['id']}", 200, body, sent),
    ]


def sessions() -> dict[str, list[Exchange]]:
    return {f"s{n}": session(n) for n in (1, 2, 3)}


def test_fixed_objects_are_closed_and_maps_of_client_names_open() -> None:
    answers = [
        (name, rule(n, {"constraints": [KNOWN], "links": {f"link_{n}": True}}))
        for n, name in enumerate("abc")
    ]
    found = {tuple(path): names for path, names in closed_paths(answers)}
    assert found[("constraints", "[]")] == ["knowledge", "possession"]
    assert found[()] == ["constraints", "id", "links", "status"]
    assert found[("links",)] is None  # each key shown by one recording: not a fixed set
    assert closed_paths(answers[:1]) == []  # one recording shows no fixed set
    # a write answered without a field it sent there (a create answered by its key alone)
    writes = [({"fields": {"a": 1}}, {"id": "1"})]
    assert {tuple(p): n for p, n in closed_paths(answers, writes)}[()] is None


def test_a_sent_field_beyond_a_closed_object_is_dropped_and_nothing_else() -> None:
    node = {"in": {"constraints": {"in": {"[]": {"only": ["knowledge", "possession"]}}}}}
    sent = {"constraints": [{"chain": [1]}, {"knowledge": {}}], "extra": 1}
    body = {"constraints": [{"chain": [1]}, {"knowledge": {}, "chain": 2}], "extra": 1}
    assert kept(body, sent, node) == {"constraints": [{}, {"knowledge": {}, "chain": 2}], "extra": 1}
    same = {"constraints": [{"knowledge": {}}]}
    assert kept(same, same, node) is same


async def test_the_twin_answers_and_stores_a_closed_object_without_unknown_sent_fields(
    tmp_path: Path,
) -> None:
    model = infer("okta", list(sessions().items()))
    assert "closed" in model.resources[PATH].echoes
    app = app_of(generated(tmp_path, "okta", sessions()))
    chain = {"authenticationMethods": [{"key": "okta_password"}], "next": []}
    sent = {"name": "mine", "constraints": [chain, KNOWN], "links": {"my_own_link": True}}
    try:
        async for client in client_for(app, "SSWS"):
            made = (await client.post(PATH, json=sent)).json()
            assert made["constraints"] == [{}, KNOWN]
            assert made["links"]["my_own_link"] is True  # an open map keeps what was sent
            read = (await client.get(f"{PATH}/{made['id']}")).json()
            assert read["constraints"] == [{}, KNOWN]
            put = (await client.put(f"{PATH}/{made['id']}", json={**sent, "constraints": [chain]})).json()
            assert put["constraints"] == [{}]
    finally:
        app.state.twin.store.stop()


POLICIES = "/api/v1/policies"


def listed_policies(n: int) -> list[Exchange]:
    """A create whose answer lacks `conditions.provider` and a list whose items show it."""
    sent = {"name": f"p{n}", "conditions": {"people": {"all": True}, "provider": {"kind": "OKTA"}}}
    made = {"id": f"00p{n}abcdEFGH{n}ijklm", "name": f"p{n}", "conditions": {"people": {"all": True}}}
    shown = {
        **made,
        "id": f"00p{n}zzzzEFGH{n}ijklm",
        "conditions": {**made["conditions"], "provider": {"kind": "X"}},
    }
    return [
        exchange(ORG, "POST", POLICIES, 200, made, {**sent, "conditions": {"people": {"all": True}}}),
        exchange(ORG, "GET", f"{POLICIES}/{made['id']}", 200, made),
        exchange(ORG, "GET", POLICIES, 200, [shown]),
    ]


def test_the_fields_a_collections_lists_show_are_fields_of_its_items() -> None:
    model = infer("okta", [(f"s{n}", listed_policies(n)) for n in range(3)])
    closed = model.resources[POLICIES].echoes["closed"]
    assert "provider" in closed["in"]["conditions"]["only"]  # shown by lists alone: not dropped
    # one object every recording lists is one object's evidence: its own fields leave it open
    same = [(f"s{n}", [*listed_policies(n)[:2], listed_policies(0)[2]]) for n in range(3)]
    assert "only" not in infer("okta", same).resources[POLICIES].echoes["closed"]["in"]["conditions"]


def test_a_sent_field_named_like_a_secret_is_answered_where_answers_show_it() -> None:
    node = {"in": {"settings": {"in": {"password": {"only": ["minLength"]}}}}}
    sent = {"settings": {"password": {"minLength": 8, "hash": "x"}, "secret": "s"}}
    body = {"settings": {"recovery": {}}}
    assert kept(body, sent, node) == {"settings": {"recovery": {}, "password": {"minLength": 8}}}
    assert kept(body, {"password": "p"}, {"only": ["name"]}) == body  # nowhere shown: still a secret
