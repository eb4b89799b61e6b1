"""Answers per kind of client: what a request's User-Agent, Accept and credentials tell of the
recordings whose answers it should get (`agent_runner.clients`, `twins.kit.clients`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent_runner.fidelity import app_factory, profile_of
from recorder.parity import verify
from recorder.trace import Body, Exchange, Request, Response
from tests.agent_runner.conftest import client_for, generated
from twins.kit.clients import closeness, fitted, learn_shape, nearest
from twins.twin_dir import load_service

CLOUD, SERVER = "https://acme.atlassian.net", "http://jira:8080"
CLOUD_AGENT, SERVER_AGENT = "python-requests/2.32.4", "python-requests/2.21.0"
INFO, FIELDS, META = "/rest/api/2/serverInfo", "/rest/api/2/field", "/rest/api/2/issue/createmeta"


def sent_by(
    agent: str, host: str, method: str, path: str, status: int, body: Any = None, **more: str
) -> Exchange:
    headers = [("User-Agent", agent), ("Accept", "application/json")]
    headers += [(k.replace("_", "-"), v) for k, v in more.items()]
    return Exchange(
        service="github" if "github" in host else "jira",
        request=Request(method=method, url=host + path, headers=headers, body=Body(text="")),
        response=Response(
            status=status,
            headers=[("Content-Type", "application/json")],
            body=Body(text=json.dumps(body) if body is not None else ""),
        ),
    )


def info(kind: str, numbers: list[int]) -> dict[str, Any]:
    return {"version": ".".join(map(str, numbers)), "versionNumbers": numbers, "deploymentType": kind}


def field(fid: str, name: str) -> dict[str, Any]:
    return {"id": fid, "name": name, "schema": {"type": "string"}}


def meta(key: str) -> dict[str, Any]:
    return {"projects": [{"key": key, "issuetypes": [{"name": "Task", "scope": {"type": "PROJECT"}}]}]}


def jira_sites() -> dict[str, list[Exchange]]:
    """Three Cloud recordings and two Server ones (two Server deployments with their own custom
    fields); Cloud's create metadata asked for two projects."""
    cloud = [
        sent_by(CLOUD_AGENT, CLOUD, "GET", INFO, 200, info("Cloud", [1001, 0, 0])),
        sent_by(CLOUD_AGENT, CLOUD, "GET", FIELDS, 200, [field("summary", "Summary"), field("cf_1", "Team")]),
    ]
    return {
        "cloud1": [
            *cloud,
            sent_by(CLOUD_AGENT, CLOUD, "GET", META + "?projectKeys=NTEST", 200, meta("NTEST")),
        ],
        "cloud2": [
            *cloud,
            sent_by(CLOUD_AGENT, CLOUD, "GET", META + "?projectKeys=NTEST", 200, meta("NTEST")),
        ],
        "cloud3": [*cloud, sent_by(CLOUD_AGENT, CLOUD, "GET", META + "?projectKeys=TEST", 200, meta("TEST"))],
        "server1": [
            sent_by(SERVER_AGENT, SERVER, "GET", INFO, 200, info("Server", [7, 12, 3])),
            sent_by(
                SERVER_AGENT, SERVER, "GET", FIELDS, 200, [field("summary", "Summary"), field("cf_2", "Epic")]
            ),
        ],
        "server2": [
            sent_by(SERVER_AGENT, SERVER, "GET", INFO, 200, info("Server", [7, 12, 3])),
            sent_by(
                SERVER_AGENT,
                SERVER,
                "GET",
                FIELDS,
                200,
                [field("summary", "Summary"), field("cf_3", "Tempo")],
            ),
        ],
    }


@pytest.fixture(scope="module")
def jira_twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory.mktemp("jira"), "jira", jira_sites())


async def test_a_fixed_document_answers_as_the_kind_of_client_asking_saw_it(jira_twin: Path) -> None:
    app = app_factory(load_service(jira_twin))
    try:
        async for client in client_for(app, "Basic"):
            server = (await client.get(INFO, headers={"User-Agent": "python-requests/2.19.1"})).json()
            cloud = (await client.get(INFO, headers={"User-Agent": CLOUD_AGENT})).json()
            other = (await client.get(INFO, headers={"User-Agent": "curl/8.0"})).json()
            fields = (await client.get(FIELDS, headers={"User-Agent": SERVER_AGENT})).json()
            test = (await client.get(META, params={"projectKeys": "TEST"})).json()
            ntest = (await client.get(META, params={"projectKeys": "NTEST"})).json()
    finally:
        app.state.twin.store.stop()
    # the nearest version of the same client: Server; Cloud's; the usual answer (most recordings)
    assert server["versionNumbers"] == [7, 12, 3] and cloud["versionNumbers"] == [1001, 0, 0]
    assert other["deploymentType"] == "Cloud"
    # every field either Server deployment shows, none only Cloud shows
    assert sorted(f["id"] for f in fields) == ["cf_2", "cf_3", "summary"]
    assert test["projects"][0]["key"] == "TEST" and ntest["projects"][0]["key"] == "NTEST"
    assert (
        "3 operations answer as the recordings of the kind of client"
        in (jira_twin / "LIMITATIONS.md").read_text()
    )


GITHUB = "https://api.github.com"
OLD, NEW = "github3.py/1.0.0a4", "github3.py/3.0.0"


REPOS = {"hello": 1296269, "world": 1296270, "spoon": 1296271, "knife": 1296272, "fork": 1296273}


