"""`twins.kit.versions`: a seeded document as it stood at a time, while the tenant has not written it."""

from __future__ import annotations

from twins.kit.versions import as_of

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
    assert as_of(dict(SEED), ENTRY, 50.0)["state"] == "open"
    assert as_of(dict(SEED), ENTRY, 200.0)["state"] == "closed"
    assert as_of(dict(SEED), ENTRY, 299.9)["state"] == "closed"
    assert as_of(dict(SEED), ENTRY, 1e12) == {"n": 1, "state": "open", "comments": 2}


def test_a_written_document_or_one_without_states_is_left_as_stored() -> None:
    written = {"n": 1, "state": "open", "title": "mine"}
    assert as_of(written, ENTRY, 250.0) is written
    assert as_of(SEED, None, 250.0) is SEED
