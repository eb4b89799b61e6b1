"""Event Hooks API: /api/v1/eventHooks — register, replace, lifecycle, one-time verification."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.kit import Call, Registry, Reply
from twins.okta import hooks
from twins.okta.backend import eventhooks as backend
from twins.okta.kit import AUTH

READ = "okta.eventHooks.read"
MANAGE = "okta.eventHooks.manage"
POST_HINT = {"allow": ["POST"]}
HOOK = "/api/v1/eventHooks/{hook_id}"
ops = Registry(auth=AUTH, tags=("eventHooks",))


def render(row: Row, base: str) -> dict[str, Any]:
    """An EventHook as Okta returns it: the auth secret is write-only."""
    href = f"{base}/api/v1/eventHooks/{row['id']}"
    config = dict(row["channel"].get("config", {}))
    if "authScheme" in config:
        config["authScheme"] = {k: v for k, v in config["authScheme"].items() if k != "value"}
    links: dict[str, Any]
    if row["status"] == "ACTIVE":
        links = {
            "self": {"href": href},
            "verify": {"href": f"{href}/lifecycle/verify", "hints": POST_HINT},
            "deactivate": {"href": f"{href}/lifecycle/deactivate", "hints": POST_HINT},
        }
    else:
        links = {
            "activate": {"href": f"{href}/lifecycle/activate", "hints": POST_HINT},
            "self": {"href": href},
            "delete": {"href": href, "hints": {"allow": ["DELETE"]}},
        }
    return {
        "id": row["id"],
        "status": row["status"],
        "verificationStatus": row["verification_status"],
        "name": row["name"],
        "description": row["description"],
        "created": row["created"],
        "createdBy": row["created_by"] or None,
        "lastUpdated": row["last_updated"],
        "events": {"type": "EVENT_TYPE", "items": list(row["events"]), "filter": row["filter"] or None},
        "channel": {"type": "HTTP", "version": row["channel"].get("version", "1.0.0"), "config": config},
        "_links": links,
    }


async def watch(call: Call) -> None:
    """The org URL the hooks of this org see as their `source`: the one their management uses."""
    hooks.router_of(call).base_urls[call.state.id] = call.base_url


async def verify_hook(call: Call) -> bool:
    """The one-time verification request to the hook (I/O, before the write records it)."""
    hook = backend.get_hook(call.state, call.path["hook_id"])
    await watch(call)
    return await hooks.verify(hooks.outbox_of(call), call.state, hook)


@ops.operation("GET", "/api/v1/eventHooks", scope=READ)
def list_hooks(call: Call) -> list[dict[str, Any]]:
    return [render(r, call.base_url) for r in call.state["event_hooks"]]


@ops.operation("POST", "/api/v1/eventHooks", scope=MANAGE, write=True, before=watch)
def create_hook(call: Call) -> dict[str, Any]:
    row = backend.create_hook(call.state, dict(call.require_body()), actor_id=call.caller.subject)
    return render(row, call.base_url)


@ops.operation("GET", HOOK, scope=READ)
def get_hook(call: Call) -> dict[str, Any]:
    return render(backend.get_hook(call.state, call.path["hook_id"]), call.base_url)


@ops.operation("PUT", HOOK, scope=MANAGE, write=True, before=watch)
def replace_hook(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = backend.replace_hook(call.state, call.path["hook_id"], body, actor_id=call.caller.subject)
    return render(row, call.base_url)


@ops.operation("DELETE", HOOK, scope=MANAGE, write=True, status=204)
def delete_hook(call: Call) -> None:
    backend.delete_hook(call.state, call.path["hook_id"], actor_id=call.caller.subject)


def _set_status(call: Call, status: str) -> dict[str, Any]:
    row = backend.set_status(call.state, call.path["hook_id"], status, actor_id=call.caller.subject)
    return render(row, call.base_url)


@ops.operation("POST", HOOK + "/lifecycle/activate", scope=MANAGE, write=True, body="none", before=watch)
def activate(call: Call) -> dict[str, Any]:
    return _set_status(call, "ACTIVE")


@ops.operation("POST", HOOK + "/lifecycle/deactivate", scope=MANAGE, write=True, body="none", before=watch)
def deactivate(call: Call) -> dict[str, Any]:
    return _set_status(call, "INACTIVE")


@ops.operation("POST", HOOK + "/lifecycle/verify", scope=MANAGE, write=True, body="none", before=verify_hook)
def verify(call: Call) -> Reply:
    """Records the outcome of the verification request; a failed one is refused once recorded."""
    ok = bool(call.fetched)
    row = backend.record_verification(call.state, call.path["hook_id"], ok, actor_id=call.caller.subject)
    if not ok:
        return Reply(error=backend.verification_failed(row))
    return Reply(render(row, call.base_url))
