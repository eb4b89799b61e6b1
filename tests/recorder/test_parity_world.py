"""The world a recording ran in: items its lists show that none of its requests made are given
to the fresh tenant before the replay (paired by name, else made with what identifies them)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from agent_runner.fidelity import app_factory, profile_of
from recorder.parity import verify
from recorder.parity.world import collections, identity
from recorder.trace import Exchange
from tests.agent_runner.conftest import generated
from tests.agent_runner.traffic import ORG, exchange
from twins.twin_dir import load_service

GROUPS = "/api/v1/groups"


def group(gid: str, name: str, kind: str = "OKTA_GROUP") -> dict[str, Any]:
    return {
        "id": gid,
        "created": "2025-01-01T10:00:00.000Z",
        "type": kind,
        "profile": {"name": name, "description": f"{name} group"},
        "_links": {"users": {"href": f"{ORG}{GROUPS}/{gid}/users"}},
    }


def recording(n: int, org: str, *others: dict[str, Any]) -> list[Exchange]:
    """Create a group, then list the groups: the new one and those the org held before."""
    mine = group(f"00g{n}mineMINE{n}mine{n}xy", f"Mine {n}")
    sent = {"profile": {"name": f"Mine {n}", "description": f"Mine {n} group"}}
    everyone = group(f"00g{org}everyEVERY{org}every", "Everyone", "BUILT_IN")
    return [
        exchange(ORG, "POST", GROUPS, 200, mine, sent),
        exchange(ORG, "GET", f"{GROUPS}/{mine['id']}", 200, mine),
        exchange(ORG, "GET", GROUPS, 200, [everyone, *others, mine]),
        exchange(ORG, "GET", f"{GROUPS}?q=Left", 200, [o for o in others if "Left" in o["profile"]["name"]]),
    ]


def test_the_items_a_recording_lists_but_never_made_and_how_a_client_makes_them() -> None:
    left = group("00gLeftLEFTleft0Left", "Leftover")
    [coll] = collections(recording(1, "1", left))
    assert coll.path == GROUPS
    assert sorted(coll.shown) == ["00g1everyEVERY1every", "00gLeftLEFTleft0Left"]  # not the one it made
    assert identity(coll.shown[left["id"]], coll.creates) == {
        "profile": {"name": "Leftover", "description": "Leftover group"},
        "type": "OKTA_GROUP",
    }


def test_a_collection_the_recording_never_creates_into_is_left_alone() -> None:
    listed = [exchange(ORG, "GET", GROUPS, 200, [group("00gLeftLEFTleft0Left", "Leftover")])]
    assert collections(listed) == []


def test_a_held_out_list_shows_what_the_recorded_org_held(tmp_path: Path) -> None:
    """The twin, generated from one org's traffic, lacks the group another org had left behind;
    the replay gives it to the tenant, so the list compares the twin's own behaviour (the group
    made as the client makes groups, the filter applied by the twin)."""
    train = {f"s{n}": recording(n, "1") for n in (1, 2)}
    folder = generated(tmp_path, "okta", train)
    held_out = recording(3, "2", group("00gLeftLEFTleft0Left", "Leftover"))
    service = load_service(folder)
    report = verify(lambda: app_factory(service), [("held-out", held_out)], profile=profile_of("okta"))
    assert [o.undeclared for o in report.outcomes] == [[], [], [], []]


def test_priming_can_be_turned_off(tmp_path: Path) -> None:
    """Without priming the tenant starts from the twin's own seed: the held-out org's leftover
    group is missing from both of its lists."""
    train = {f"s{n}": recording(n, "1") for n in (1, 2)}
    folder = generated(tmp_path, "okta", train)
    held_out = recording(3, "2", group("00gLeftLEFTleft0Left", "Leftover"))
    service = load_service(folder)
    bare = dataclasses.replace(profile_of("okta"), prime_world=False)
    report = verify(lambda: app_factory(service), [("held-out", held_out)], profile=bare)
    assert [bool(o.undeclared) for o in report.outcomes] == [False, False, True, True]


def test_items_the_twin_holds_that_the_recorded_tenant_did_not_still_differ(tmp_path: Path) -> None:
    """Priming only adds what the recording shows: a list check can still fail."""
    stale = group("00gStaleSTALEstale0St", "Stale")
    train = {f"s{n}": recording(n, "1", stale) for n in (1, 2)}  # the training org held "Stale"
    folder = generated(tmp_path, "okta", train)
    service = load_service(folder)
    report = verify(
        lambda: app_factory(service), [("held-out", recording(3, "2"))], profile=profile_of("okta")
    )
    listed = report.outcomes[2]
    assert [(d.what, d.recorded, d.twin) for d in listed.undeclared] == [("count", 2, 3)]
