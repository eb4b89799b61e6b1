"""`POST /_twin/clock` refuses values that would break the tenant's clock, and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import ADMIN, Vendor, VendorFactory
from twins._runtime.clock import Clock

BAD_BODIES = [
    '{"advance": NaN}',
    '{"advance": Infinity}',
    '{"at": 1e300}',
    '{"at": Infinity}',
    '{"at": -Infinity}',
    '{"at": -5}',
    '{"advance": -1e18}',
    '{"advance": 1e18}',
    '{"freeze": true, "at": NaN}',
    '{"freeze": false, "at": 1e300}',
]


@pytest.mark.parametrize("body", BAD_BODIES)
async def test_bad_clock_values_are_refused_and_the_tenant_serves_on(vendor: Vendor, body: str) -> None:
    before = (await vendor.http.get("/_twin/clock", headers=ADMIN)).json()
    resp = await vendor.http.post(
        "/_twin/clock", content=body, headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] in ("invalid_clock", "invalid_request")
    after = await vendor.http.get("/_twin/clock", headers=ADMIN)
    assert after.status_code == 200
    assert after.json()["offset_seconds"] == before["offset_seconds"]
    assert after.json()["frozen"] is before["frozen"]
    assert (await vendor.vendor_call()).status_code == 200
    assert (await vendor.http.post("/_twin/reset", headers=ADMIN)).status_code == 200


async def test_a_valid_change_still_applies(vendor: Vendor) -> None:
    resp = await vendor.http.post("/_twin/clock", json={"freeze": True, "at": 1_900_000_000}, headers=ADMIN)
    assert resp.status_code == 200, resp.text
    assert resp.json()["now"] == 1_900_000_000
    assert (await vendor.vendor_call()).status_code == 200


@pytest.mark.parametrize(
    "stored",
    [
        {"offset": float("inf"), "frozen_at": None},
        {"offset": 0.0, "frozen_at": 1e300},
        {"offset": -1e18, "frozen_at": None},
        {"offset": "x", "frozen_at": None},
    ],
)
def test_a_corrupt_stored_clock_runs_on_real_time(stored: dict[str, object]) -> None:
    clock = Clock.from_json(stored)
    assert clock.frozen_at is None and clock.offset == 0.0


async def test_a_tenant_corrupted_before_serves_after_a_restart(
    make_vendor: VendorFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'slack.db'}"
    first: Vendor = await make_vendor("slack", db_url=url)
    state = first.app.state.twin.default_state()

    def corrupt(st: object) -> None:
        state.clock.offset = float("inf")  # what an older version stored
        state.mark_dirty()

    await first.app.state.twin.store.run(state.id, corrupt)
    first.app.state.twin.store.stop()
    again: Vendor = await make_vendor("slack", db_url=url)
    assert (await again.http.get("/_twin/clock", headers=ADMIN)).status_code == 200
    assert (await again.vendor_call()).status_code == 200
