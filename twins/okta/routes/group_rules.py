"""/api/v1/groups/rules: group rules and their lifecycle (registered before /groups/{id})."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.kit import Call, Registry
from twins.okta import kit as okta
from twins.okta.backend import group_rules
from twins.okta.backend.group_rules import EXPRESSION_TYPE
from twins.okta.kit import AUTH, pages

READ, MANAGE = "okta.groups.read", "okta.groups.manage"
PREFIX = "/api/v1/groups/rules"
ops = Registry(auth=AUTH, tags=("group rules",))


def render_rule(state: TenantState, row: Row, expand: str = "") -> dict[str, Any]:
    """A GroupRule as Okta returns it; expand=groupIdToGroupNameMap embeds the group names."""
    out: dict[str, Any] = {
        "type": "group_rule",
        "id": row["id"],
        "status": row["status"],
        "name": row["name"],
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "conditions": {
            "people": {"users": {"exclude": list(row["exclude_user_ids"])}, "groups": {"exclude": []}},
            "expression": {"value": row["expression"], "type": EXPRESSION_TYPE},
        },
        "actions": {"assignUserToGroups": {"groupIds": list(row["group_ids"])}},
        "allGroupsValid": bool(row["group_ids"]) and all(state["groups"].get(g) for g in row["group_ids"]),
    }
    if "groupIdToGroupNameMap" in expand.split(","):
        names = {g: (state["groups"].get(g) or {}).get("name") for g in row["group_ids"]}
        out["_embedded"] = {"groupIdToGroupNameMap": {g: n for g, n in names.items() if n is not None}}
    return out


@ops.operation("GET", PREFIX, scope=READ, page=pages(default=50, most=200))
def list_rules(call: Call) -> list[dict[str, Any]]:
    chunk = call.page(group_rules.list_rules(call.state, call.args.get("search")))
    expand = okta.expand(call, ("groupIdToGroupNameMap",))
    return [render_rule(call.state, r, expand) for r in chunk]


@ops.operation("POST", PREFIX, scope=MANAGE, write=True)
def create_rule(call: Call) -> dict[str, Any]:
    row = group_rules.create_rule(call.state, dict(call.require_body()), actor_id=call.caller.subject)
    return render_rule(call.state, row)


@ops.operation("GET", PREFIX + "/{rule_id}", scope=READ)
def get_rule(call: Call) -> dict[str, Any]:
    row = group_rules.get_rule(call.state, call.path["rule_id"])
    return render_rule(call.state, row, okta.expand(call, ("groupIdToGroupNameMap",)))


@ops.operation("PUT", PREFIX + "/{rule_id}", scope=MANAGE, write=True)
def replace_rule(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = group_rules.replace_rule(call.state, call.path["rule_id"], body, actor_id=call.caller.subject)
    return render_rule(call.state, row)


@ops.operation("DELETE", PREFIX + "/{rule_id}", scope=MANAGE, write=True, status=202)
def delete_rule(call: Call) -> dict[str, Any]:
    """Deletes the rule; `removeUsers=true` also removes the users it added."""
    remove = call.args.flag("removeUsers", False)
    group_rules.delete_rule(
        call.state, call.path["rule_id"], remove_users=remove, actor_id=call.caller.subject
    )
    return {}


@ops.operation(
    "POST", PREFIX + "/{rule_id}/lifecycle/activate", scope=MANAGE, write=True, status=204, body="none"
)
def activate_rule(call: Call) -> None:
    group_rules.activate_rule(call.state, call.path["rule_id"], actor_id=call.caller.subject)


@ops.operation(
    "POST", PREFIX + "/{rule_id}/lifecycle/deactivate", scope=MANAGE, write=True, status=204, body="none"
)
def deactivate_rule(call: Call) -> None:
    group_rules.deactivate_rule(call.state, call.path["rule_id"], actor_id=call.caller.subject)
