"""Official clients against twins generated from the reference recordings alone: the `okta` SDK
(terraform-provider-okta's cassettes) and github3.py (its own Betamax cassettes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from agent_runner.cli import expand
from agent_runner.fidelity import app_factory, forget
from agent_runner.generate import generate
from agent_runner.infer import infer
from recorder.parity.engine import load_traces
from tests.agent_runner.conftest import REFERENCE
from tests.support.servers import serve_app
from twins.twin_dir import load_service

OKTA_TRACES = REFERENCE / "okta" / "terraform-provider-okta"
GITHUB_TRACES = REFERENCE / "github" / "github3.py" / "tests" / "cassettes"
os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")

pytestmark = pytest.mark.reference


def served_twin(name: str, traces: Path, out: Path) -> Iterator[tuple[str, str]]:
    """(base URL, API token) of the twin generated from `traces`, served over HTTP."""
    if not traces.is_dir():
        pytest.skip(f"{traces} is not here")
    files = expand([traces])
    generate(infer(name, load_traces(files)), out)
    forget(out)
    app = app_factory(load_service(out))
    with serve_app(app) as url:
        app.state.twin.settings.public_url = url
        ctx = app.state.twin
        creds = ctx.service.credentials(ctx.default_state(), url)
        yield url, creds.get("token") or creds["api_token"]
    app.state.twin.store.stop()


@pytest.fixture(scope="module")
def okta_twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    yield from served_twin("okta", OKTA_TRACES, tmp_path_factory.mktemp("okta") / "okta_twin")


@pytest.fixture(scope="module")
def github_twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    yield from served_twin("github", GITHUB_TRACES, tmp_path_factory.mktemp("github") / "github_twin")


async def test_okta_sdk_user_lifecycle(okta_twin: tuple[str, str]) -> None:
    from okta import models as m
    from okta.client import Client

    url, token = okta_twin
    client: Any = Client({"orgUrl": url, "token": token})
    login = "ada@example.com"
    profile = {"firstName": "Ada", "lastName": "Lovelace", "email": login, "login": login}
    request = m.CreateUserRequest(profile=m.UserProfile.from_dict(profile))
    user, _, err = await client.create_user(request, activate=False)
    assert err is None, err
    assert user.id.startswith("00u") and user.status.value == "STAGED"

    got, _, err = await client.get_user(user.id)
    assert err is None and got.profile.login == "ada@example.com"

    found, _, err = await client.list_users(search='profile.login eq "ada@example.com"')
    assert err is None and [u.id for u in found] == [user.id]
    nobody, _, err = await client.list_users(search='profile.login eq "nobody@example.com"')
    assert err is None and nobody == []

    change = m.UpdateUserRequest(profile=m.UserProfile(firstName="Augusta", lastName="Lovelace"))
    updated, _, err = await client.replace_user(user.id, change)
    assert err is None and updated.profile.first_name == "Augusta"

    result = await client.deactivate_user(user.id)
    assert result[-1] is None
    again, _, err = await client.get_user(user.id)
    assert err is None and again.status.value == "DEPROVISIONED"

    result = await client.delete_user(user.id)
    assert result[-1] is None
    result = await client.get_user(user.id)
    error = result[-1]
    assert error is not None and error.status == 404 and error.error_code == "E0000007"


def test_github3_issue_session(github_twin: tuple[str, str]) -> None:
    import github3

    url, token = github_twin
    gh = github3.GitHub(token=token)
    gh.session.base_url = url
    repo = gh.repository("sigmavirus24", "github3.py")
    assert repo is not None and repo.full_name == "sigmavirus24/github3.py"

    issue = repo.create_issue("Made against a twin", body="from traffic alone", labels=["bug"])
    assert issue is not None and issue.title == "Made against a twin" and issue.state == "open"
    assert [label.name for label in issue.original_labels] == ["bug"]

    comment = issue.create_comment("a comment")
    assert comment is not None and comment.body == "a comment"
    assert [c.body for c in issue.comments()] == ["a comment"]

    labels = issue.replace_labels(["bug", "enhancement"])
    assert [label.name for label in labels] == ["bug", "enhancement"]

    assert issue.close()
    assert repo.issue(issue.number).state == "closed"
    numbers = {i.number: i.state for i in repo.issues(state="all")}
    assert numbers[issue.number] == "closed"
    open_ones = [i.number for i in repo.issues(state="open")]
    assert issue.number not in open_ones

    # a repository the twin does not hold is one existing before: written to as it is read,
    # until it is deleted
    other = gh.repository("sigmavirus24", "no-such-repository-here")
    assert other is not None and other.create_issue("x") is not None
    assert other.delete()
    with pytest.raises(github3.exceptions.NotFoundError):
        other.create_issue("x")
    assert requests.get(f"{url}/repos/sigmavirus24/github3.py", timeout=10).status_code in (200, 401)


def test_github_lists_page_by_number_with_link_headers(github_twin: tuple[str, str]) -> None:
    """GitHub's `page`/`per_page` paging, learnt from the recordings' `Link` headers: every
    issue comes once, walking `rel="next"`, and github3.py's own iterator sees them all."""
    import github3

    url, token = github_twin
    auth = {"Authorization": f"token {token}"}
    repo_path = f"{url}/repos/sigmavirus24/github3.py"
    made = set()
    for n in range(23):
        answer = requests.post(f"{repo_path}/issues", json={"title": f"paged {n}"}, headers=auth, timeout=10)
        assert answer.status_code == 201, answer.text
        made.add(answer.json()["number"])
    seen: list[int] = []
    page = requests.get(
        f"{repo_path}/issues", params={"state": "all", "per_page": "10"}, headers=auth, timeout=10
    )
    first_links = page.links
    while True:
        assert page.status_code == 200 and len(page.json()) <= 10
        seen += [issue["number"] for issue in page.json()]
        if "next" not in page.links:
            break
        page = requests.get(page.links["next"]["url"], headers=auth, timeout=10)
    assert len(seen) == len(set(seen)) and made <= set(seen)
    assert set(first_links) == {"next", "last"} and "per_page=10" in first_links["last"]["url"]
    assert set(page.links) <= {"prev", "first"} and page.links["first"]["url"].endswith("page=1")
    again = requests.get(first_links["last"]["url"], headers=auth, timeout=10)
    assert [i["number"] for i in again.json()] == [i["number"] for i in page.json()]

    gh = github3.GitHub(token=token)
    gh.session.base_url = url
    issues = gh.repository("sigmavirus24", "github3.py").issues(state="all")
    issues.params["per_page"] = 5  # pages of 5: github3.py follows each rel="next" as given
    numbers = [i.number for i in issues]
    assert sorted(numbers) == sorted(seen)
