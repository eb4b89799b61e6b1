"""Access policies of a custom authorization server, their rules, and how a token request is judged.

Policies and rules are ordered by `priority` (1 first; Okta renumbers them 1..n). A token is
minted only if the first ACTIVE policy that covers the client has an ACTIVE rule matching the
grant type, every requested scope and (for grants with a user) the user or one of the user's
groups; the rule's token lifetimes apply.
"""

from __future__ import annotations

import copy
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta import logs
from twins.okta.backend.authservers import get_server
from twins.okta.common import now_iso, okta_id
from twins.okta.errors import not_found, validation

POLICY_TYPE = "OAUTH_AUTHORIZATION_POLICY"
RULE_TYPE = "RESOURCE_ACCESS"
TOKEN_LIMITS = {  # field: (minimum, maximum) in minutes; refresh lifetime 0 means unlimited
    "accessTokenLifetimeMinutes": (5, 1440),
    "refreshTokenLifetimeMinutes": (0, 5 * 365 * 1440),
    "refreshTokenWindowMinutes": (5, 5 * 365 * 1440),
}
TOKEN_DEFAULTS = {
    "accessTokenLifetimeMinutes": 60,
    "refreshTokenLifetimeMinutes": 0,
    "refreshTokenWindowMinutes": 10080,
}


def _cause(field: str, message: str) -> Exception:
    return validation(field, f"{field}: {message}")


def _object(container: dict[str, Any], key: str, field: str) -> dict[str, Any]:
    """`container[key]` as an object ({} when absent); anything else is a validation error."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _cause(field, "The field must be a JSON object.")
    return value


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _ordered(items: list[dict[str, Any]], moved: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Sort by priority (the moved item first among equals) and renumber 1..n."""
    ranked = sorted(
        enumerate(items),
        key=lambda p: (
            int(p[1].get("priority") or 1 << 30),
            0 if moved and p[1]["id"] == moved["id"] else 1,
            p[0],
        ),
    )
    return [{**item, "priority": n} for n, (_, item) in enumerate(ranked, start=1)]


