"""Small recordings in the vendors' shapes, written as real recording files, for inference tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recorder.trace import Body, Exchange, Request, Response, TraceWriter

ORG = "https://acme.okta.com"
USERS = "/api/v1/users"
GITHUB = "https://api.github.com"
NOT_FOUND = {
    "errorCode": "E0000007",
    "errorSummary": "Not found: Resource not found: {id} (User)",
    "errorLink": "E0000007",
    "errorId": "oaeAbC",
    "errorCauses": [],
}


def exchange(
    host: str,
    method: str,
    path: str,
    status: int,
    body: Any = None,
    sent: Any = None,
    *,
    auth: str = "SSWS REDACTED",
    link: str = "",
) -> Exchange:
    headers = [("Content-Type", "application/json")]
    if link:
        headers.append(("Link", link))
    return Exchange(
        service="okta" if host == ORG else "github",
        request=Request(
            method=method,
            url=host + path,
            headers=[("Authorization", auth)] if auth else [],
            body=Body(text=json.dumps(sent) if sent is not None else ""),
        ),
        response=Response(
            status=status, headers=headers, body=Body(text=json.dumps(body) if body is not None else "")
        ),
    )


def user(
    uid: str, login: str, status: str, first: str = "Ada", updated: str = "2024-01-01T10:00:00.000Z"
) -> Any:
    return {
        "id": uid,
        "status": status,
        "created": "2024-01-01T10:00:00.000Z",
        "lastUpdated": updated,
        "profile": {"firstName": first, "lastName": "Lovelace", "login": login, "email": login},
        "_links": {"self": {"href": f"{ORG}/api/v1/users/{uid}"}},
    }


def okta_session(n: int) -> list[Exchange]:
    """Create (staged, then active), read, search, update, deactivate, delete, read again."""
    uid = f"00u{n}abcdEFGH{n}ijklm{n}"
    login = f"user{n}@example.com"
    sent = {"profile": {"firstName": "Ada", "lastName": "Lovelace", "login": login, "email": login}}
    missing = {**NOT_FOUND, "errorSummary": f"Not found: Resource not found: {uid} (User)"}
    staged = n % 2 == 0
    return [
        exchange(
            ORG,
            "POST",
            "/api/v1/users?activate=false" if staged else "/api/v1/users?activate=true",
            200,
            user(uid, login, "STAGED" if staged else "ACTIVE"),
            sent,
        ),
        exchange(ORG, "GET", f"/api/v1/users/{uid}", 200, user(uid, login, "STAGED" if staged else "ACTIVE")),
        exchange(
            ORG,
            "GET",
            f'/api/v1/users?search=profile.login+eq+"{login}"',
            200,
            [user(uid, login, "ACTIVE")],
            link=f'<{ORG}{USERS}?limit=200>; rel="self", <{ORG}{USERS}?after={uid}&limit=200>; rel="next"',
        ),
        exchange(
            ORG,
            "PUT",
            f"/api/v1/users/{uid}",
            200,
            user(uid, login, "ACTIVE", "Grace", "2024-01-02T10:00:00.000Z"),
            {"profile": {**sent["profile"], "firstName": "Grace"}},
        ),
        exchange(ORG, "GET", f"/api/v1/users/{uid}/roles", 200, []),
        exchange(ORG, "POST", f"/api/v1/users/{uid}/lifecycle/deactivate", 200, {}),
        exchange(ORG, "GET", f"/api/v1/users/{uid}", 200, user(uid, login, "DEPROVISIONED", "Grace")),
        exchange(ORG, "DELETE", f"/api/v1/users/{uid}", 204),
        exchange(ORG, "GET", f"/api/v1/users/{uid}", 404, missing),
        exchange(
            ORG,
            "GET",
            "/api/v1/users/00uNOPE0000NOPE00000",
            401,
            {**NOT_FOUND, "errorCode": "E0000011"},
            auth="",
        ),
    ]


def issue(owner: str, repo: str, number: int, title: str, state: str = "open") -> Any:
    url = f"{GITHUB}/repos/{owner}/{repo}/issues/{number}"
    return {
        "id": 100000 + number * 7,
        "number": number,
        "title": title,
        "state": state,
        "url": url,
        "labels": [{"id": 1, "name": "bug", "color": "f00"}],
        "created_at": "2024-01-01T10:00:00Z",
        "updated_at": "2024-01-01T10:00:00Z",
    }


def github_session(owner: str, repo: str, number: int) -> list[Exchange]:
    base = f"/repos/{owner}/{repo}"
    auth = "token REDACTED"
    repository = {"id": 5, "name": repo, "full_name": f"{owner}/{repo}", "url": f"{GITHUB}{base}"}
    comment = {"id": 900 + number, "body": "hi", "url": f"{GITHUB}{base}/issues/comments/{900 + number}"}
    return [
        exchange(GITHUB, "GET", base, 200, repository, auth=auth),
        exchange(
            GITHUB,
            "POST",
            f"{base}/issues",
            201,
            issue(owner, repo, number, "Bug"),
            {"title": "Bug"},
            auth=auth,
        ),
        exchange(GITHUB, "GET", f"{base}/issues/{number}", 200, issue(owner, repo, number, "Bug"), auth=auth),
        exchange(GITHUB, "POST", f"{base}/issues/{number}/comments", 201, comment, {"body": "hi"}, auth=auth),
        exchange(
            GITHUB,
            "PATCH",
            f"{base}/issues/{number}",
            200,
            issue(owner, repo, number, "Bug", "closed"),
            {"state": "closed"},
            auth=auth,
        ),
        exchange(
            GITHUB, "GET", f"{base}/issues?state=all", 200, [issue(owner, repo, number, "Bug")], auth=auth
        ),
        exchange(
            GITHUB,
            "GET",
            f"{base}/issues/99999",
            404,
            {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
            auth=auth,
        ),
    ]


def write(folder: Path, sessions: dict[str, list[Exchange]]) -> list[Path]:
    """One JSONL recording per session."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, exchanges in sessions.items():
        path = folder / f"{name}.jsonl"
        writer = TraceWriter(path)
        for seq, item in enumerate(exchanges):
            item.seq, item.session = seq, name
            writer.write(item)
        writer.close()
        out.append(path)
    return out
