"""`twins.kit.versions`: a seeded document as it stood at a time, and whether the tenant wrote it."""

from __future__ import annotations

from twins.kit.versions import pristine, state_at

SEED = {"n": 1, "state": "open"}
ENTRY = {
    "seed": SEED,
    "states": [
        {"at": 100.0, "body": {"n": 1, "state": "open"}},
        {"at": 200.0, "body": {"n": 1, "state": "closed"}},
        {"at": 300.0, "body": {"n": 1, "state": "open", "comments": 2}},
    ],
}


def test_the_latest_state_at_or_before_the_time_and_the_first_before_all() -> None:
    assert state_at(ENTRY, 50.0)["state"] == "open"
    assert state_at(ENTRY, 200.0)["state"] == "closed"
    assert state_at(ENTRY, 299.9)["state"] == "closed"
    assert state_at(ENTRY, 1e12) == {"n": 1, "state": "open", "comments": 2}


def test_a_document_the_tenant_wrote_is_no_longer_as_seeded() -> None:
    assert pristine(dict(SEED), ENTRY)
    assert not pristine({"n": 1, "state": "open", "title": "mine"}, ENTRY)