def _priority(body: dict[str, Any], default: int) -> int:
    value = body.get("priority", default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _cause("priority", "Priority must be a positive integer.")
    return value


def _status(body: dict[str, Any], default: str = "ACTIVE") -> str:
    status = body.get("status") or default
    if status not in ("ACTIVE", "INACTIVE"):
        raise _cause("status", "Invalid status. Valid values are ACTIVE and INACTIVE.")
    return str(status)


def _save(state: TenantState, server: Row, policies: list[dict[str, Any]]) -> None:
    data = {**server["data"], "policies": policies}
    state["auth_servers"].update(server["id"], data=data, last_updated=now_iso(state))


def _emit(state: TenantState, event: str, message: str, item: dict[str, Any], actor_id: str | None) -> None:
    kind = "PolicyRule" if event.startswith("policy.rule") else "Policy"
    target = {
        "id": item["id"],
        "type": kind,
        "alternateId": item["name"],
        "displayName": item["name"],
        "detailEntry": {"policyType": POLICY_TYPE},
    }
    logs.emit(state, event, message, actor_id=actor_id, targets=[target])


# --- policies -----------------------------------------------------------------------------------
def policies(state: TenantState, server_id: str) -> list[dict[str, Any]]:
    return list(get_server(state, server_id)["data"]["policies"])


def get_policy(state: TenantState, server_id: str, policy_id: str) -> dict[str, Any]:
    for policy in policies(state, server_id):
        if policy["id"] == policy_id:
            return policy
    raise not_found(policy_id, "Policy")


def _policy_fields(body: dict[str, Any], default_priority: int) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _cause("name", "The field cannot be left blank.")
    if body.get("type", POLICY_TYPE) != POLICY_TYPE:
        raise _cause("type", f"Invalid policy type. Valid value is {POLICY_TYPE}.")
    clients = _object(_object(body, "conditions", "conditions"), "clients", "conditions.clients")
    include = _strings(clients.get("include")) or ["ALL_CLIENTS"]
    return {
        "status": _status(body),
        "name": name,
        "description": body.get("description") or "",
        "priority": _priority(body, default_priority),
        "conditions": {"clients": {"include": include}},
    }


def create_policy(
    state: TenantState, server_id: str, body: dict[str, Any], *, actor_id: str | None
) -> dict[str, Any]:
    server = get_server(state, server_id)
    current = list(server["data"]["policies"])
    fields = _policy_fields(body, len(current) + 1)
    now = now_iso(state)
    policy = {
        "type": POLICY_TYPE,
        "id": okta_id(state, "policy"),
        **fields,
        "system": False,
        "created": now,
        "lastUpdated": now,
        "rules": [],
    }
    ordered = _ordered([*current, policy], policy)
    _save(state, server, ordered)
    _emit(state, "policy.lifecycle.create", "Add policy", policy, actor_id)
    return next(p for p in ordered if p["id"] == policy["id"])


def replace_policy(
    state: TenantState, server_id: str, policy_id: str, body: dict[str, Any], *, actor_id: str | None
) -> dict[str, Any]:
    server = get_server(state, server_id)
    old = get_policy(state, server_id, policy_id)
    policy = {**old, **_policy_fields(body, old["priority"]), "lastUpdated": now_iso(state)}
    ordered = _ordered([policy if p["id"] == policy_id else p for p in server["data"]["policies"]], policy)
    _save(state, server, ordered)
    _emit(state, "policy.lifecycle.update", "Update policy", policy, actor_id)
    return next(p for p in ordered if p["id"] == policy_id)


def delete_policy(state: TenantState, server_id: str, policy_id: str, *, actor_id: str | None) -> None:
    server = get_server(state, server_id)
    old = get_policy(state, server_id, policy_id)
    _save(state, server, _ordered([p for p in server["data"]["policies"] if p["id"] != policy_id]))
    _emit(state, "policy.lifecycle.delete", "Delete policy", old, actor_id)


def set_policy_status(
    state: TenantState, server_id: str, policy_id: str, active: bool, *, actor_id: str | None
) -> None:
    server = get_server(state, server_id)
    old = get_policy(state, server_id, policy_id)
    policy = {**old, "status": "ACTIVE" if active else "INACTIVE", "lastUpdated": now_iso(state)}
    _save(state, server, [policy if p["id"] == policy_id else p for p in server["data"]["policies"]])
    event = "policy.lifecycle.activate" if active else "policy.lifecycle.deactivate"
    _emit(state, event, "Activate policy" if active else "Deactivate policy", policy, actor_id)


# --- rules --------------------------------------------------------------------------------------
def get_rule(state: TenantState, server_id: str, policy_id: str, rule_id: str) -> dict[str, Any]:
    rules: list[dict[str, Any]] = get_policy(state, server_id, policy_id)["rules"]
    for rule in rules:
        if rule["id"] == rule_id:
            return rule
    raise not_found(rule_id, "PolicyRule")


def _token_actions(body: dict[str, Any]) -> dict[str, Any]:
    given = _object(_object(body, "actions", "actions"), "token", "actions.token")
    token: dict[str, Any] = {}
    for field, (low, high) in TOKEN_LIMITS.items():
        value = given.get(field, TOKEN_DEFAULTS[field])
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (low <= value <= high or (field == "refreshTokenLifetimeMinutes" and value == 0))
        ):
            raise _cause(field, f"The value must be between {low} and {high} minutes.")
        token[field] = value
    if isinstance(given.get("inlineHook"), dict):
        token["inlineHook"] = {"id": given["inlineHook"].get("id")}
    return token


def _rule_fields(body: dict[str, Any], default_priority: int) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _cause("name", "The field cannot be left blank.")
    if body.get("type", RULE_TYPE) != RULE_TYPE:
        raise _cause("type", f"Invalid rule type. Valid value is {RULE_TYPE}.")
    conditions = _object(body, "conditions", "conditions")
    grants = _strings(_object(conditions, "grantTypes", "conditions.grantTypes").get("include"))
    if not grants:
        raise _cause("conditions.grantTypes", "The field cannot be left blank.")
    people = _object(conditions, "people", "conditions.people")
    users = _object(people, "users", "conditions.people.users")
    groups = _object(people, "groups", "conditions.people.groups")
    if not _strings(users.get("include")) and not _strings(groups.get("include")):
        raise _cause("conditions.people", "Either users or groups must be specified.")
    people_out: dict[str, Any] = {"users": {"exclude": _strings(users.get("exclude"))}}
    if _strings(users.get("include")):
        people_out["users"] = {"include": _strings(users.get("include")), **people_out["users"]}
    people_out["groups"] = {"include": _strings(groups.get("include"))}
    scopes = _object(conditions, "scopes", "conditions.scopes")
    return {
        "status": _status(body),
        "name": name,
        "priority": _priority(body, default_priority),
        "conditions": {
            "people": people_out,
            "grantTypes": {"include": grants},
            "scopes": {"include": _strings(scopes.get("include"))},
        },
        "actions": {"token": _token_actions(body)},
    }


