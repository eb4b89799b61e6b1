"""The outbox on the example twin: signed webhooks, retried on the schedule, sent only once the
write is durable, every attempt in the admin API."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from tests.kit.conftest import ADMIN, Example
from tests.kit.receiver import Receiver
from tests.support.servers import serve_app


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    with serve_app(app) as url:
        yield app, url


async def hook(example: Example, url: str, **body: object) -> None:
    resp = await example.http.post(
        "/rest/api/2/webhook", json={"url": url, "secret": "s3cret", **body}, headers=example.admin
    )
    assert resp.status_code == 201, resp.text


async def test_an_event_is_delivered_signed(example: Example, receiver: tuple[Receiver, str]) -> None:
    app, url = receiver
    await hook(example, f"{url}/hooks", events=["task_created"])
    resp = await example.http.post("/rest/api/2/task", json={"title": "ship it"}, headers=example.admin)
    assert resp.status_code == 201
    await example.runtime.outbox.drain()  # type: ignore[union-attr]
    assert len(app.requests) == 1
    got = app.requests[0]
    assert got.json() == {"webhookEvent": "task_created", "task": resp.json()}
    digest = hmac.new(b"s3cret", got.body, hashlib.sha256).hexdigest()
    assert got.headers["x-hub-signature"] == f"sha256={digest}"


async def test_failures_are_retried_on_the_schedule_and_logged(
    example: Example, receiver: tuple[Receiver, str]
) -> None:
    app, url = receiver
    app.fail = 2
    await hook(example, url)
    await example.http.post("/rest/api/2/task", json={"title": "flaky"}, headers=example.admin)
    await example.runtime.outbox.drain()  # type: ignore[union-attr]
    assert len(app.requests) == 3  # the first try and two retries (the schedule has two)
    log = (await example.http.get("/_twin/example/outbox", headers=ADMIN)).json()
    attempts = log["attempts"]
    assert [(a["attempt"], a["status"], a["http_status"], a["final"]) for a in attempts] == [
        (0, "failed", 500, False),
        (1, "failed", 500, False),
        (2, "delivered", 200, True),
    ]
    assert attempts[1]["retry_reason"] == "http_error" and log["pending"] == 0
    failed = (await example.http.get("/_twin/example/outbox?status=failed", headers=ADMIN)).json()
    assert len(failed["attempts"]) == 2


async def test_filters_pick_the_subscribers(example: Example, receiver: tuple[Receiver, str]) -> None:
    app, url = receiver
    await hook(example, url, owner="U2")  # only the reader's tasks
    await example.http.post("/rest/api/2/task", json={"title": "admin's"}, headers=example.admin)
    await example.http.post("/rest/api/2/task", json={"title": "reader's"}, headers=example.reader)
    await example.runtime.outbox.drain()  # type: ignore[union-attr]
    assert [r.json()["task"]["title"] for r in app.requests] == ["reader's"]


async def test_nothing_is_sent_when_the_write_does_not_become_durable(
    example: Example, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url = receiver
    await hook(example, url)

    async def refuse(ops: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(example.ctx.store.committer, "write", refuse)
    with pytest.raises(OSError):
        await example.http.post("/rest/api/2/task", json={"title": "lost"}, headers=example.admin)
    monkeypatch.undo()
    await example.runtime.outbox.drain()  # type: ignore[union-attr]
    assert app.requests == []
    assert example.runtime.outbox.log.matching("default") == []  # type: ignore[union-attr]


async def test_a_twin_without_an_outbox_says_so(example: Example) -> None:
    example.runtime.outbox = None
    resp = await example.http.get("/_twin/example/outbox", headers=ADMIN)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
