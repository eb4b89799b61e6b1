"""Per-trial set-up by reset: a tenant reset to its seed (or to the world a lane seeded) is exactly
what a fresh create + seed gives, for Slack, Okta and Jira; lanes reuse their tenants."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bench.holdout_trials import SCENARIO
from holdout import steps
from holdout.engine import Lane, Options, run_suite
from holdout.scenario import parse
from holdout.twinset import Twin, TwinSet, start_local

SEED = 4242


@pytest.fixture(scope="module")
async def twins() -> AsyncIterator[TwinSet]:
    running = await start_local(["slack", "okta", "jira"])
    yield running
    await running.close()


async def view(twin: Twin, tenant: str) -> dict[str, Any]:
    """What the admin API shows of a tenant: every row, its meta, its journal, its faults."""
    state = await twin.admin("GET", "/state", tenant, params={"limit": 100000})
    journal = await twin.admin("GET", "/journal", tenant, params={"limit": 1000})
    faults = await twin.admin("GET", "/faults", tenant, params={"tenant": tenant})
    listed = await twin.admin("GET", "/tenants", "default")
    (described,) = [t for t in listed["tenants"] if t["id"] == tenant]
    clock = described.pop("clock")
    return {
        "state": state,
        "journal": journal["exchanges"],
        "faults": faults["faults"],
        "tenant": described,
        "frozen": clock["frozen"],
    }


async def change(twin: Twin, tenant: str, n: int = 0) -> None:
    """One write through the vendor API (or the admin API's humans), a fault and a frozen clock."""
    creds = await twin.admin("GET", "/credentials", tenant)
    if twin.name == "slack":
        users = await twin.rows(tenant, "users")
        human = next(u for u in users if not u["is_bot"] and u["id"] != "USLACKBOT")
        path = f"/slack/humans/{human['id']}/create_channel"
        await twin.admin("POST", path, tenant, json={"name": f"new-{n}"})
    elif twin.name == "okta":
        group = {"profile": {"name": f"extra-{n}"}}
        resp = await twin.vendor("POST", "/api/v1/groups", tenant, f"SSWS {creds['api_token']}", json=group)
        assert resp.status_code == 200, resp.text
    else:
        basic = base64.b64encode(f"{creds['email']}:{creds['api_token']}".encode()).decode()
        body = {"fields": {"project": {"key": "APP"}, "summary": "added", "issuetype": {"id": "10002"}}}
        resp = await twin.vendor("POST", "/rest/api/3/issue", tenant, f"Basic {basic}", json=body)
        assert resp.status_code == 201, resp.text
    fault = {"action": "error", "status": 503}
    await twin.admin("POST", "/faults", tenant, json=fault, params={"tenant": tenant})
    await twin.admin("POST", "/clock", tenant, json={"freeze": True, "at": 1_900_000_000})


@pytest.mark.parametrize("name", ["slack", "okta", "jira"])
async def test_a_reset_tenant_equals_a_freshly_seeded_one(twins: TwinSet, name: str) -> None:
    twin = twins[name]
    await twin.create_tenant("exact-a", SEED)
    fresh = await view(twin, "exact-a")
    await change(twin, "exact-a")
    assert await view(twin, "exact-a") != fresh
    await twin.admin("POST", "/reset", "exact-a")
    assert await view(twin, "exact-a") == fresh
    # Created again from nothing, with the same id and seed: the same again.
    await twin.create_tenant("exact-a", SEED)
    assert await view(twin, "exact-a") == fresh
    await twin.drop_tenant("exact-a")


@pytest.mark.parametrize("name", ["slack", "okta", "jira"])
async def test_a_reset_to_a_snapshot_equals_the_tenant_when_it_was_taken(twins: TwinSet, name: str) -> None:
    twin = twins[name]
    await twin.create_tenant("exact-b", SEED)
    await change(twin, "exact-b")
    await twin.admin("DELETE", "/faults", "exact-b", params={"tenant": "exact-b"})
    await twin.admin("POST", "/clock", "exact-b", json={"freeze": False})
    await twin.admin("POST", "/snapshot", "exact-b", json={"name": "world"})
    taken = await view(twin, "exact-b")
    taken["journal"] = []  # a reset forgets the requests that built the world
    await change(twin, "exact-b", 1)
    await twin.admin("POST", "/reset", "exact-b", json={"snapshot": "world"})
    assert await view(twin, "exact-b") == taken
    await twin.drop_tenant("exact-b")


async def test_a_lane_starts_every_trial_from_the_world_it_seeded(twins: TwinSet) -> None:
    scenario = parse(SCENARIO, "lanes.yaml")
    lane = Lane(scenario, "lane-x", 99)
    first = await lane.prepare(twins)
    built = {n: (await view(twins[n], "lane-x"))["state"] for n in scenario.twins}
    for step in scenario.data["steps"]:
        await steps.run_step(twins, first, step)
    again = await lane.prepare(twins)
    assert again.people == first.people and again.channels == first.channels
    assert again.cursors == {"slack": 0, "okta": 0}
    for n in scenario.twins:
        now = await view(twins[n], "lane-x")
        assert now["state"] == built[n] and now["journal"] == [] and now["faults"] == []
    await lane.drop(twins)


async def test_more_trials_than_lanes_each_satisfied_and_tenants_dropped(twins: TwinSet) -> None:
    scenario = parse(SCENARIO, "lanes.yaml")
    result = await run_suite(twins, [scenario], Options(trials=7, parallel=3, settle=0), threshold=1.0)
    trials = result.scenarios[0].trials
    assert [t.index for t in trials] == list(range(7))
    assert [t.error for t in trials] == [""] * 7 and result.satisfied == 7
    assert len({t.seed for t in trials}) == 3  # one world per lane
    fresh = await run_suite(
        twins, [scenario], Options(trials=4, parallel=2, settle=0, fresh_worlds=True), threshold=1.0
    )
    assert fresh.satisfied == 4 and len({t.seed for t in fresh.scenarios[0].trials}) == 4
    for n in scenario.twins:
        listed = await twins[n].admin("GET", "/tenants", "default")
        assert [t["id"] for t in listed["tenants"]] == ["default"]
