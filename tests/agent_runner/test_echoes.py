"""How answers echo what writes send beyond the field sent: top-level fields a create's answer
holds exactly when sent (added when sent, dropped when not, whatever recorded create the answer is
made from), fields copying a sent value elsewhere, and fields merely named like a password."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_runner.echoes import copies, echoed
from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange

PATH = "/api/v1/device-assurances"
PLATFORMS = {
    "ANDROID": {"jailbreak": False, "osVersion": {"minimum": "12"}},
    "IOS": {"jailbreak": False, "screenLock": "ON"},
    "MACOS": {"diskEncryption": "ALL", "osVersion": {"minimum": "14"}},
    "WINDOWS": {"diskEncryption": "ALL", "passwordPolicy": "STRONG"},
}


def made(n: int, platform: str, sent: dict[str, Any]) -> dict[str, Any]:
    did = f"dae{n}abcdEFGH{n}ijklm{n}"
    return {"id": did, **sent, "display": {"value": sent["name"], "sensitive": False}}


def session(n: int, platform: str) -> list[Exchange]:
    sent = {"name": f"policy-{n}", "platform": platform, **PLATFORMS[platform]}
    body = made(n, platform, sent)
    renamed = {**sent, "name": f"policy-{n}-renamed", "passwordPolicy": "WEAK"}
    return [
        exchange(ORG, "POST", PATH, 200, body, sent),
        exchange(ORG, "GET", f"{PATH}/{body['id']}", 200, body),
        exchange(ORG, "PUT", f"{PATH}/{body['id']}", 200, made(n, platform, renamed), renamed),
    ]


def sessions() -> dict[str, list[Exchange]]:
    return {f"s{n}": session(n, p) for n, p in enumerate(PLATFORMS, 1)}


def test_fields_answered_when_sent_and_copies_are_learnt() -> None:
    echoes = infer("okta", list(sessions().items())).resources[PATH].echoes
    assert set(echoes["echoed"]) >= {"jailbreak", "osVersion", "screenLock", "diskEncryption"}
    assert "jailbreak" in echoes["optional"] and "name" not in echoes["optional"]
    assert echoes["copies"] == {"display.value": "name"}


def test_a_field_answered_when_not_sent_is_not_optional_and_a_constant_no_copy() -> None:
    pairs = [
        ({"a": "x", "b": "k"}, {"a": "x", "b": "k", "c": "k"}),
        ({"b": "k"}, {"a": "d", "b": "k", "c": "k"}),
    ]
    pairs.append(({"a": "y", "b": "k"}, {"a": "y", "b": "k", "c": "k"}))
    assert echoed(pairs, "id") == (["a", "b"], [])  # `a` is answered when not sent too: kept
    assert copies(pairs) == {}  # `c` always `k`: one value shows no copy


async def test_a_create_of_a_kind_never_recorded_answers_what_it_sent(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    sent = {"name": "mine", "platform": "CHROMEOS", "providers": {"dtc": {"on": True}}, "screenLock": "ON"}
    try:
        async for client in client_for(app, "SSWS"):
            body = (await client.post(PATH, json=sent)).json()
            assert body["screenLock"] == "ON" and body["display"]["value"] == "mine"
            assert not {"jailbreak", "osVersion", "diskEncryption"} & set(body)
            changed = {**sent, "name": "yours", "passwordPolicy": "STRONG"}
            body = (await client.put(f"{PATH}/{body['id']}", json=changed)).json()
            assert body["display"]["value"] == "yours"
            assert body["passwordPolicy"] == "STRONG"  # named like a password, no secret
    finally:
        app.state.twin.store.stop()
