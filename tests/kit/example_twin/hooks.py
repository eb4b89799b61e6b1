"""Webhooks, Jira-like: registered with the events they want and an owner filter; deliveries are
signed `X-Hub-Signature: sha256=…` and retried on a short schedule (so tests run quickly)."""

from __future__ import annotations

from typing import Any

from tests.kit.example_twin.tasks import BASIC, PREFIXES
from twins._runtime.collection import TenantState
from twins.kit import Call, Delivery, Event, HubSignature, Outbox, Registry, Retry

EVENTS = ("task_created", "task_updated")
webhooks = Registry(auth=BASIC, tags=("webhooks",), prefixes=PREFIXES)


@webhooks.operation("POST", "/webhook", scope="manage:webhooks", write=True, status=201)
def register(call: Call) -> dict[str, Any]:
    """A webhook for `events` (all by default), of one `owner`'s tasks or all."""
    body = call.require_body()
    url = body.text("url", required=True)
    wanted = body.get("events", list(EVENTS))
    if not isinstance(wanted, list) or any(e not in EVENTS for e in wanted):
        raise call.style.invalid("events", f"must be a list of {', '.join(EVENTS)}")
    hook_id = call.ids.next("hook", prefix="W", length=4)
    row = {
        "id": hook_id,
        "url": url,
        "secret": body.text("secret"),
        "events": wanted,
        "owner": body.text("owner"),
    }
    call.state["example_hooks"].insert(row)
    return {"id": hook_id, "events": wanted}


def route(state: TenantState, event: Event) -> list[Delivery]:
    """The deliveries of one event: a signed POST to each hook that wants it."""
    owner = event.payload["task"]["owner"]
    out = []
    for hook in state["example_hooks"]:
        if event.type in hook["events"] and hook["owner"] in ("", owner):
            payload = {"webhookEvent": event.type, **event.payload}
            out.append(
                Delivery.json(hook["id"], hook["url"], payload, secret=hook["secret"], event_id=event.type)
            )
    return out


def outbox(delays: tuple[float, ...] = (0.05, 0.1)) -> Outbox:
    return Outbox(route, HubSignature(), Retry(delays, timeout=2.0))
