"""Service detection and endpoint templates."""

from __future__ import annotations

import pytest

from recorder.classify import detect_service, endpoint, path_template
from recorder.codec import go_duration_ms


@pytest.mark.parametrize(
    ("url", "service"),
    [
        ("https://acme.okta.com/api/v1/users", "okta"),
        ("https://acme.oktapreview.com/oauth2/v1/token", "okta"),
        ("https://oie-00.dne-okta.com/governance/api/v2/request-settings", "okta"),
        ("http://localhost:8080/api/v1/groups", "okta"),
        ("http://localhost:8080/oauth2/default/v1/keys", "okta"),
        ("https://acme.atlassian.net/rest/api/3/issue/ABC-1", "jira"),
        ("http://jira:8080/rest/tempo-timesheets/3/worklogs/1", "jira"),
        ("http://localhost:2990/rest/agile/1.0/board", "jira"),
        ("http://localhost:2990/rest/api/2/serverInfo", "jira"),
        ("https://slack.com/api/chat.postMessage", "slack"),
        ("https://files.slack.com/upload/v1/abc", "slack"),
        ("http://localhost:3000/api/conversations.list", "slack"),
        ("http://webhook.endpoint:8080/post", "unknown"),
        ("http://localhost:3000/api/things", "unknown"),
    ],
)
def test_detect_service(url: str, service: str) -> None:
    assert detect_service(url) == service


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/v1/users/00u1abcdEFGH2345ijk6/groups", "/api/v1/users/{id}/groups"),
        ("/api/v1/apps/0oa123456abcdefghijklm", "/api/v1/apps/{id}"),
        ("/api/v1/authorizationServers/default/scopes", "/api/v1/authorizationServers/default/scopes"),
        ("/rest/api/2/issue/10042/comment", "/rest/api/2/issue/{id}/comment"),
        ("/rest/api/3/issue/ABC-123", "/rest/api/3/issue/{id}"),
        ("/rest/api/latest/issue/PRJ-7", "/rest/api/latest/issue/{id}"),
        ("/rest/agile/1.0/epic/10010/issue", "/rest/agile/1.0/epic/{id}/issue"),
        ("/rest/servicedeskapi/organization/3", "/rest/servicedeskapi/organization/{id}"),
        ("/items/123e4567-e89b-12d3-a456-426614174000", "/items/{id}"),
        ("/conversations/C012AB3CD/members", "/conversations/{id}/members"),
        ("/api/v1/users/jane.doe@example.com", "/api/v1/users/{id}"),
        ("/api/v1/meta/types/user/testAcc_2938481537_one", "/api/v1/meta/types/user/{id}"),
        ("/api/auth.test", "/api/auth.test"),
        ("/", "/"),
    ],
)
def test_path_template(path: str, template: str) -> None:
    assert path_template(path) == template


def test_endpoint_drops_query_and_uppercases() -> None:
    url = "https://acme.okta.com/api/v1/groups/00g1abcdEFGH2345ijk6/users?limit=2"
    assert endpoint("get", url) == "GET /api/v1/groups/{id}/users"


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        ("2.360291417s", 2360.291417),
        ("1.5ms", 1.5),
        ("850µs", 0.85),
        ("1m2.5s", 62500.0),
        ("", 0.0),
        (None, 0.0),
        (1_500_000, 1.5),
        ("soon", 0.0),
    ],
)
def test_go_duration(value: object, ms: float) -> None:
    assert go_duration_ms(value) == pytest.approx(ms)
