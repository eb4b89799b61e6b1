"""Event hooks: the management API (official SDK and raw wire), verification and event delivery."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.okta.conftest import make_app
from tests.support.servers import serve_app
from twins.kit import Outbox, runtime_of
from twins.okta import hooks, logs

Scope = dict[str, Any]


class Receiver:
    """An app's event hook endpoint: answers the verification GET, records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.posts_at: list[float] = []  # when each POST came (monotonic seconds)
        self.verify = "echo"  # echo | wrong | error
        self.statuses: deque[int] = deque()  # answers to POSTs, then 200
        self.delays: deque[float] = deque()  # seconds to wait before answering POSTs

    async def __call__(self, scope: Scope, receive: Callable[[], Any], send: Callable[[Any], Any]) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append(
            {"method": scope["method"], "path": scope["path"], "headers": headers, "body": body}
        )
        status, payload = 200, b""
        if scope["method"] == "GET":
            challenge = headers.get("x-okta-verification-challenge", "")
            if self.verify == "error":
                status = 500
            answer = challenge if self.verify == "echo" else "something else"
            payload = json.dumps({"verification": answer}).encode()
        else:
            self.posts_at.append(time.monotonic())
            if self.delays:
                await asyncio.sleep(self.delays.popleft())
            if self.statuses:
                status = self.statuses.popleft()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def posts(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    def events(self) -> list[dict[str, Any]]:
        return [e for r in self.posts() for e in json.loads(r["body"])["data"]["events"]]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    with serve_app(app) as url:
        yield app, f"{url}/okta/events"


@pytest.fixture
async def outbox(okta_app: FastAPI) -> AsyncIterator[Outbox]:
    """The twin's outbox, fast to give up in tests; its workers stopped afterwards."""
    box = hooks.outbox_of(okta_app.state.twin)
    retry = box.retry
    box.retry = replace(retry, timeout=0.5)
    yield box
    box.close()
    box.retry = retry


def attempts(box: Outbox, tenant: str, **fields: Any) -> list[dict[str, Any]]:
    return box.log.matching(tenant, **fields)


def hook_body(uri: str, items: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Provisioning sync",
        "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"] if items is None else items},
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": uri,
                "headers": [{"key": "X-Other-Header", "value": "my-header-value"}],
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": "my-shared-secret"},
            },
        },
        **extra,
    }


async def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def emit(
    app: FastAPI, event_type: str, message: str = "Create okta user", tenant: str = "", **kw: Any
) -> dict[str, Any]:
    """A System Log event in `tenant` (the app's default: this test's org), written as an
    operation's write is (through the kit, whose outbox delivers its events once the write is
    durable)."""
    ctx = app.state.twin
    row = await runtime_of(ctx).write(
        tenant or ctx.settings.default_tenant, lambda st, _events: logs.emit(st, event_type, message, **kw)
    )
    return dict(row["data"])


async def verified_hook(client: httpx.AsyncClient, uri: str, **kw: Any) -> dict[str, Any]:
    created = (await client.post("/api/v1/eventHooks", json=hook_body(uri, **kw))).json()
    response = await client.post(f"/api/v1/eventHooks/{created['id']}/lifecycle/verify")
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- the management API through the official SDK ------------------------------------------------
async def test_sdk_create_get_list_replace_lifecycle_delete(okta_client: Any, receiver: Any) -> None:
    from okta.models import EventHook

    _, uri = receiver
    hook, _, err = await okta_client.create_event_hook(EventHook.from_dict(hook_body(uri)))
    assert err is None
    assert hook.id.startswith("who") and len(hook.id) == 20
    assert hook.status == "ACTIVE"
    assert hook.verification_status == "UNVERIFIED"
    assert hook.events.items == ["user.lifecycle.create"]
    config = hook.channel.config
    assert config.uri == uri and config.method == "POST"
    assert config.auth_scheme.key == "Authorization" and config.auth_scheme.value is None
    assert config.headers[0].key == "X-Other-Header"
    assert hook.links.verify.href.endswith(f"/api/v1/eventHooks/{hook.id}/lifecycle/verify")

    got, _, err = await okta_client.get_event_hook(hook.id)
    assert err is None and got.name == "Provisioning sync"
    listed, _, err = await okta_client.list_event_hooks()
    assert err is None and [h.id for h in listed] == [hook.id]

    changed = hook_body(uri + "/v2", ["user.lifecycle.create", "group.user_membership.add"])
    changed["name"] = "Renamed"
    replaced, _, err = await okta_client.replace_event_hook(hook.id, EventHook.from_dict(changed))
    assert err is None
    assert replaced.name == "Renamed" and replaced.channel.config.uri == uri + "/v2"
    assert replaced.events.items == ["user.lifecycle.create", "group.user_membership.add"]

    inactive, _, err = await okta_client.deactivate_event_hook(hook.id)
    assert err is None and inactive.status == "INACTIVE"
    assert inactive.links.verify is None
    active, _, err = await okta_client.activate_event_hook(hook.id)
    assert err is None and active.status == "ACTIVE"
    await okta_client.deactivate_event_hook(hook.id)

    # 204-typed methods: (None, resp, None) on success, (resp, err) on error.
    assert (await okta_client.delete_event_hook(hook.id))[-1] is None
    _, _, err = await okta_client.get_event_hook(hook.id)
    assert err.status == 404 and err.error_code == "E0000007"
    assert err.error_summary == f"Not found: Resource not found: {hook.id} (EventHook)"


