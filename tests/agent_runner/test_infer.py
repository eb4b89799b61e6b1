"""Inference over small recordings: resources, CRUD kinds, ids, actions, conditions, errors, seeds."""

from __future__ import annotations

import json

from agent_runner.infer import infer
from agent_runner.model import ServiceModel, merge_models
from tests.agent_runner.traffic import github_session, okta_session


def okta_model() -> ServiceModel:
    return infer("okta", [(f"s{n}", okta_session(n)) for n in range(4)])


def test_kinds_of_operations() -> None:
    model = okta_model()
    kinds = {(op.method, op.path): op.kind for op in model.operations}
    assert kinds[("POST", "/api/v1/users")] == "create"
    assert kinds[("GET", "/api/v1/users/{userId}")] == "read"
    assert kinds[("GET", "/api/v1/users")] == "list"
    assert kinds[("PUT", "/api/v1/users/{userId}")] == "update"
    assert kinds[("DELETE", "/api/v1/users/{userId}")] == "delete"
    assert kinds[("POST", "/api/v1/users/{userId}/lifecycle/deactivate")] == "action"
    names = {op.name for op in model.operations}
    assert {"create_user", "get_user", "list_users", "deactivate_user"} <= names


def test_resource_ids_stamps_and_transitions() -> None:
    users = okta_model().resources["/api/v1/users"]
    assert users.key == "id"
    assert users.ids.kind == "text" and users.ids.prefix.startswith("00u")
    assert users.stamps == ["created", "lastUpdated"]
    assert users.touched == ["lastUpdated"]
    assert ("ACTIVE", "deactivate", "DEPROVISIONED") in users.transitions
    assert "DEPROVISIONED" in users.statuses


def test_action_changes_and_query_conditions() -> None:
    model = okta_model()
    deactivate = model.operation("POST", "/api/v1/users/{userId}/lifecycle/deactivate")
    assert deactivate is not None and deactivate.changes == {"status": "DEPROVISIONED"}
    create = model.operation("POST", "/api/v1/users")
    assert create is not None
    assert create.when == {"activate=false": {"status": "STAGED"}, "activate=true": {"status": "ACTIVE"}}


def test_styles_filters_errors_pagination_auth() -> None:
    model = okta_model()
    assert model.style == "okta"
    assert model.pagination == "link-after"
    assert model.auth == ["ssws"]
    listing = model.operation("GET", "/api/v1/users")
    assert listing is not None and listing.filters == ["search"]
    read = model.operation("GET", "/api/v1/users/{userId}")
    assert read is not None and read.errors["404"].response["errorCode"] == "E0000007"
    assert read.response is not None and read.response.properties["status"].enum


def test_github_keys_by_number_and_seeds_what_existed() -> None:
    repos = [("octo", "hello"), ("octo", "world"), ("sigma", "betamax")]
    model = infer("github", [(f"g{n}", github_session(*repo, n)) for n, repo in enumerate(repos, 1)])
    issues = model.resources["/repos/{repoId}/{repoId2}/issues"]
    assert issues.key == "number" and issues.ids.kind == "sequence"
    assert issues.parent == "/repos/{repoId}"
    assert "labels" in issues.prototypes
    assert {(s.scope, s.key) for s in model.seed} == {
        ("/repos/octo", "hello"),
        ("/repos/octo", "world"),
        ("/repos/sigma", "betamax"),
    }
    assert model.style == "learned"


def test_the_model_round_trips_and_merges() -> None:
    old = okta_model()
    again = ServiceModel.model_validate_json(old.model_dump_json())
    assert again == old
    new = infer("github", [("g1", github_session("octo", "hello", 1))])
    merged = merge_models(old, new)
    assert len(merged.operations) == len(old.operations) + len(new.operations)
    assert json.loads(merged.model_dump_json())["resources"].keys() >= old.resources.keys()
