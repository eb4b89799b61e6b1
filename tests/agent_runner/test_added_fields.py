"""Fields a vendor adds to the items of a sent list (`agent_runner.added`): learnt from the items
its answers and lists show at a list-item path, an item sent with fewer fields is answered with
those of the smallest shape holding it (a made-up id in the recorded ids' alphabet and length, a
constant, null for a field clients choose), and read back as answered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.added import added_fields, summary
from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange
from twins.kit.added import completed, made_up

PATH = "/api/v1/clients"
IDS = ["kyaB3xq9Lm0pZ1d7", "kyaQ7rT2vw8Nc1d7", "kyaZ0ee5Fh6Ru1d7", "kyaM4nn1Jk2Sd1d7"]


def key(n: int, kind: str) -> dict[str, Any]:
    """A key as listed: `use` chosen by clients (null unless sent), `crv` on the EC kind only."""
    shown: dict[str, Any] = {"id": IDS[n], "kid": f"k{n}", "kty": kind, "use": "sig" if n % 2 else None}
    return {**shown, "x": f"x{n}", "crv": None} if kind == "EC" else {**shown, "e": "AQAB"}


def session(n: int) -> list[Exchange]:
    made = {"id": f"cli{n}abcdEFGH{n}ijklm", "name": f"c{n}", "keys": [key(n, "EC" if n < 2 else "RSA")]}
    sent = {"name": made["name"]}
    return [
        exchange(ORG, "POST", PATH, 200, {**made, "keys": []}, sent),
        exchange(ORG, "GET", f"{PATH}/{made['id']}", 200, {**made, "keys": []}),
        exchange(ORG, "GET", PATH, 200, [made]),
    ]


def sessions() -> dict[str, list[Exchange]]:
    return {f"s{n}": session(n) for n in range(4)}


def test_what_each_field_of_listed_items_can_be_answered_with() -> None:
    assert summary([("a", 1), ("b", 1)]) == {"value": 1}
    assert summary([("a", 1)]) is None  # one holder tells nothing
    assert summary([("a", None), ("b", "sig")]) == {"value": None}  # chosen by clients
    assert summary([("a", IDS[0]), ("b", IDS[1])]) == {"like": IDS[0], "prefix": "kya", "suffix": "1d7"}
    assert summary([("a", IDS[0]), ("b", IDS[0]), ("c", IDS[1])]) is None  # shared: not made up
    assert summary([("a", "left"), ("b", "right")]) is None
    found = added_fields([(f"h{n}", key(n, "EC" if n < 2 else "RSA")) for n in range(4)])
    assert found is not None
    assert found["shapes"] == [["crv", "id", "kid", "kty", "use", "x"], ["e", "id", "kid", "kty", "use"]]
    assert found["fields"]["crv"] == {"value": None} and found["fields"]["e"] == {"value": "AQAB"}


def test_a_sent_item_takes_the_fields_of_the_smallest_shape_holding_it() -> None:
    found = added_fields([(f"h{n}", key(n, "EC" if n < 2 else "RSA")) for n in range(4)])
    assert found is not None
    ec = completed({"kid": "mine", "kty": "EC", "x": "x9"}, found, "seed")
    assert ec.keys() == {"kid", "kty", "x", "id", "use", "crv"} and ec["use"] is None and ec["crv"] is None
    rsa = completed({"kid": "mine", "kty": "RSA", "e": "AQAB"}, found, "seed")
    assert rsa.keys() == {"kid", "kty", "e", "id", "use"}
    made = str(rsa["id"])
    assert len(made) == len(IDS[0]) and made.startswith("kya") and made.endswith("1d7") and made not in IDS
    assert made == made_up(found["fields"]["id"], "seed|id")  # the same seed, the same value
    other = {"kid": "mine", "kty": "OKP", "crv": "Ed25519", "pub": "p"}
    assert completed(other, found, "seed") == other  # no recorded shape holds it: left alone


async def test_the_twin_answers_and_stores_a_sent_items_added_fields(tmp_path: Path) -> None:
    model = infer("okta", list(sessions().items()))
    paths = {tuple(path) for path, _ in model.resources[PATH].echoes["added"]}
    assert ("keys", "[]") in paths
    app = app_of(generated(tmp_path, "okta", sessions()))
    sent = {
        "name": "mine",
        "keys": [{"kid": "a", "kty": "EC", "x": "xa"}, {"kid": "b", "kty": "RSA", "e": "AQAB"}],
    }
    try:
        async for client in client_for(app, "SSWS"):
            made = (await client.post(PATH, json=sent)).json()
            ec, rsa = made["keys"]
            assert ec["crv"] is None and ec["use"] is None and ec["id"].startswith("kya")
            assert "crv" not in rsa and rsa["id"] != ec["id"]
            read = (await client.get(f"{PATH}/{made['id']}")).json()
            assert read["keys"] == made["keys"]
            again = (await client.post(PATH, json={**sent, "name": "other"})).json()
            assert again["keys"][0]["id"] != ec["id"]  # made from what was sent
    finally:
        app.state.twin.store.stop()
