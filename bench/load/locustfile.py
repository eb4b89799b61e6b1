"""Locust users that send the twins the traffic their official SDKs send, across replicas.

Run by `python -m bench.load.run` (which starts the replicas and checks the database afterwards), or
by hand against running twins (headless, or `--master` / `--worker` to go past one machine):

    SLACK_URLS=http://127.0.0.1:8101 TWINS_ADMIN_TOKEN=... LOAD_RUN_ID=r1 \\
        locust -f bench/load/locustfile.py --headless -u 20 -r 10 -t 30s SlackUser

Each request goes to the next replica in `SLACK_URLS` / `OKTA_URLS` (comma-separated), as a
round-robin load balancer would. Every write the twin acknowledged is appended to
`$LOAD_LOG_DIR/<pid>.jsonl`, so `bench/load/check.py` can count it in the database afterwards.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

RUN_ID = os.environ.get("LOAD_RUN_ID", "manual")
ADMIN_TOKEN = os.environ.get("TWINS_ADMIN_TOKEN", "")
SLACK_CHANNELS = ("general", "random")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SDK_AGENT = {"User-Agent": "Python/3.11 slackclient/3.33 Linux"}


class WriteLog:
    """Acknowledged writes of this process, one JSON object a line."""

    def __init__(self) -> None:
        folder = os.environ.get("LOAD_LOG_DIR")
        self.file = None
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.file = (Path(folder) / f"{os.getpid()}.jsonl").open("a", encoding="utf-8")

    def add(self, **entry: Any) -> None:
        if self.file is not None:
            self.file.write(json.dumps(entry) + "\n")
            self.file.flush()


LOG = WriteLog()
USER_NUMBERS = itertools.count()


def replicas(variable: str) -> list[str]:
    urls = [u.strip().rstrip("/") for u in os.environ.get(variable, "").split(",") if u.strip()]
    if not urls:
        raise RuntimeError(f"set {variable} to the twin's base URL(s), comma-separated")
    return urls


class ReplicaUser(FastHttpUser):
    """A user whose requests go round-robin over the replicas of one twin."""

    abstract = True
    urls_variable = ""
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.urls = itertools.cycle(replicas(self.urls_variable))
        self.number = f"{os.getpid()}-{next(USER_NUMBERS)}"  # unique across worker processes
        reply = self.client.get(
            f"{next(self.urls)}/_twin/credentials",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            name="/_twin/credentials",
        )
        self.creds: dict[str, Any] = reply.json()

    def url(self, path: str) -> str:
        return f"{next(self.urls)}{path}"


class SlackUser(ReplicaUser):
    """A bot using slack_sdk's WebClient: posts, reads history, edits, lists (form-encoded POSTs)."""

    urls_variable = "SLACK_URLS"
    host = "http://slack-replicas"

    def on_start(self) -> None:
        super().on_start()
        self.auth = {"Authorization": f"Bearer {self.creds['bot_token']}", **FORM, **SDK_AGENT}
        listed = self.call("conversations.list", {"types": "public_channel", "limit": "200"})
        ids = {c["name"]: c["id"] for c in listed.get("channels", [])}
        self.channels = [ids[name] for name in SLACK_CHANNELS if name in ids]
        for channel in self.channels:  # a bot posts only where it is a member
            self.call("conversations.join", {"channel": channel})
        self.sent = 0
        self.last: tuple[str, str] | None = None

    def call(self, method: str, form: dict[str, str]) -> dict[str, Any]:
        """One Web API call as the SDK makes it; a reply with ok=false counts as a failure."""
        with self.client.post(
            self.url(f"/api/{method}"), data=form, headers=self.auth, name=method, catch_response=True
        ) as reply:
            body: dict[str, Any] = reply.json() if reply.text else {}
            if reply.status_code != 200 or not body.get("ok"):
                reply.failure(f"{reply.status_code} {body.get('error', reply.text[:80])}")
            return body

    @task(6)
    def post_message(self) -> None:
        channel = random.choice(self.channels)
        self.sent += 1
        text = f"load-{RUN_ID} u{self.number} n{self.sent}"
        body = self.call("chat.postMessage", {"channel": channel, "text": text})
        if body.get("ok"):
            LOG.add(kind="message", user=self.number, channel=channel, ts=body["ts"], text=text)
            self.last = (channel, body["ts"])

    @task(3)
    def read_history(self) -> None:
        self.call("conversations.history", {"channel": random.choice(self.channels), "limit": "20"})

    @task(1)
    def edit_last(self) -> None:
        if self.last is not None:
            channel, ts = self.last
            text = f"load-{RUN_ID} u{self.number} edited {ts}"
            if self.call("chat.update", {"channel": channel, "ts": ts, "text": text}).get("ok"):
                LOG.add(kind="edit", user=self.number, channel=channel, ts=ts, text=text)

    @task(1)
    def list_users(self) -> None:
        self.call("users.list", {"limit": "100"})

    @task(1)
    def auth_test(self) -> None:
        self.call("auth.test", {})