def _save_rules(
    state: TenantState, server_id: str, policy: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    server = get_server(state, server_id)
    updated = {**policy, "rules": rules}
    _save(state, server, [updated if p["id"] == policy["id"] else p for p in server["data"]["policies"]])


def create_rule(
    state: TenantState, server_id: str, policy_id: str, body: dict[str, Any], *, actor_id: str | None
) -> dict[str, Any]:
    policy = get_policy(state, server_id, policy_id)
    fields = _rule_fields(body, len(policy["rules"]) + 1)
    now = now_iso(state)
    rule = {
        "type": RULE_TYPE,
        "id": okta_id(state, "policy_rule"),
        **fields,
        "system": False,
        "created": now,
        "lastUpdated": now,
    }
    ordered = _ordered([*policy["rules"], rule], rule)
    _save_rules(state, server_id, policy, ordered)
    _emit(state, "policy.rule.add", "Add policy rule", rule, actor_id)
    return next(r for r in ordered if r["id"] == rule["id"])


def replace_rule(
    state: TenantState,
    server_id: str,
    policy_id: str,
    rule_id: str,
    body: dict[str, Any],
    *,
    actor_id: str | None,
) -> dict[str, Any]:
    policy = get_policy(state, server_id, policy_id)
    old = get_rule(state, server_id, policy_id, rule_id)
    rule = {**old, **_rule_fields(body, old["priority"]), "lastUpdated": now_iso(state)}
    ordered = _ordered([rule if r["id"] == rule_id else r for r in policy["rules"]], rule)
    _save_rules(state, server_id, policy, ordered)
    _emit(state, "policy.rule.update", "Update policy rule", rule, actor_id)
    return next(r for r in ordered if r["id"] == rule_id)


def delete_rule(
    state: TenantState, server_id: str, policy_id: str, rule_id: str, *, actor_id: str | None
) -> None:
    policy = get_policy(state, server_id, policy_id)
    old = get_rule(state, server_id, policy_id, rule_id)
    _save_rules(state, server_id, policy, _ordered([r for r in policy["rules"] if r["id"] != rule_id]))
    _emit(state, "policy.rule.delete", "Delete policy rule", old, actor_id)


def set_rule_status(
    state: TenantState, server_id: str, policy_id: str, rule_id: str, active: bool, *, actor_id: str | None
) -> None:
    policy = get_policy(state, server_id, policy_id)
    old = get_rule(state, server_id, policy_id, rule_id)
    rule = {**old, "status": "ACTIVE" if active else "INACTIVE", "lastUpdated": now_iso(state)}
    _save_rules(state, server_id, policy, [rule if r["id"] == rule_id else r for r in policy["rules"]])
    event = "policy.rule.activate" if active else "policy.rule.deactivate"
    _emit(state, event, "Activate policy rule" if active else "Deactivate policy rule", rule, actor_id)


# --- evaluation ---------------------------------------------------------------------------------
def _covers_user(rule: dict[str, Any], user_id: str, group_ids: set[str]) -> bool:
    people = rule["conditions"]["people"]
    users, groups = people.get("users") or {}, people.get("groups") or {}
    if user_id in users.get("exclude", []) or group_ids & set(groups.get("exclude", [])):
        return False
    return user_id in users.get("include", []) or bool(group_ids & set(groups.get("include", [])))


def evaluate(
    state: TenantState,
    server: Row,
    *,
    client_id: str,
    grant_type: str,
    scopes: list[str],
    user_id: str | None,
) -> dict[str, Any] | None:
    """The token actions of the first matching rule, or None ("Policy evaluation failed")."""
    group_ids: set[str] = set()
    if user_id is not None:
        group_ids = {m["group_id"] for m in state["memberships"].where("user_id", user_id)}
    ordered = sorted(server["data"]["policies"], key=lambda p: p["priority"])
    for policy in ordered:
        include = policy["conditions"]["clients"]["include"]
        if policy["status"] != "ACTIVE" or ("ALL_CLIENTS" not in include and client_id not in include):
            continue
        for rule in sorted(policy["rules"], key=lambda r: r["priority"]):
            allowed = rule["conditions"]["scopes"]["include"]
            if (
                rule["status"] == "ACTIVE"
                and grant_type in rule["conditions"]["grantTypes"]["include"]
                and ("*" in allowed or set(scopes) <= set(allowed))
                and (user_id is None or _covers_user(rule, user_id, group_ids))
            ):
                return copy.deepcopy(dict(rule["actions"]["token"]))
    return None
