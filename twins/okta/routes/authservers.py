"""/api/v1/authorizationServers: servers, lifecycle, scopes, claims, policies and rules, keys.

Also the admin routes under /_twin/okta: POST /keys/rotate?server=default|org|<id> and
GET/POST /oauth/settings ({"twin_login": bool}).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from twins._runtime.admin import Admin, TenantParam, tenant_state
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins.kit import Call, Registry, runtime_of
from twins.okta import keys
from twins.okta.backend import authserver_policies as policies
from twins.okta.backend import authservers
from twins.okta.errors import not_found
from twins.okta.kit import AUTH, pages

READ, MANAGE = "okta.authorizationServers.read", "okta.authorizationServers.manage"
PREFIX = "/api/v1/authorizationServers"
SERVER = PREFIX + "/{server_id}"
ops = Registry(auth=AUTH, tags=("authorizationServers",))


def hinted(href: str, *allow: str) -> dict[str, Any]:
    return {"href": href, "hints": {"allow": list(allow)}}


def render_server(state: TenantState, row: Row, base: str) -> dict[str, Any]:
    pid = authservers.path_id(row)
    me = f"{base}{PREFIX}/{pid}"
    lifecycle = "deactivate" if row["status"] == "ACTIVE" else "activate"
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "audiences": row["audiences"],
        "issuer": f"{base}/oauth2/{pid}",
        "issuerMode": row["issuer_mode"],
        "status": row["status"],
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "credentials": {"signing": authservers.signing_credentials(state, row)},
        "default": bool(row["data"].get("default")),
        "_links": {
            "rotateKey": hinted(f"{me}/credentials/lifecycle/keyRotate", "POST"),
            "metadata": [
                {"name": name, **hinted(f"{base}/oauth2/{pid}/.well-known/{name}", "GET")}
                for name in ("oauth-authorization-server", "openid-configuration")
            ],
            "keys": hinted(f"{me}/credentials/keys", "GET"),
            "claims": hinted(f"{me}/claims", "GET", "POST"),
            "policies": hinted(f"{me}/policies", "GET", "POST"),
            "self": hinted(me, "GET", "DELETE", "PUT"),
            "scopes": hinted(f"{me}/scopes", "GET", "POST"),
            lifecycle: hinted(f"{me}/lifecycle/{lifecycle}", "POST"),
        },
    }


def render_policy(policy: dict[str, Any], me: str) -> dict[str, Any]:
    href = f"{me}/policies/{policy['id']}"
    lifecycle = "deactivate" if policy["status"] == "ACTIVE" else "activate"
    out = {
        k: policy[k]
        for k in (
            "id",
            "status",
            "name",
            "description",
            "priority",
            "system",
            "conditions",
            "created",
            "lastUpdated",
        )
    }
    out["_links"] = {
        "self": hinted(href, "GET", "PUT", "DELETE"),
        "rules": hinted(f"{href}/rules", "GET"),
        lifecycle: hinted(f"{href}/lifecycle/{lifecycle}", "POST"),
    }
    out["type"] = policy["type"]
    return out


def render_rule(rule: dict[str, Any], href: str) -> dict[str, Any]:
    lifecycle = "deactivate" if rule["status"] == "ACTIVE" else "activate"
    out = {
        k: rule[k]
        for k in (
            "id",
            "status",
            "name",
            "priority",
            "created",
            "lastUpdated",
            "system",
            "conditions",
            "actions",
        )
    }
    out["_links"] = {
        "self": hinted(href, "GET", "PUT", "DELETE"),
        lifecycle: hinted(f"{href}/lifecycle/{lifecycle}", "POST"),
    }
    out["type"] = rule["type"]
    return out


def render_key(row: Row, me: str) -> dict[str, Any]:
    jwk = keys.public_jwk(row)
    return {
        "status": row["status"],
        "alg": jwk["alg"],
        "e": jwk["e"],
        "n": jwk["n"],
        "kid": jwk["kid"],
        "kty": jwk["kty"],
        "use": jwk["use"],
        "_links": {"self": hinted(f"{me}/credentials/keys/{row['id']}", "GET")},
    }


def me(call: Call) -> str:
    """The server's own URL (by its path id: `default` for the default server)."""
    row = authservers.get_server(call.state, call.path["server_id"])
    return f"{call.base_url}{PREFIX}/{authservers.path_id(row)}"


def switch(call: Call) -> bool:
    """`lifecycle/activate` (True) or `lifecycle/deactivate` (False); any other is unknown."""
    action = call.path["action"]
    if action not in ("activate", "deactivate"):
        raise not_found(call.url_path, "GenericResource")
    return action == "activate"


