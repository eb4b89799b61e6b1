"""Lists as the recorded tenant stood at the time: a twin learnt from recordings made months apart
lists, of its seeded items, those the recorded list nearest in time to its clock showed, and the
parity replay runs each recording at the time it was made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from agent_runner.fidelity import app_factory, profile_of
from agent_runner.infer import infer
from agent_runner.model import merge_models
from recorder.parity import verify
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import ORG, exchange
from twins.twin_dir import load_service

POLICIES = "/api/v1/policies"
LISTED = f"{POLICIES}?type=ACCESS_POLICY"
JAN, FEB, JUN = "2026-01-10T10:00:00.000Z", "2026-02-02T11:00:00.000Z", "2026-06-09T13:00:00.000Z"


def policy(pid: str, name: str) -> dict[str, Any]:
    return {"id": pid, "name": name, "type": "ACCESS_POLICY", "status": "ACTIVE"}


def at(ts: str, exchanges: list[Exchange]) -> list[Exchange]:
    return [e.model_copy(update={"ts": ts}) for e in exchanges]


def recording(n: int, ts: str, *names: str) -> list[Exchange]:
    """Make a policy, then list the access policies: those the tenant held, and the new one."""
    mine = policy(f"rst{n}mineMINE{n}mineMINE", f"Mine {n}")
    held = [policy(f"rst{n}{i}heldHELD{n}{i}heldHEL", name) for i, name in enumerate(names)]
    sent = {"name": mine["name"], "type": "ACCESS_POLICY"}
    return at(
        ts,
        [
            exchange(ORG, "POST", POLICIES, 200, mine, sent),
            exchange(ORG, "GET", LISTED, 200, [*held, mine]),
        ],
    )


def sessions() -> dict[str, list[Exchange]]:
    return {
        "jan": recording(1, JAN, "Dashboard", "Admin"),
        "feb": recording(2, FEB, "Dashboard", "Admin", "Left behind"),
        "jun": recording(3, JUN, "Dashboard", "Other"),
    }


def test_what_each_list_showed_when_is_learnt() -> None:
    listed = infer("okta", list(sessions().items())).listed
    assert [(e["names"]) for e in listed[LISTED]] == [
        ["Dashboard", "Admin"],
        ["Dashboard", "Admin", "Left behind"],
        ["Dashboard", "Other"],
    ]  # not the policy each recording made


async def names_at(client: httpx.AsyncClient, ts: str) -> list[str]:
    seconds = {JAN: 1768039200.0, FEB: 1770030000.0, JUN: 1781010000.0}[ts]
    assert (await client.post("/_twin/clock", json={"at": seconds})).status_code == 200
    return sorted(p["name"] for p in (await client.get(LISTED)).json())


async def test_a_list_shows_the_seeded_items_of_the_nearest_recorded_time(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "okta", sessions()))
    try:
        async for client in client_for(app, "SSWS"):
            assert await names_at(client, FEB) == ["Admin", "Dashboard", "Left behind"]
            assert await names_at(client, JUN) == ["Dashboard", "Other"]
            await client.post(POLICIES, json={"name": "Made here", "type": "ACCESS_POLICY"})
            assert await names_at(client, JAN) == ["Admin", "Dashboard", "Made here"]
    finally:
        app.state.twin.store.stop()


def test_a_recording_is_replayed_at_the_time_it_was_made(tmp_path: Path) -> None:
    folder = generated(tmp_path, "okta", sessions())
    held_out = at(
        FEB,
        [
            exchange(
                ORG,
                "GET",
                LISTED,
                200,
                [policy("rst9abcdABCD9abcdABCD", n) for n in ("Dashboard", "Admin", "Left behind")],
            )
        ],
    )
    service = load_service(folder)
    report = verify(lambda: app_factory(service), [("held-out", held_out)], profile=profile_of("okta"))
    assert [o.undeclared for o in report.outcomes] == [[]]


def test_a_regenerated_model_keeps_what_both_showed_when() -> None:
    both = sessions()
    old = infer("okta", [("jan", both["jan"]), ("jun", both["jun"])])
    new = infer("okta", [("feb", both["feb"]), ("jun", both["jun"])])
    merged = merge_models(old, new).listed[LISTED]
    assert [len(e["names"]) for e in merged] == [2, 3, 2]
