"""Slack twin under load: `chat.postMessage` and `conversations.history` against a bare FastAPI app.

    python -m bench.slack_bench [--duration 5] [--repeats 3] [--connections 16] [--profile]

The twin (rate limits off, admin auth off, SQLite file database, seed size 1) runs as one uvicorn
process pinned with `taskset -c 1`, and so does the bare app; wrk runs under `taskset -c 0`.
Setup: the bot token from `GET /_twin/credentials`; #engineering (the bot is a member) is filled
to exactly 100 messages through `chat.postMessage`. Cases:

- `chat.postMessage`: `POST /api/chat.postMessage` with a JSON body `{"channel": <#general id>,
  "text": ...}` and the bot token; every request stores a new message.
- `conversations.history`: `GET /api/conversations.history?channel=<#engineering id>&limit=100`,
  i.e. the whole 100-message channel per request.

The bare app answers each route with the bytes the twin returned for that request (captured once
before the load). Per repeat the bare and twin runs alternate. Prints a Markdown table; JSON goes to
bench/out/slack-bench-<stamp>.json (and slack-bench-latest.json).
"""

from __future__ import annotations

import argparse
import json
from typing import Any
from urllib.parse import urlencode

from bench.harness import http
from bench.twin_servers import Case, add_arguments, run_benchmark

HISTORY_SIZE = 100


def call(base: str, token: str, method: str, **args: Any) -> dict[str, Any]:
    status, raw = http("POST", f"{base}/api/{method}", json.dumps(args).encode(), auth=f"Bearer {token}")
    body: dict[str, Any] = json.loads(raw)
    if status != 200 or not body.get("ok"):
        raise RuntimeError(f"{method}: HTTP {status}: {raw[:300]!r}")
    return body


def setup(base: str, creds: dict[str, Any]) -> list[Case]:
    token = str(creds["bot_token"])
    channels = call(base, token, "conversations.list", limit=200)["channels"]
    ids = {c["name"]: c["id"] for c in channels}
    general, history = ids["general"], ids["engineering"]
    have = len(call(base, token, "conversations.history", channel=history, limit=1000)["messages"])
    for i in range(have, HISTORY_SIZE):
        call(base, token, "chat.postMessage", channel=history, text=f"history message {i}: build green")
    count = len(call(base, token, "conversations.history", channel=history, limit=1000)["messages"])
    if count != HISTORY_SIZE:
        raise RuntimeError(f"#engineering has {count} messages, want {HISTORY_SIZE}")
    auth = f"Bearer {token}"
    post = json.dumps({"channel": general, "text": "Deploy finished: api v2.3.1 is live"})
    query = urlencode({"channel": history, "limit": HISTORY_SIZE})
    return [
        Case("chat.postMessage", "POST", "/api/chat.postMessage", body=post, auth=auth),
        Case("conversations.history", "GET", f"/api/conversations.history?{query}", auth=auth),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    args = p.parse_args()
    run_benchmark("slack", "slack_app", 1, setup, args)


if __name__ == "__main__":
    main()
