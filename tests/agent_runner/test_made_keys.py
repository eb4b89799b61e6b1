"""Keys made like recorded ones: where a collection's keys come in several lengths and first
characters (Okta's role assignments), a new key is made like the key of the recorded answer it is
made from; a made-up value holds every character class the recorded one holds."""

from __future__ import annotations

from pathlib import Path

from agent_runner.conventions import id_shape
from recorder.parity import okta
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange
from twins.kit.lookalike import with_classes

USER = "00u1abcdEFGH1ijklm1"
ROLES = f"/api/v1/users/{USER}/roles"
KEYS = ["ra1kwqsv6dbdNLv4j1d7", "IFIFAX2BIRGUSTQ", "ra1kwr2h3sJzXfLbB1d7", "KVJUYQSHIRGUSTQ"]


def test_keys_of_several_lengths_and_heads_are_made_like_the_recorded_one() -> None:
    assert id_shape(KEYS).kind == "like"
    assert id_shape(["00u1abcdEFGH1ijklm1", "00u2abcdEFGH2ijklm2"]).kind == "text"


def test_a_made_up_value_holds_each_class_the_recorded_one_does() -> None:
    made = with_classes("gBFbkSBGVGgKByjscq", "zt2ofn9lgU7nxw1d7q")
    assert any(c.isdigit() for c in made) and len(made) == 18
    assert with_classes("abc", "xyz") == "abc"  # nothing missing, nothing changed


def session(n: int) -> list[Exchange]:
    key = KEYS[n]
    role = {"id": key, "type": "SUPER_ADMIN" if key.startswith("ra1") else "CUSTOM", "status": "ACTIVE"}
    return [
        exchange(ORG, "POST", ROLES, 201, role, {"type": role["type"]}),
        exchange(ORG, "GET", f"{ROLES}/{key}", 200, role),
        exchange(ORG, "DELETE", f"{ROLES}/{key}", 204),
    ]


async def test_an_assignment_gets_a_key_like_the_vendors_for_its_kind(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", {f"s{n}": session(n) for n in range(4)}))
    try:
        async for client in client_for(app, "SSWS"):
            made = (await client.post(ROLES, json={"type": "SUPER_ADMIN"})).json()["id"]
            assert made.startswith("ra1") and len(made) == 20 and okta.is_id(made)
            assert (await client.get(f"{ROLES}/{made}")).status_code == 200
    finally:
        app.state.twin.store.stop()


def derived_session(n: int, kind: str, key: str) -> list[Exchange]:
    role = {"id": key, "type": kind, "status": "ACTIVE"}
    return [
        exchange(ORG, "POST", ROLES, 201, role, {"type": kind}),
        exchange(ORG, "GET", f"{ROLES}/{key}", 200, role),
    ]


def test_a_key_the_vendor_derives_from_a_sent_word_is_learnt_per_word() -> None:
    from agent_runner.infer import infer

    sessions = {
        "a": derived_session(1, "APP_ADMIN", "IFIFAX2BIRGUSTQ"),  # base32 of the type
        "b": derived_session(2, "USER_ADMIN", "KVJUKUS7IFCE2SKO"),
        "c": derived_session(3, "SUPER_ADMIN", "ra1kwqsv6dbdNLv4j1d7"),  # made up
    }
    derived = infer("okta", list(sessions.items())).resources["/api/v1/users/{userId}/roles"].derived
    assert derived == {
        "field": "type",
        "keys": {"APP_ADMIN": "IFIFAX2BIRGUSTQ", "USER_ADMIN": "KVJUKUS7IFCE2SKO"},
    }
    one = infer("okta", [("a", sessions["a"]), ("c", sessions["c"])]).resources
    assert one["/api/v1/users/{userId}/roles"].derived == {}  # one such key is no rule


async def test_a_create_of_such_a_word_gets_the_vendors_key(tmp_path: Path) -> None:
    sessions = {
        "a": derived_session(1, "APP_ADMIN", "IFIFAX2BIRGUSTQ"),
        "b": derived_session(2, "USER_ADMIN", "KVJUKUS7IFCE2SKO"),
        "c": derived_session(3, "SUPER_ADMIN", "ra1kwqsv6dbdNLv4j1d7"),
    }
    app = app_of(generated(tmp_path, "okta", sessions))
    try:
        async for client in client_for(app, "SSWS"):
            assert (await client.post(ROLES, json={"type": "APP_ADMIN"})).json()["id"] == "IFIFAX2BIRGUSTQ"
            made = (await client.post(ROLES, json={"type": "SUPER_ADMIN"})).json()["id"]
            assert made != "ra1kwqsv6dbdNLv4j1d7" and okta.is_id(made)
            assert (await client.get(f"{ROLES}/IFIFAX2BIRGUSTQ")).json()["type"] == "APP_ADMIN"
    finally:
        app.state.twin.store.stop()
