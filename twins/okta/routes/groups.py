"""/api/v1/groups: groups, their members and their apps (operations on the twin kit)."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.kit import Call, Registry
from twins.okta import kit as okta
from twins.okta import schemas, user_json
from twins.okta.backend import apps, groups
from twins.okta.kit import AUTH, pages
from twins.okta.routes.apps import render_app

READ, MANAGE = "okta.groups.read", "okta.groups.manage"
ops = Registry(auth=AUTH, tags=("groups",))


def render_group(state: TenantState, row: Row, base: str, expand: str = "") -> dict[str, Any]:
    """A Group; with expand=stats, `_embedded.stats` counts its users and apps."""
    out = schemas.group(row, base)
    if "stats" in expand.split(","):
        out["_embedded"] = {"stats": groups.stats(state, row)}
        out["_links"]["stats"] = {"href": f"{base}/api/v1/groups/{row['id']}/stats"}
    return out


@ops.operation("GET", "/api/v1/groups", scope=READ, page=pages(default=10000, most=10000))
def list_groups(call: Call) -> list[dict[str, Any]]:
    """Groups by `q`, `filter` or `search`, sorted as asked."""
    chunk = call.page(groups.list_groups(call.state, call.args))
    expand = okta.expand(call, ("stats",), known=("app",), several=True)
    return [render_group(call.state, g, call.base_url, expand) for g in chunk]


@ops.operation("POST", "/api/v1/groups", scope=MANAGE, write=True)
def add_group(call: Call) -> dict[str, Any]:
    row = groups.create_group(call.state, dict(call.require_body()), actor_id=call.caller.subject)
    return render_group(call.state, row, call.base_url)


@ops.operation("GET", "/api/v1/groups/{group_id}", scope=READ)
def get_group(call: Call) -> dict[str, Any]:
    row = groups.get_group(call.state, call.path["group_id"])
    return render_group(
        call.state, row, call.base_url, okta.expand(call, ("stats",), known=("app",), several=True)
    )


@ops.operation("PUT", "/api/v1/groups/{group_id}", scope=MANAGE, write=True)
def replace_group(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = groups.replace_group(call.state, call.path["group_id"], body, actor_id=call.caller.subject)
    return render_group(call.state, row, call.base_url)


@ops.operation("DELETE", "/api/v1/groups/{group_id}", scope=MANAGE, write=True, status=204)
def delete_group(call: Call) -> None:
    groups.delete_group(call.state, call.path["group_id"], actor_id=call.caller.subject)


@ops.operation("GET", "/api/v1/groups/{group_id}/users", scope=READ, page=pages(default=1000, most=10000))
def list_group_users(call: Call) -> bytes:
    """The group's members, rendered from the users' render cache."""
    groups.get_group(call.state, call.path["group_id"])
    chunk = call.page(groups.members(call.state, call.path["group_id"]))
    return user_json.users(call.state, chunk, call.base_url)


@ops.operation(
    "PUT", "/api/v1/groups/{group_id}/users/{user_id}", scope=MANAGE, write=True, status=204, body="none"
)
def assign_user(call: Call) -> None:
    group_id, user_id = call.path["group_id"], call.path["user_id"]
    groups.assign_user(call.state, group_id, user_id, actor_id=call.caller.subject)


@ops.operation("DELETE", "/api/v1/groups/{group_id}/users/{user_id}", scope=MANAGE, write=True, status=204)
def unassign_user(call: Call) -> None:
    group_id, user_id = call.path["group_id"], call.path["user_id"]
    groups.unassign_user(call.state, group_id, user_id, actor_id=call.caller.subject)


@ops.operation("GET", "/api/v1/groups/{group_id}/apps", scope=READ, page=pages(default=20, most=200))
def list_group_apps(call: Call) -> list[dict[str, Any]]:
    groups.get_group(call.state, call.path["group_id"])
    chunk = call.page(apps.apps_for_group(call.state, call.path["group_id"]))
    return [render_app(call.state, a, call.base_url) for a in chunk]
