"""GitHub's parity profile: endpoint templates, ids, credential classes and Link paging."""

from __future__ import annotations

import pytest

from recorder.importers import load_recording
from recorder.parity import Credential, github, profile_for
from recorder.parity.replay import pair_values
from recorder.trace import Body, Exchange, Request, Response
from tests.parity.conftest import REFERENCE

CASSETTES = REFERENCE / "github" / "github3.py" / "tests" / "cassettes"


def exchange(method: str, path: str, status: int = 200, auth: str | None = "token <AUTH_TOKEN>") -> Exchange:
    return Exchange(
        request=Request(
            method=method,
            url=f"https://api.github.com{path}",
            headers=[("Authorization", auth)] if auth else [],
        ),
        response=Response(status=status, body=Body(text="{}")),
    )


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/repos/sigmavirus24/github3.py", "/repos/{owner}/{repo}"),
        ("/repos/sigmavirus24/github3.py/issues/711", "/repos/{owner}/{repo}/issues/{number}"),
        ("/repos/o/r/issues/711/comments", "/repos/{owner}/{repo}/issues/{number}/comments"),
        ("/repos/o/r/issues/comments/3123", "/repos/{owner}/{repo}/issues/comments/{id}"),
        ("/repos/o/r/pulls/12/files", "/repos/{owner}/{repo}/pulls/{number}/files"),
        ("/repos/o/r/labels/bug%20report", "/repos/{owner}/{repo}/labels/{name}"),
        ("/repos/o/r/commits/" + "a" * 40, "/repos/{owner}/{repo}/commits/{sha}"),
        ("/repos/o/r/contents/docs/index.rst", "/repos/{owner}/{repo}/contents/{path}"),
        ("/repos/o/r/git/refs/heads/main", "/repos/{owner}/{repo}/git/refs/{ref}"),
        ("/users/octocat/repos", "/users/{username}/repos"),
        ("/orgs/github/members/octocat", "/orgs/{org}/members/{username}"),
        ("/gists/public", "/gists/public"),
        ("/gists/b4c7ac7be6e591d0d155", "/gists/{gist_id}"),
        ("/projects/columns/1234", "/projects/columns/{id}"),
        ("/user/blocks/spammer", "/user/blocks/{username}"),
    ],
)
def test_endpoints_name_their_parameters(path: str, template: str) -> None:
    assert github.template(path) == template


def test_ids_credentials_and_paging() -> None:
    assert github.is_id("MDU6SXNzdWUxMjM0NTY3ODk=") and github.is_id("I_kwDOABCDEF5Abc123")
    assert github.is_id("6dcb09b5b57875f334f61aebed695e2e4193db5e") and not github.is_id("open")
    assert github.id_kind("I_kwDOABCDEF5Abc123") != github.id_kind("PR_kwDOABCDEF5Abc123")
    assert github.credential_class(exchange("GET", "/user", 401)) is Credential.INVALID
    assert github.credential_class(exchange("GET", "/user", 404)) is Credential.VALID
    assert github.credential_class(exchange("GET", "/zen", auth=None)) is Credential.NONE
    link = '<https://api.github.com/repositories/1/issues?page=3>; rel="next", <…?page=9>; rel="last"'
    assert github.cursors([("Link", link)], None) == ["3"]
    found: dict[str, str] = {}
    recorded = {"id": 296895785, "number": 711, "node_id": "MDU6SXNzdWUyOTY4OTU3ODU=", "comments": 2}
    twin = {"id": 1, "number": 1, "node_id": "MDU6SXNzdWUx0000000001", "comments": 3}
    pair_values(recorded, twin, found, github.PROFILE)
    assert found == {"296895785": "1", "711": "1", "MDU6SXNzdWUyOTY4OTU3ODU=": "MDU6SXNzdWUx0000000001"}
    assert profile_for("github") is github.PROFILE


@pytest.mark.reference
def test_every_recorded_api_path_is_templated_without_raw_numbers() -> None:
    paths = sorted(CASSETTES.glob("*.json")) if CASSETTES.is_dir() else []
    if not paths:
        pytest.skip(f"no cassettes under {CASSETTES}")
    endpoints = {
        github.endpoint(e)
        for path in paths
        for e in load_recording(path)
        if "api.github.com" in e.request.url
    }
    assert not [e for e in endpoints if any(s.isdigit() for s in e.split("/"))]
    assert "GET /repos/{owner}/{repo}/issues/{number}" in endpoints
