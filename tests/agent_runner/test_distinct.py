"""Objects every tenant starts with, recorded in several tenants: the twin seeds one of each."""

from __future__ import annotations

from typing import Any

from agent_runner.infer import infer
from recorder.trace import Exchange
from tests.agent_runner.traffic import ORG, exchange

GROUPS = "/api/v1/groups"


def group(gid: str, name: str, kind: str, created: str) -> dict[str, Any]:
    return {
        "id": gid,
        "created": created,
        "lastMembershipUpdated": created,
        "type": kind,
        "profile": {"name": name},
        "_links": {"users": {"href": f"{ORG}{GROUPS}/{gid}/users"}},
    }


def listing(*groups: dict[str, Any]) -> list[Exchange]:
    return [exchange(ORG, "GET", f"{GROUPS}?q=Every", 200, list(groups))]


def test_one_everyone_group_of_those_several_tenants_show() -> None:
    org_a = group("00gAAAAAAAAAAAAAAa1d", "Everyone", "BUILT_IN", "2022-10-07T23:16:57.000Z")
    org_b = group("00gBBBBBBBBBBBBBBb6d", "Everyone", "BUILT_IN", "2025-05-23T11:44:52.000Z")
    other = group("00gCCCCCCCCCCCCCCa1d", "Everyone Else", "OKTA_GROUP", "2024-01-01T10:00:00.000Z")
    sessions = [
        ("b", listing(org_b)),
        ("a1", listing(org_a, other)),
        ("a2", listing(org_a)),
        ("a3", [exchange(ORG, "GET", f"{GROUPS}/{org_a['id']}", 200, org_a)]),
    ]
    model = infer("okta", sessions)
    seeded = {s.key for s in model.seed if s.scope == GROUPS}
    # org A's `Everyone` (three recordings show it) and the other group; not org B's `Everyone`
    assert seeded == {org_a["id"], other["id"]}