def repo(name: str, *, new: bool, signed: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": REPOS[name], "name": name, "owner": {"login": "octo", "id": 1}}
    if new:  # fields GitHub added since
        body |= {"node_id": "MDEwOlJlcG9zaXRvcnkx", "topics": [], "disabled": False}
        body["owner"] = {**body["owner"], "node_id": "MDQ6VXNlcjE="}
    if signed:
        body["permissions"] = {"admin": True, "push": True, "pull": True}
    if name in ("spoon", "knife", "fork"):  # forks: the object, not the client, decides this one
        body["parent"] = {"id": 7, "name": "cutlery"}
    return body


def old_hello() -> Exchange:
    """An old client's read of `hello`, before GitHub answered repositories with `node_id`."""
    return sent_by(
        OLD, GITHUB, "GET", f"/repositories/{REPOS['hello']}", 200, repo("hello", new=False, signed=False)
    )


def github_eras() -> dict[str, list[Exchange]]:
    """`hello` read only by an old client; newer clients read other repositories, forks (one
    old recording reads a fork and a repository that is not one)."""
    token = {"Authorization": "token abc"}
    return {
        "old1": [old_hello()],
        "old2": [
            sent_by(
                OLD,
                GITHUB,
                "GET",
                f"/repositories/{REPOS['world']}",
                200,
                repo("world", new=False, signed=False),
            ),
            sent_by(
                OLD,
                GITHUB,
                "GET",
                f"/repositories/{REPOS['fork']}",
                200,
                repo("fork", new=False, signed=False),
            ),
        ],
        "new1": [
            sent_by(
                NEW,
                GITHUB,
                "GET",
                f"/repositories/{REPOS['spoon']}",
                200,
                repo("spoon", new=True, signed=True),
                **token,
            )
        ],
        "new2": [
            sent_by(
                NEW,
                GITHUB,
                "GET",
                f"/repositories/{REPOS['knife']}",
                200,
                repo("knife", new=True, signed=True),
                **token,
            )
        ],
    }


def test_a_newer_client_gets_the_fields_its_answers_always_showed(tmp_path: Path) -> None:
    """A repository only an old client read is answered to a newer one with the fields every
    answer the newer client got shows; the held-out read by the newer client matches only so."""
    twin = generated(tmp_path, "github", github_eras())
    held_out = [
        (
            "new3",
            [
                sent_by(
                    NEW,
                    GITHUB,
                    "GET",
                    f"/repositories/{REPOS['hello']}",
                    200,
                    repo("hello", new=True, signed=True),
                )
            ],
        ),
        (
            "old3",
            [old_hello()],
        ),
    ]
    service = load_service(twin)
    report = verify(lambda: app_factory(service), held_out, profile=profile_of("github"))
    shapes = json.loads((twin / "examples.json").read_text())["operations"]["get_repository"]["shapes"]
    added = {key for s in shapes for key in s["shape"].get("+", {})}
    assert added == {"node_id", "topics", "disabled", "permissions"}  # not the fork's `parent`
    assert [(o.recording, o.passed) for o in report.outcomes] == [("new3", True), ("old3", True)], (
        report.causes()
    )


def test_closeness_ranks_the_same_agent_then_the_nearest_version() -> None:
    me = {"agent": "github3.py/1.2.0", "accept": "application/json", "auth": True}
    options = [
        {"client": {"agent": "github3.py/3.0.0", "accept": "application/json", "auth": True}, "n": 3},
        {"client": {"agent": "github3.py/1.1.0", "accept": "application/json", "auth": False}, "n": 1},
        {"client": {"agent": "curl/1.2.0", "accept": "text/html", "auth": True}, "n": 0},
    ]
    assert (nearest(options, me) or {}).get("n") == 1
    assert nearest(options, {**me, "agent": "github3.py/1.2.0"}) is options[1]
    assert nearest(options[2:], {"agent": "", "accept": "", "auth": True}) is None  # nothing in common
    assert closeness(options[0]["client"], options[0]["client"]) > closeness(options[1]["client"], me)


def test_a_shape_adds_only_what_a_client_always_saw_and_the_body_lacks() -> None:
    new = [{"id": 1, "node_id": "A", "owner": {"node_id": "U"}, "tags": [{"n": 1, "sha": "x"}]}]
    old = [{"id": 2, "owner": {}, "tags": [{"n": 2}]}, {"id": 3, "owner": {}, "extra": 1, "tags": []}]
    shape = learn_shape(new, new + old)
    assert shape == {
        "+": {"node_id": "A"},
        ".": {"owner": {"+": {"node_id": "U"}}},
        "[]": {"tags": {"+": {"sha": "x"}}},
    }
    body = {"id": 9, "node_id": "Z", "owner": {}, "tags": [{"n": 9}]}
    assert fitted(body, shape) == {
        "id": 9,
        "node_id": "Z",
        "owner": {"node_id": "U"},
        "tags": [{"n": 9, "sha": "x"}],
    }
    assert learn_shape(old, new + old) == {}  # `extra`: not in every old answer
    unchanged = {"id": 1, "node_id": "A", "owner": {"node_id": "U"}, "tags": []}
    assert fitted(unchanged, shape) is unchanged


def test_among_versions_as_far_the_newer_wins_and_a_pre_release_comes_before_its_release() -> None:
    """A newer client than any recorded one gets the newest recorded one's answers (GitHub's
    fields accumulate); 1.0.0a4 is nearer 1.0.0 than 1.1.0 is."""
    options = [
        {"client": {"agent": f"github3.py/{v}", "accept": "", "auth": True}, "v": v}
        for v in ("1.1.0", "1.3.0", "1.2.0")
    ]
    me = {"agent": "github3.py/3.0.0", "accept": "", "auth": True}
    assert (nearest(options, me) or {}).get("v") == "1.3.0"
    options.append({"client": {"agent": "github3.py/1.0.0", "accept": "", "auth": True}, "v": "1.0.0"})
    assert (nearest(options, {**me, "agent": "github3.py/1.0.0a4"}) or {}).get("v") == "1.0.0"
