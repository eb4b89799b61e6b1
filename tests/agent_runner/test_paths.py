"""Path templates: ids and varying names become variables, collection names stay words."""

from __future__ import annotations

from agent_runner.paths import SpecPaths, Templater, collection_of, values


def test_ids_of_every_vendor_become_named_variables() -> None:
    paths = [
        "/api/v1/users/00u1abcdEFGH2345ijk6/lifecycle/activate",
        "/rest/api/2/issue/PROJ-123/comment/10001",
        "/api/v1/zones/0d2b4f0e-8c3a-4b7e-9d1c-2f5e6a7b8c9d",
    ]
    templater = Templater(paths)
    assert templater.template(paths[0]) == "/api/v1/users/{userId}/lifecycle/activate"
    assert templater.template(paths[1]) == "/rest/api/2/issue/{issueId}/comment/{commentId}"
    assert templater.template(paths[2]) == "/api/v1/zones/{zoneId}"


def test_names_that_vary_before_a_fixed_word_are_variables() -> None:
    paths = [
        "/repos/octo/hello/issues",
        "/repos/octo/world/issues",
        "/repos/sigma/betamax/issues",
        "/repos/sigma/betamax/pulls/2",
        "/repos/sigma/betamax",
    ]
    templater = Templater(paths)
    assert templater.template("/repos/octo/hello/issues/1") == "/repos/{repoId}/{repoId2}/issues/{issueId}"
    assert templater.template("/repos/sigma/betamax") == "/repos/{repoId}/{repoId2}"


def test_collection_names_and_actions_stay_words() -> None:
    paths = [
        "/api/v1/users/00u1abcdEFGH2345ijk6/roles",
        "/api/v1/groups/00g1abcdEFGH2345ijk6/roles",
        "/api/v1/users/00u1abcdEFGH2345ijk6/lifecycle/activate",
        "/api/v1/users/00u1abcdEFGH2345ijk6/lifecycle/deactivate",
    ]
    templater = Templater(paths)
    assert templater.template(paths[0]) == "/api/v1/users/{userId}/roles"
    assert templater.template(paths[1]) == "/api/v1/groups/{groupId}/roles"
    assert templater.template(paths[3]) == "/api/v1/users/{userId}/lifecycle/deactivate"


def test_a_spec_template_wins() -> None:
    spec = SpecPaths.of(["/api/v1/users/{id}", "/api/v1/users/me"])
    templater = Templater(["/api/v1/users/bob"], spec)
    assert templater.template("/api/v1/users/bob") == "/api/v1/users/{id}"
    assert templater.template("/api/v1/users/me") == "/api/v1/users/me"


def test_collections_and_values() -> None:
    assert collection_of("/api/v1/users/{userId}") == "/api/v1/users"
    assert collection_of("/api/v1/users") is None
    assert values("/repos/{a}/{b}/issues/{n}", "/repos/o/r/issues/7") == {"a": "o", "b": "r", "n": "7"}
