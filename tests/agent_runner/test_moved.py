"""Items that moved: a twin answers the old path of a repository the recordings last saw moved
with the recorded redirect (its URL and `Location` the twin's), and the new place as recorded."""

from __future__ import annotations

from pathlib import Path

from agent_runner.fidelity import app_factory
from recorder.trace import Exchange
from tests.agent_runner.conftest import client_for, generated
from tests.agent_runner.traffic import GITHUB, exchange
from twins.twin_dir import load_service

MOVED = {
    "message": "Moved Permanently",
    "url": f"{GITHUB}/repositories/77",
    "documentation_url": "https://docs.github.com/v3/#http-redirects",
}


def repo(owner: str, name: str, rid: int) -> dict[str, object]:
    return {"id": rid, "name": name, "full_name": f"{owner}/{name}", "url": f"{GITHUB}/repos/{owner}/{name}"}


def at(ts: str, item: Exchange, location: str = "") -> Exchange:
    item.ts = ts
    if location:
        item.response.headers.append(("Location", location))
    return item


def sessions() -> dict[str, list[Exchange]]:
    auth = "token REDACTED"
    old = "/repos/sigma/betamax"
    return {
        # read where it was, then (later) redirected from there to where it went
        "before": [
            at("2017-01-01T00:00:00Z", exchange(GITHUB, "GET", path + tail, 200, body))
            for n, path in enumerate((old, "/repos/octo/world", "/repos/sigma/flake", "/repos/py/vcr"), 70)
            for tail, body in (("", repo(*path.split("/")[2:], n)), ("/labels", []))
        ],
        "after": [
            at("2018-01-01T00:00:00Z", exchange(GITHUB, "GET", old, 301, MOVED, auth=auth), MOVED["url"]),
            at(
                "2018-01-01T00:00:01Z",
                exchange(GITHUB, "GET", "/repositories/77", 200, repo("betamaxpy", "betamax", 77), auth=auth),
            ),
        ],
        # redirected once, answered since: not moved
        "back": [
            at(
                "2017-06-01T00:00:00Z", exchange(GITHUB, "GET", "/repos/octo/hello", 301, MOVED), MOVED["url"]
            ),
            at(
                "2019-01-01T00:00:00Z",
                exchange(GITHUB, "GET", "/repos/octo/hello", 200, repo("octo", "hello", 5)),
            ),
        ],
        # answered by more recordings than redirected it (the latest did): what most saw
        "mostly": [
            at(
                "2016-01-01T00:00:00Z",
                exchange(GITHUB, "GET", "/repos/octo/world", 200, repo("octo", "world", 71)),
            ),
            at(
                "2020-01-01T00:00:00Z", exchange(GITHUB, "GET", "/repos/octo/world", 301, MOVED), MOVED["url"]
            ),
        ],
    }


async def test_a_moved_item_answers_the_recorded_redirect(tmp_path: Path) -> None:
    folder = generated(tmp_path, "github", sessions())
    app = app_factory(load_service(folder))
    async for client in client_for(app, "token"):
        moved = await client.get("/repos/sigma/betamax")
        assert moved.status_code == 301, moved.text
        assert moved.json()["url"] == "http://testserver/repositories/77"
        assert moved.headers["location"] == "http://testserver/repositories/77"
        assert moved.json()["documentation_url"] == MOVED["documentation_url"]
        found = await client.get(moved.headers["location"])
        assert found.status_code == 200 and found.json()["full_name"] == "betamaxpy/betamax"
        back = await client.get("/repos/octo/hello")
        assert back.status_code == 200 and back.json()["full_name"] == "octo/hello"
        mostly = await client.get("/repos/octo/world")
        assert mostly.status_code == 200 and mostly.json()["full_name"] == "octo/world"
    app.state.twin.store.stop()