# --- servers
@ops.operation("GET", PREFIX, scope=READ, page=pages())
def list_servers(call: Call) -> list[dict[str, Any]]:
    """Servers whose name or an audience starts with `q`."""
    q = call.args.text("q").lower()
    rows = [
        r
        for r in call.state["auth_servers"]
        if not q or r["name"].lower().startswith(q) or any(a.lower().startswith(q) for a in r["audiences"])
    ]
    return [render_server(call.state, r, call.base_url) for r in call.page(rows)]


@ops.operation("POST", PREFIX, scope=MANAGE, write=True, status=201)
def create_server(call: Call) -> dict[str, Any]:
    row = authservers.create_server(call.state, dict(call.require_body()), actor_id=call.caller.subject)
    return render_server(call.state, row, call.base_url)


@ops.operation("GET", SERVER, scope=READ)
def get_server(call: Call) -> dict[str, Any]:
    return render_server(
        call.state, authservers.get_server(call.state, call.path["server_id"]), call.base_url
    )


@ops.operation("PUT", SERVER, scope=MANAGE, write=True)
def replace_server(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = authservers.replace_server(call.state, call.path["server_id"], body, actor_id=call.caller.subject)
    return render_server(call.state, row, call.base_url)


@ops.operation("DELETE", SERVER, scope=MANAGE, write=True, status=204)
def delete_server(call: Call) -> None:
    authservers.delete_server(call.state, call.path["server_id"], actor_id=call.caller.subject)


@ops.operation("POST", SERVER + "/lifecycle/{action}", scope=MANAGE, write=True, status=204, body="none")
def server_lifecycle(call: Call) -> None:
    active = switch(call)
    authservers.set_status(call.state, call.path["server_id"], active, actor_id=call.caller.subject)


# --- keys
@ops.operation("GET", SERVER + "/credentials/keys", scope=READ)
def list_keys(call: Call) -> list[dict[str, Any]]:
    row, href = authservers.get_server(call.state, call.path["server_id"]), me(call)
    return [render_key(k, href) for k in keys.server_keys(call.state, row["id"])]


@ops.operation("GET", SERVER + "/credentials/keys/{kid}", scope=READ)
def get_key(call: Call) -> dict[str, Any]:
    row, href = authservers.get_server(call.state, call.path["server_id"]), me(call)
    key = call.state["keys"].get(call.path["kid"])
    if key is None or key["server_id"] != row["id"]:
        raise not_found(call.path["kid"], "JsonWebKey")
    return render_key(key, href)


@ops.operation("POST", SERVER + "/credentials/lifecycle/keyRotate", scope=MANAGE, write=True)
def rotate(call: Call) -> list[dict[str, Any]]:
    """A new signing key (the body's `use`, optional, must be "sig")."""
    use = call.body.get("use")
    rotated = authservers.rotate_keys(call.state, call.path["server_id"], use, actor_id=call.caller.subject)
    href = me(call)
    return [render_key(k, href) for k in rotated]


# --- policies and rules
POLICY = SERVER + "/policies/{policy_id}"
RULES = POLICY + "/rules"


@ops.operation("GET", SERVER + "/policies", scope=READ)
def list_policies(call: Call) -> list[dict[str, Any]]:
    href = me(call)
    return [render_policy(p, href) for p in policies.policies(call.state, call.path["server_id"])]


@ops.operation("POST", SERVER + "/policies", scope=MANAGE, write=True, status=201)
def create_policy(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    made = policies.create_policy(call.state, call.path["server_id"], body, actor_id=call.caller.subject)
    return render_policy(made, me(call))


@ops.operation("GET", POLICY, scope=READ)
def get_policy(call: Call) -> dict[str, Any]:
    return render_policy(
        policies.get_policy(call.state, call.path["server_id"], call.path["policy_id"]), me(call)
    )


@ops.operation("PUT", POLICY, scope=MANAGE, write=True)
def replace_policy(call: Call) -> dict[str, Any]:
    server_id, policy_id, body = call.path["server_id"], call.path["policy_id"], dict(call.require_body())
    made = policies.replace_policy(call.state, server_id, policy_id, body, actor_id=call.caller.subject)
    return render_policy(made, me(call))


@ops.operation("DELETE", POLICY, scope=MANAGE, write=True, status=204)
def delete_policy(call: Call) -> None:
    policies.delete_policy(
        call.state, call.path["server_id"], call.path["policy_id"], actor_id=call.caller.subject
    )


@ops.operation("POST", POLICY + "/lifecycle/{action}", scope=MANAGE, write=True, status=204, body="none")
def policy_lifecycle(call: Call) -> None:
    on = switch(call)
    server_id, policy_id = call.path["server_id"], call.path["policy_id"]
    policies.set_policy_status(call.state, server_id, policy_id, on, actor_id=call.caller.subject)


def rule_href(call: Call, rule_id: str) -> str:
    return f"{me(call)}/policies/{call.path['policy_id']}/rules/{rule_id}"


@ops.operation("GET", RULES, scope=READ)
def list_policy_rules(call: Call) -> list[dict[str, Any]]:
    found = policies.get_policy(call.state, call.path["server_id"], call.path["policy_id"])["rules"]
    return [render_rule(r, rule_href(call, r["id"])) for r in found]


@ops.operation("POST", RULES, scope=MANAGE, write=True, status=201)
def create_policy_rule(call: Call) -> dict[str, Any]:
    server_id, policy_id, body = call.path["server_id"], call.path["policy_id"], dict(call.require_body())
    made = policies.create_rule(call.state, server_id, policy_id, body, actor_id=call.caller.subject)
    return render_rule(made, rule_href(call, made["id"]))


@ops.operation("GET", RULES + "/{rule_id}", scope=READ)
def get_policy_rule(call: Call) -> dict[str, Any]:
    path = call.path
    rule = policies.get_rule(call.state, path["server_id"], path["policy_id"], path["rule_id"])
    return render_rule(rule, rule_href(call, path["rule_id"]))


@ops.operation("PUT", RULES + "/{rule_id}", scope=MANAGE, write=True)
def replace_policy_rule(call: Call) -> dict[str, Any]:
    path, body = call.path, dict(call.require_body())
    made = policies.replace_rule(
        call.state, path["server_id"], path["policy_id"], path["rule_id"], body, actor_id=call.caller.subject
    )
    return render_rule(made, rule_href(call, path["rule_id"]))


@ops.operation("DELETE", RULES + "/{rule_id}", scope=MANAGE, write=True, status=204)
def delete_policy_rule(call: Call) -> None:
    path = call.path
    policies.delete_rule(
        call.state, path["server_id"], path["policy_id"], path["rule_id"], actor_id=call.caller.subject
    )


@ops.operation(
    "POST", RULES + "/{rule_id}/lifecycle/{action}", scope=MANAGE, write=True, status=204, body="none"
)
def policy_rule_lifecycle(call: Call) -> None:
    on, path = switch(call), call.path
    policies.set_rule_status(
        call.state, path["server_id"], path["policy_id"], path["rule_id"], on, actor_id=call.caller.subject
    )


class OAuthSettings(BaseModel):
    twin_login: bool | None = None


def build_admin_router(ctx: TwinContext) -> APIRouter:
    """/_twin/okta/keys/rotate and /_twin/okta/oauth/settings (admin token required)."""
    router = APIRouter()

    @router.post("/keys/rotate")
    async def rotate_keys(
        request: Request, ctx: Admin, server: str = "default", tenant: TenantParam = None
    ) -> Any:
        state = tenant_state(ctx, request, tenant)
        row = authservers.find_server(state, server)
        if server != keys.ORG and row is None:
            raise AdminError(
                404, "not_found", f"no authorization server {server!r} (use default, org or an id)"
            )
        server_id = row["id"] if row is not None else keys.ORG
        rotated = await runtime_of(ctx).write(  # its System Log events go out as an operation's
            state.id, lambda st, _events: authservers.rotate_keys(st, server_id, "sig", actor_id=None)
        )
        return {"server": server_id, "keys": [{"kid": k["id"], "status": k["status"]} for k in rotated]}

    @router.get("/oauth/settings")
    async def get_settings(request: Request, ctx: Admin, tenant: TenantParam = None) -> Any:
        state = tenant_state(ctx, request, tenant)
        return {"twin_login": bool(state.meta.get("twin_login", True))}

    @router.post("/oauth/settings")
    async def set_settings(
        request: Request, body: OAuthSettings, ctx: Admin, tenant: TenantParam = None
    ) -> Any:
        state = tenant_state(ctx, request, tenant)

        def apply(st: TenantState) -> dict[str, Any]:
            if body.twin_login is not None:
                st.meta["twin_login"] = body.twin_login
                st.mark_dirty()
            return {"twin_login": bool(st.meta.get("twin_login", True))}

        return await ctx.store.run(state.id, apply)

    return router
