"""A parent the twin answers as pre-existing exists for what is made under it: where reads show
items existing before their recordings began (GitHub repositories), a create under one the twin
never saw (a release of another repository) is made, as a read of that repository answers 200."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recorder.trace import Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import GITHUB, exchange

AUTH = "token REDACTED"


def repository(owner: str, repo: str, rid: int) -> dict[str, Any]:
    return {"id": rid, "name": repo, "full_name": f"{owner}/{repo}", "url": f"{GITHUB}/repos/{owner}/{repo}"}


def release(owner: str, repo: str, rid: int, tag: str) -> dict[str, Any]:
    return {"id": rid, "tag_name": tag, "url": f"{GITHUB}/repos/{owner}/{repo}/releases/{rid}", "draft": False}


def session(owner: str, repo: str, n: int) -> list[Exchange]:
    base = f"/repos/{owner}/{repo}"
    made = release(owner, repo, 7000 + n, f"v{n}")
    return [
        exchange(GITHUB, "GET", base, 200, repository(owner, repo, 50 + n), auth=AUTH),
        exchange(GITHUB, "POST", f"{base}/releases", 201, made, {"tag_name": f"v{n}"}, auth=AUTH),
        exchange(GITHUB, "GET", f"{base}/releases/{made['id']}", 200, made, auth=AUTH),
        exchange(GITHUB, "DELETE", f"{base}/releases/{made['id']}", 204, auth=AUTH),
    ]


async def test_a_release_is_made_under_a_repository_the_twin_answers_as_pre_existing(tmp_path: Path) -> None:
    pairs = (("octo", "hello"), ("sigma", "world"), ("acme", "spoon"))
    sessions = {f"s{n}": session(owner, repo, n) for n, (owner, repo) in enumerate(pairs, 1)}
    app = app_of(generated(tmp_path, "github", sessions))
    try:
        async for client in client_for(app, "token"):
            assert (await client.get("/repos/other/never-seen")).status_code == 200
            made = await client.post("/repos/other/never-seen/releases", json={"tag_name": "v9"})
            assert made.status_code == 201, made.text
            assert made.json()["tag_name"] == "v9"
            again = await client.get(f"/repos/other/never-seen/releases/{made.json()['id']}")
            assert again.status_code == 200
    finally:
        app.state.twin.store.stop()