async def test_sdk_verify_success_and_failure(okta_client: Any, receiver: Any, okta_app: FastAPI) -> None:
    from okta.models import EventHook

    app, uri = receiver
    hook, _, _ = await okta_client.create_event_hook(EventHook.from_dict(hook_body(uri)))
    verified, _, err = await okta_client.verify_event_hook(hook.id)
    assert err is None and verified.verification_status == "VERIFIED"
    get = app.requests[-1]
    assert get["method"] == "GET" and get["path"] == "/okta/events"
    assert get["headers"]["authorization"] == "my-shared-secret"
    assert get["headers"]["x-other-header"] == "my-header-value"
    assert get["headers"]["accept"] == "application/json"
    assert get["headers"]["x-okta-verification-challenge"]

    other, _, _ = await okta_client.create_event_hook(EventHook.from_dict(hook_body(uri)))
    app.verify = "wrong"
    _, _, err = await okta_client.verify_event_hook(other.id)
    assert err.status == 400 and err.error_code == "E0000001"
    assert err.error_summary == "Api validation failed: eventHook"
    assert (
        err.error_causes[0]["errorSummary"]
        == "Unable to verify event hook. Hook Provisioning sync execution failed"
    )
    still, _, _ = await okta_client.get_event_hook(other.id)
    assert still.verification_status == "UNVERIFIED"


async def test_sdk_errors(okta_client: Any, receiver: Any) -> None:
    from okta.models import EventHook

    _, uri = receiver
    _, _, err = await okta_client.create_event_hook(
        EventHook.from_dict(hook_body(uri, ["user.lifecycle.create", "user.authentication.verify"]))
    )
    assert err.status == 400 and err.error_code == "E0000001"
    assert [c["errorSummary"] for c in err.error_causes] == [
        "events.items: Event type user.authentication.verify is not eligible for event hooks"
    ]
    hook, _, _ = await okta_client.create_event_hook(EventHook.from_dict(hook_body(uri)))
    err = (await okta_client.delete_event_hook(hook.id))[-1]
    assert err.status == 400 and err.error_code == "E0000001"
    for call in (okta_client.verify_event_hook, okta_client.activate_event_hook, okta_client.get_event_hook):
        _, _, err = await call("who000000000000nope0")
        assert err.error_code == "E0000007"


