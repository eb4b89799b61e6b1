"""A pre-existing object as it stood at the time: an issue read in recordings made months apart
(closed by one of them, commented on between) is answered, on a tenant whose clock is set to a
time, as the latest state the recordings showed at or before it, until the tenant writes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from agent_runner.infer import infer
from agent_runner.model import merge_models
from recorder.parity.world import epoch
from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import GITHUB, exchange
from twins.kit.documents import row_id

ISSUES = "/repos/octo/hello/issues"
JAN, FEB, JUN = "2026-01-10T10:00:00.000Z", "2026-02-02T11:00:00.000Z", "2026-06-09T13:00:00.000Z"
DEC, MAR, AUG = "2025-12-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z", "2026-08-01T00:00:00.000Z"


def issue(number: int, state: str, comments: int) -> dict[str, Any]:
    return {
        "url": f"{GITHUB}{ISSUES}/{number}",
        "id": 1000 + number,
        "number": number,
        "title": f"Issue {number}",
        "state": state,
        "comments": comments,
    }


def at(ts: str, exchanges: list[Exchange]) -> list[Exchange]:
    return [e.model_copy(update={"ts": ts}) for e in exchanges]


def get(number: int, state: str, comments: int) -> Exchange:
    return exchange(GITHUB, "GET", f"{ISSUES}/{number}", 200, issue(number, state, comments), auth="token x")


def sessions() -> dict[str, list[Exchange]]:
    close = {"state": "closed"}
    return {
        "jan": at(JAN, [get(7, "open", 1), get(8, "open", 0)]),
        "feb": at(
            FEB,
            [
                get(7, "open", 1),
                exchange(GITHUB, "PATCH", f"{ISSUES}/7", 200, issue(7, "closed", 1), close, auth="token x"),
                get(8, "open", 0),
            ],
        ),
        "jun": at(
            JUN,
            [
                get(7, "closed", 3),
                get(8, "open", 0),
                exchange(GITHUB, "GET", f"{ISSUES}?state=open", 200, [issue(8, "open", 0)], auth="token x"),
            ],
        ),
    }


def test_the_states_a_seeded_object_was_shown_in_are_learnt_with_their_times() -> None:
    versions = infer("github", list(sessions().items())).versions
    assert list(versions) == [row_id(ISSUES, "7")]  # issue 8 never changed
    states = versions[row_id(ISSUES, "7")]["states"]
    assert [(s["at"], s["body"]["state"], s["body"]["comments"]) for s in states] == [
        (epoch(JAN), "open", 1),
        (epoch(FEB), "closed", 1),  # the write's answer: the state the recording left it in
        (epoch(JUN), "closed", 3),
    ]


async def read_at(client: httpx.AsyncClient, ts: str, number: int = 7) -> tuple[str, int]:
    assert (await client.post("/_twin/clock", json={"at": epoch(ts)})).status_code == 200
    body = (await client.get(f"{ISSUES}/{number}")).json()
    return body["state"], body["comments"]


async def test_a_seeded_object_is_answered_as_it_stood_at_the_tenant_clock(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "github", sessions()))
    try:
        async for client in client_for(app, "token"):
            assert await read_at(client, DEC) == ("open", 1)  # before every recording: the first
            assert await read_at(client, JAN) == ("open", 1)
            assert await read_at(client, MAR) == ("closed", 1)  # as February's write left it
            assert await read_at(client, AUG) == ("closed", 3)
            assert await read_at(client, AUG, 8) == ("open", 0)
    finally:
        app.state.twin.store.stop()


async def test_the_tenants_own_write_stands_whatever_the_time(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "github", sessions()))
    try:
        async for client in client_for(app, "token"):
            assert await read_at(client, MAR) == ("closed", 1)
            answer = await client.patch(f"{ISSUES}/7", json={"title": "Renamed"})
            assert answer.status_code == 200
            assert (answer.json()["state"], answer.json()["title"]) == ("closed", "Renamed")  # from March's
            assert await read_at(client, DEC) == ("closed", 1)
            assert await read_at(client, AUG) == ("closed", 1)
    finally:
        app.state.twin.store.stop()


async def test_a_tenant_on_the_real_clock_reads_and_lists_the_latest_state(tmp_path: Path) -> None:
    app = app_of(generated(tmp_path, "github", sessions()))
    try:
        async for client in client_for(app, "token"):
            body = (await client.get(f"{ISSUES}/7")).json()
            assert (body["state"], body["comments"]) == ("closed", 3)
            closed = (await client.get(ISSUES, params={"state": "closed"})).json()
            opened = (await client.get(ISSUES, params={"state": "open"})).json()
            assert [i["number"] for i in closed] == [7]
            assert [i["number"] for i in opened] == [8]
    finally:
        app.state.twin.store.stop()


def test_a_regenerated_model_keeps_the_states_either_showed() -> None:
    both = sessions()
    old = infer("github", [("jan", both["jan"])])  # one state: seeded as January showed it
    new = infer("github", [("feb", both["feb"]), ("jun", both["jun"])])
    assert not old.versions
    merged = merge_models(old, new)
    entry = merged.versions[row_id(ISSUES, "7")]
    [seed] = [s for s in merged.seed if (s.scope, s.key) == (ISSUES, "7")]
    assert seed.body == entry["seed"]  # so that the twin finds it as seeded
    assert (seed.body["state"], seed.body["comments"]) == ("closed", 3)
