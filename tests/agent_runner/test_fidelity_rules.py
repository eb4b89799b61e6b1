"""What the replay of held-out traffic against a generated twin pairs, relaxes and expects."""

from __future__ import annotations

from recorder.parity import jira
from recorder.parity.replay import pair_values


def test_a_site_url_never_pairs_with_an_objects_url() -> None:
    """Jira Server shows some status icons as the bare site URL; pairing it with the twin's icon
    URL would rewrite every later request to the site (`/rest/api/2/serverInfo` -> a 404)."""
    found: dict[str, str] = {}
    recorded = {"iconUrl": "http://jira:8080/", "self": "http://jira:8080/rest/api/2/status/3"}
    twin = {"iconUrl": "http://testserver/images/icons/statuses/open.png", "self": "http://testserver/s/3"}
    pair_values(recorded, twin, found, jira.PROFILE)
    assert found == {"http://jira:8080/rest/api/2/status/3": "http://testserver/s/3"}
    pair_values({"home": "http://jira:8080"}, {"home": "http://testserver/"}, found, jira.PROFILE)
    assert found["http://jira:8080"] == "http://testserver/"