class OktaUser(ReplicaUser):
    """An admin using the okta SDK: creates users, puts them in and out of groups, lists and reads."""

    urls_variable = "OKTA_URLS"
    host = "http://okta-replicas"

    def on_start(self) -> None:
        super().on_start()
        self.auth = {
            "Authorization": f"SSWS {self.creds['api_token']}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "okta-sdk-python/2.9 python/3.11 Linux",
        }
        self.groups = [g for g in os.environ.get("LOAD_OKTA_GROUPS", "").split(",") if g]
        self.users: list[str] = []
        self.created = 0

    def request(self, method: str, path: str, name: str, body: Any = None, ok: int = 200) -> Any:
        with self.client.request(
            method, self.url(path), json=body, headers=self.auth, name=name, catch_response=True
        ) as reply:
            if reply.status_code != ok:
                reply.failure(f"{reply.status_code} {reply.text[:120]}")
                return None
            return reply.json() if reply.text else {}

    @task(2)
    def create_user(self) -> None:
        self.created += 1
        login = f"load-{RUN_ID}-u{self.number}-{self.created}@example.com"
        profile = {"firstName": "Load", "lastName": f"U{self.number}", "email": login, "login": login}
        user = self.request("POST", "/api/v1/users?activate=true", "POST /api/v1/users", {"profile": profile})
        if user is not None:
            LOG.add(kind="user", user=self.number, id=user["id"], login=login)
            self.users.append(user["id"])

    @task(3)
    def add_to_group(self) -> None:
        if self.users and self.groups:
            user, group = random.choice(self.users), random.choice(self.groups)
            path = f"/api/v1/groups/{group}/users/{user}"
            if self.request("PUT", path, "PUT /api/v1/groups/{id}/users/{userId}", ok=204) is not None:
                LOG.add(kind="member", user=self.number, op="add", group=group, member=user)

    @task(1)
    def remove_from_group(self) -> None:
        if self.users and self.groups:
            user, group = random.choice(self.users), random.choice(self.groups)
            path = f"/api/v1/groups/{group}/users/{user}"
            if self.request("DELETE", path, "DELETE /api/v1/groups/{id}/users/{userId}", ok=204) is not None:
                LOG.add(kind="member", user=self.number, op="remove", group=group, member=user)

    @task(3)
    def list_users(self) -> None:
        self.request("GET", "/api/v1/users?limit=20", "GET /api/v1/users")

    @task(2)
    def get_user(self) -> None:
        if self.users:
            self.request("GET", f"/api/v1/users/{random.choice(self.users)}", "GET /api/v1/users/{id}")

    @task(1)
    def list_members(self) -> None:
        if self.groups:
            group = random.choice(self.groups)
            self.request("GET", f"/api/v1/groups/{group}/users", "GET /api/v1/groups/{id}/users")


@events.quitting.add_listener
def close_log(**_kwargs: Any) -> None:
    if LOG.file is not None:
        LOG.file.close()
