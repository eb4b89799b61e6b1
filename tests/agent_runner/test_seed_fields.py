"""A document that existed before the recordings is seeded as its first read shows it, with the
fields only other reads of it show (an older recording's answer lacks what the API added since)."""

from __future__ import annotations

from pathlib import Path

from agent_runner.model import ServiceModel
from tests.agent_runner.conftest import generated
from tests.agent_runner.traffic import GITHUB, exchange


def test_a_seed_has_the_fields_every_read_of_it_shows(tmp_path: Path) -> None:
    old = {"id": 77, "name": "hello", "owner": {"login": "octo"}, "size": 2}
    new = {**old, "size": 5, "node_id": "MDEwOlJlcG9zaXRvcnk3Nw==", "owner": {"login": "octo", "id": 9}}
    sessions = {
        "old": [exchange(GITHUB, "GET", "/repositories/77", 200, old)],
        "new": [exchange(GITHUB, "GET", "/repositories/77", 200, {**new, "permissions": {"admin": True}})],
    }
    folder = generated(tmp_path, "github", sessions)
    seeds = {(s.scope, s.key): s.body for s in ServiceModel.load(folder / "model.json").seed}
    body = seeds[("/repositories", "77")]
    assert body["size"] == 2  # the first read's values
    assert body["node_id"] == new["node_id"] and body["permissions"] == {"admin": True}
    assert body["owner"] == {"login": "octo", "id": 9}
