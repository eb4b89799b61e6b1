"""Okta twin under load: get a user, search 10,000 users, client-credentials tokens; each against a
bare FastAPI app answering the same bytes.

    python -m bench.okta_bench [--duration 5] [--repeats 3] [--connections 16] [--profile]

The twin (rate limits off, admin auth off, SQLite file database) is seeded at size 1 and grown in
its seed to 10,000 users (`bench.twin_servers:okta_app`: the seed's own `new_user` rows with
numbered logins; `POST /_twin/seed {"size": 1000}` fails today on a duplicate generated login) and
runs as one uvicorn process pinned with `taskset -c 1`, and so does the bare app; wrk runs under
`taskset -c 0`. Setup: the API token and the service app's client id/secret from
`GET /_twin/credentials`; a custom scope `bench.read` is added to the "default" authorization
server (`POST /api/v1/authorizationServers/{id}/scopes`), since client credentials may not ask for
OIDC scopes and the server has no default scope. Cases:

- `users.get`: `GET /api/v1/users/{id}` of one seeded user (SSWS token).
- `users.search`: `GET /api/v1/users?search=profile.department eq "Engineering"&limit=200`, a full
  200-user page out of ~1,700 matches, evaluated over every user on each request (no cache).
- `token.client_credentials`: `POST /oauth2/default/v1/token` with a form body
  `grant_type=client_credentials&scope=bench.read` and client_secret_basic; each answer is a
  fresh RS256-signed JWT access token.

Per repeat the bare and twin runs alternate. Prints a Markdown table; JSON goes to
bench/out/okta-bench-<stamp>.json (and okta-bench-latest.json).
"""

from __future__ import annotations

import argparse
import base64
import json
from typing import Any
from urllib.parse import urlencode

from bench.harness import http
from bench.twin_servers import Case, add_arguments, run_benchmark

USERS = 10_000
SCOPE = "bench.read"
SEARCH = 'profile.department eq "Engineering"'
FORM = "application/x-www-form-urlencoded"


def api(base: str, auth: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    status, raw = http(method, base + path, data, auth=auth)
    if status >= 300:
        raise RuntimeError(f"{method} {path}: HTTP {status}: {raw[:300]!r}")
    return json.loads(raw) if raw else None


def setup(base: str, creds: dict[str, Any]) -> list[Case]:
    ssws = f"SSWS {creds['api_token']}"
    servers = api(base, ssws, "GET", "/api/v1/authorizationServers")
    server = next(s for s in servers if s["name"] == "default")
    scopes = api(base, ssws, "GET", f"/api/v1/authorizationServers/{server['id']}/scopes")
    if not any(s["name"] == SCOPE for s in scopes):
        scope = {"name": SCOPE, "description": "Benchmark scope", "consent": "IMPLICIT"}
        api(base, ssws, "POST", f"/api/v1/authorizationServers/{server['id']}/scopes", scope)
    search = "/api/v1/users?" + urlencode({"search": SEARCH, "limit": 200})
    page = api(base, ssws, "GET", search)
    if len(page) != 200:
        raise RuntimeError(f"search returned {len(page)} users, want a full page of 200")
    user_id = page[100]["id"]
    basic = base64.b64encode(
        f"{creds['service_app_client_id']}:{creds['service_app_client_secret']}".encode()
    ).decode()
    form = urlencode({"grant_type": "client_credentials", "scope": SCOPE})
    return [
        Case("users.get", "GET", f"/api/v1/users/{user_id}", auth=ssws),
        Case("users.search", "GET", search, auth=ssws),
        Case(
            "token.client_credentials",
            "POST",
            "/oauth2/default/v1/token",
            body=form,
            content_type=FORM,
            auth=f"Basic {basic}",
        ),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.add_argument("--users", type=int, default=USERS, help="users in the twin")
    args = p.parse_args()
    run_benchmark("okta", "okta_app", 1, setup, args, {"BENCH_OKTA_USERS": str(args.users)})


if __name__ == "__main__":
    main()