# --- the wire ----------------------------------------------------------------------------------
async def test_validation_errors(client: httpx.AsyncClient) -> None:
    cases = [
        ({**hook_body("https://example.com/hook"), "name": ""}, "name: The field cannot be left blank"),
        (hook_body("ftp://example.com/hook"), "channel.config.uri: The URI is not valid"),
        (hook_body("https://example.com/hook", []), "events.items: The field cannot be left blank"),
        ({"name": "x", "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"]}}, None),
    ]
    for body, cause in cases:
        response = await client.post("/api/v1/eventHooks", json=body)
        assert response.status_code == 400, body
        error = response.json()
        assert error["errorCode"] == "E0000001"
        if cause:
            assert error["errorCauses"] == [{"errorSummary": cause}]
    response = await client.post(
        "/api/v1/eventHooks", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["errorCode"] == "E0000003"
    assert (await client.get("/api/v1/eventHooks")).json() == []


async def test_wire_shape_and_secret_kept_on_replace(client: httpx.AsyncClient, receiver: Any) -> None:
    app, uri = receiver
    hook = await verified_hook(client, uri)
    assert set(hook) == {
        "id", "status", "verificationStatus", "name", "description", "created", "createdBy",
        "lastUpdated", "events", "channel", "_links",
    }  # fmt: skip
    assert hook["events"] == {"type": "EVENT_TYPE", "items": ["user.lifecycle.create"], "filter": None}
    assert "value" not in hook["channel"]["config"]["authScheme"]
    assert list(hook["_links"]) == ["self", "verify", "deactivate"]
    # The same channel again (the secret omitted): still verified, and the secret is still sent.
    body = hook_body(uri, ["user.lifecycle.create", "user.lifecycle.activate"])
    del body["channel"]["config"]["authScheme"]["value"]
    replaced = (await client.put(f"/api/v1/eventHooks/{hook['id']}", json=body)).json()
    assert replaced["verificationStatus"] == "VERIFIED"
    await client.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    assert app.requests[-1]["headers"]["authorization"] == "my-shared-secret"
    # A new URI must be verified again; PUT may also set the status.
    moved = (
        await client.put(
            f"/api/v1/eventHooks/{hook['id']}", json={**hook_body(uri + "/new"), "status": "INACTIVE"}
        )
    ).json()
    assert moved["verificationStatus"] == "UNVERIFIED" and moved["status"] == "INACTIVE"
    assert list(moved["_links"]) == ["activate", "self", "delete"]
    # Bodyless lifecycle POSTs as the SDK sends them.
    response = await client.post(
        f"/api/v1/eventHooks/{hook['id']}/lifecycle/activate",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200 and response.json()["status"] == "ACTIVE"


async def test_management_leaves_system_log_events(client: httpx.AsyncClient, receiver: Any) -> None:
    _, uri = receiver
    hook = await verified_hook(client, uri)
    await client.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate")
    await client.delete(f"/api/v1/eventHooks/{hook['id']}")
    events = (await client.get("/api/v1/logs", params={"filter": 'target.type eq "EventHook"'})).json()
    assert [e["eventType"] for e in events] == [
        "event_hook.created",
        "event_hook.verified",
        "event_hook.deactivated",
        "event_hook.deleted",
    ]
    assert events[0]["target"][0]["id"] == hook["id"]
    assert events[0]["actor"]["id"] == hook["createdBy"]


# --- delivery ----------------------------------------------------------------------------------
async def test_delivers_subscribed_events_in_okta_envelope(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    app, uri = receiver
    hook = await verified_hook(client, uri)
    await emit(okta_app, "group.user_membership.add", "Add user to group membership")
    event = await emit(okta_app, "user.lifecycle.create")
    await wait_for(lambda: len(app.posts()) == 1)
    post = app.posts()[0]
    assert post["path"] == "/okta/events"
    assert post["headers"]["content-type"] == "application/json"
    assert post["headers"]["authorization"] == "my-shared-secret"
    assert post["headers"]["x-other-header"] == "my-header-value"
    body = json.loads(post["body"])
    assert body["eventType"] == "com.okta.event_hook"
    assert body["eventTypeVersion"] == "1.0" and body["cloudEventsVersion"] == "0.1"
    assert body["contentType"] == "application/json"
    assert body["source"] == f"http://testserver/api/v1/eventHooks/{hook['id']}"
    assert body["eventId"] and body["eventTime"].endswith("Z")
    assert body["data"]["events"] == [event]
    logged = (
        await client.get("/api/v1/logs", params={"filter": 'eventType eq "user.lifecycle.create"'})
    ).json()
    assert logged == [event]
    await asyncio.sleep(0.2)
    assert len(app.posts()) == 1  # the membership event has no subscriber

    records = (await client.get("/_twin/okta/hook-deliveries", params={"kind": "event"})).json()
    [record] = records["deliveries"]
    assert record["status"] == "delivered" and record["final"] and record["http_status"] == 200
    assert record["uuids"] == [event["uuid"]] and record["hook_id"] == hook["id"]
    assert records["pending"] == 0


async def test_only_active_verified_hooks_receive(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    app, uri = receiver
    await client.post("/api/v1/eventHooks", json=hook_body(uri))  # never verified
    inactive = await verified_hook(client, uri)
    await client.post(f"/api/v1/eventHooks/{inactive['id']}/lifecycle/deactivate")
    await emit(okta_app, "user.lifecycle.create")
    await asyncio.sleep(0.4)
    assert app.posts() == []
    await client.post(f"/api/v1/eventHooks/{inactive['id']}/lifecycle/activate")
    event = await emit(okta_app, "user.lifecycle.create")
    await wait_for(lambda: len(app.posts()) == 1)
    assert app.events() == [event]


async def test_order_kept_and_retry_once_on_5xx(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    app, uri = receiver
    await verified_hook(client, uri, items=["user.lifecycle.create", "user.lifecycle.activate"])
    app.statuses.extend([503])
    sent = []
    for n in range(5):
        sent.append(await emit(okta_app, "user.lifecycle.create" if n % 2 else "user.lifecycle.activate"))
        await asyncio.sleep(0.06 if n == 0 else 0)
    await wait_for(lambda: len({e["uuid"] for e in app.events()}) == 5)
    seen = list(dict.fromkeys(e["uuid"] for e in app.events()))
    assert seen == [e["uuid"] for e in sent]
    records = (await client.get("/_twin/okta/hook-deliveries", params={"kind": "event"})).json()["deliveries"]
    assert (
        records[0]["status"] == "failed" and records[0]["error"] == "http_error" and not records[0]["final"]
    )
    assert records[1]["attempt"] == 1 and records[1]["status"] == "delivered"
    assert records[1]["event_id"] == records[0]["event_id"]


async def test_final_failure_is_logged_and_4xx_not_retried(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    app, uri = receiver
    hook = await verified_hook(client, uri)
    app.statuses.extend([500, 500, 401])
    await emit(okta_app, "user.lifecycle.create")
    await wait_for(lambda: len(app.posts()) == 2)
    await emit(okta_app, "user.lifecycle.create")
    await wait_for(lambda: len(app.posts()) == 3)

    def failures() -> list[dict[str, Any]]:
        logged = attempts(outbox, okta_tenant, kind="event")
        return [r for r in logged if r["final"] and r["status"] == "failed"]

    await wait_for(lambda: len(failures()) == 2)
    assert [r["http_status"] for r in failures()] == [500, 401]
    await asyncio.sleep(0.2)
    assert len(app.posts()) == 3  # no retry after the 401
    logged = (
        await client.get("/api/v1/logs", params={"filter": 'eventType eq "event_hook.delivery"'})
    ).json()
    assert [e["outcome"]["result"] for e in logged] == ["FAILURE", "FAILURE"]
    assert logged[0]["target"][0]["id"] == hook["id"]
    assert logged[0]["outcome"]["reason"] == "Hook execution failed: http_error (HTTP 500)"


async def test_timeout_is_retried(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    app, uri = receiver
    await verified_hook(client, uri)
    app.delays.append(1.0)  # longer than the (test) timeout of 0.5 s
    event = await emit(okta_app, "user.lifecycle.create")
    await wait_for(
        lambda: any(r["status"] == "delivered" for r in attempts(outbox, okta_tenant, kind="event"))
    )
    first, second = attempts(outbox, okta_tenant, kind="event")
    assert first["error"] == "timeout" and second["attempt"] == 1
    assert app.events()[-1] == event


async def test_verification_retried_once_on_error(client: httpx.AsyncClient, receiver: Any) -> None:
    app, uri = receiver
    app.verify = "error"
    hook = (await client.post("/api/v1/eventHooks", json=hook_body(uri))).json()
    response = await client.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    assert response.status_code == 400
    gets = [r for r in app.requests if r["method"] == "GET"]
    assert len(gets) == 2
    records = (await client.get("/_twin/okta/hook-deliveries", params={"kind": "verification"})).json()
    assert [(r["attempt"], r["http_status"], r["final"]) for r in records["deliveries"]] == [
        (0, 500, False),
        (1, 500, True),
    ]
    logged = (
        await client.get("/api/v1/logs", params={"filter": 'eventType eq "event_hook.verified"'})
    ).json()
    assert logged[0]["outcome"]["result"] == "FAILURE"


async def test_changed_channel_stops_delivery_until_verified(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    app, uri = receiver
    hook = await verified_hook(client, uri)
    await client.put(f"/api/v1/eventHooks/{hook['id']}", json=hook_body(uri + "/moved"))
    await emit(okta_app, "user.lifecycle.create")
    await asyncio.sleep(0.3)
    assert app.posts() == []
    await client.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    await emit(okta_app, "user.lifecycle.create")
    await wait_for(lambda: len(app.posts()) == 1)
    assert app.posts()[0]["path"] == "/okta/events/moved"


async def test_tenants_are_isolated(receiver: Any) -> None:
    app, uri = receiver
    okta = make_app()
    ctx = okta.state.twin
    try:
        transport = httpx.ASGITransport(app=okta)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin:
            assert (await admin.post("/_twin/tenants", json={"id": "org2"})).status_code == 201
            tokens = {}
            for tenant in ("default", "org2"):
                creds = (await admin.get("/_twin/credentials", params={"tenant": tenant})).json()
                tokens[tenant] = creds["api_token"]
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"Authorization": f"SSWS {tokens['default']}"},
        ) as client:
            await verified_hook(client, uri)
        other = await emit(okta, "user.lifecycle.create", tenant="org2")
        mine = await emit(okta, "user.lifecycle.create")
        await wait_for(lambda: len(app.posts()) == 1)
        await asyncio.sleep(0.2)
        assert [e["uuid"] for e in app.events()] == [mine["uuid"]]
        assert other["uuid"] != mine["uuid"]
    finally:
        runtime_of(ctx).stop()
        ctx.store.stop()


async def test_outbox_stops_with_the_app_lifespan(receiver: Any) -> None:
    okta = make_app()
    ctx = okta.state.twin
    async with okta.router.lifespan_context(okta):
        box = hooks.outbox_of(ctx)
        assert runtime_of(ctx).extensions.get(Outbox) is box
    assert not runtime_of(ctx).extensions.started
    ctx.store.stop()


async def test_failed_delivery_is_retried_on_the_schedule_and_logged(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    """A 5xx is retried after the schedule's pause (Okta: once, at once; here after 0.3 s), and
    both attempts are in the attempt log of the admin API."""
    app, uri = receiver
    hook = await verified_hook(client, uri)
    outbox.retry = replace(outbox.retry, delays=(0.3,))
    app.statuses.extend([502])
    event = await emit(okta_app, "user.lifecycle.create")
    await outbox.drain()
    assert len(app.posts()) == 2
    view = (await client.get("/_twin/okta/outbox")).json()
    first, second = [a for a in view["attempts"] if a["kind"] == "event"]
    assert [(a["attempt"], a["http_status"], a["status"], a["final"]) for a in (first, second)] == [
        (0, 502, "failed", False),
        (1, 200, "delivered", True),
    ]
    assert second["retry_reason"] == "http_error" and second["event_id"] == first["event_id"]
    assert first["hook_id"] == hook["id"] and first["uuids"] == [event["uuid"]]
    assert second["sent_at"] >= first["sent_at"]
    assert app.posts()[1]["body"] == app.posts()[0]["body"]  # the same request again
    assert app.posts_at[1] - app.posts_at[0] >= 0.3
    deliveries = (await client.get("/_twin/okta/hook-deliveries", params={"kind": "event"})).json()
    assert [d["id"] for d in deliveries["deliveries"]] == [first["id"], second["id"]]
    assert deliveries["pending"] == 0
    logged = (
        await client.get("/api/v1/logs", params={"filter": 'eventType eq "event_hook.delivery"'})
    ).json()
    assert logged == []  # delivered in the end: no failure in the System Log


async def test_reload_and_restore_neither_repeat_nor_lose_events(
    client: httpx.AsyncClient, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    app, uri = receiver
    ctx = okta_app.state.twin
    await verified_hook(client, uri)

    async def deliver(message: str) -> None:
        count = len(app.events())
        await emit(okta_app, "user.lifecycle.create", message)
        await wait_for(lambda: len(app.events()) == count + 1)

    await deliver("before the snapshot")
    assert (await client.post("/_twin/snapshot", json={"name": "s1"})).status_code == 201
    await deliver("after the snapshot")
    assert (await client.post("/_twin/restore", json={"name": "s1"})).status_code == 200
    await deliver("after the restore")
    ctx.store._reload(okta_tenant)  # the tenant read back from the database: same history
    await deliver("after the reload")
    await asyncio.sleep(0.3)
    assert [e["displayMessage"] for e in app.events()] == [
        "before the snapshot",
        "after the snapshot",
        "after the restore",
        "after the reload",
    ]


async def test_end_to_end_over_http_with_the_sdk(
    okta_client: Any, org_url: str, receiver: Any, okta_app: FastAPI, outbox: Outbox, okta_tenant: str
) -> None:
    """An app registers and verifies its hook with the SDK, then a user made through the API
    arrives at the hook (the worker runs on the server's loop)."""
    from okta import models as m

    app, uri = receiver
    body = hook_body(uri, ["user.lifecycle.create", "user.lifecycle.activate"])
    hook, _, err = await okta_client.create_event_hook(m.EventHook.from_dict(body))
    assert err is None
    _, _, err = await okta_client.verify_event_hook(hook.id)
    assert err is None
    profile = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "login": "ada@example.com",
    }
    user, _, err = await okta_client.create_user(
        m.CreateUserRequest(profile=m.UserProfile.from_dict(profile)), activate=True
    )
    assert err is None
    await wait_for(lambda: {e["eventType"] for e in app.events()} >= {"user.lifecycle.create"})
    created = next(e for e in app.events() if e["eventType"] == "user.lifecycle.create")
    assert created["target"][0]["id"] == user.id
    body_source = json.loads(app.posts()[0]["body"])["source"]
    assert body_source == f"{org_url}/api/v1/eventHooks/{hook.id}"
