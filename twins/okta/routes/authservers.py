"""/api/v1/authorizationServers: servers, lifecycle, scopes, claims, policies and rules, keys.

Also the admin routes under /_twin/okta: POST /keys/rotate?server=default|org|<id> and
GET/POST /oauth/settings ({"twin_login": bool}).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from twins._runtime.admin import Admin, TenantParam, tenant_state
from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins._runtime.errors import AdminError
from twins.okta import keys
from twins.okta.backend import authserver_policies as policies
from twins.okta.backend import authservers
from twins.okta.common import authenticate, base_url, page, read_json, respond
from twins.okta.errors import not_found

READ, MANAGE = "okta.authorizationServers.read", "okta.authorizationServers.manage"
PREFIX = "/api/v1/authorizationServers"


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


def build_router(ctx: TwinContext) -> APIRouter:
    router = APIRouter(tags=["authorizationServers"])

    def me(request: Request, state: TenantState, server_id: str) -> str:
        row = authservers.get_server(state, server_id)
        return f"{base_url(request)}{PREFIX}/{authservers.path_id(row)}"

    async def write(request: Request, fn: Any) -> Any:
        return await ctx.run(request, fn)

    # --- servers
    @router.get(PREFIX)
    async def list_servers(request: Request) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        q = (request.query_params.get("q") or "").lower()
        rows = [
            r
            for r in state["auth_servers"]
            if not q
            or r["name"].lower().startswith(q)
            or any(a.lower().startswith(q) for a in r["audiences"])
        ]
        chunk, headers = page(request, rows)
        return respond([render_server(state, r, base_url(request)) for r in chunk], headers=headers)

    @router.post(PREFIX)
    async def create_server(request: Request) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await write(request, lambda st: authservers.create_server(st, body, actor_id=caller.user_id))
        return respond(render_server(ctx.state(request), row, base_url(request)), 201)

    @router.get(PREFIX + "/{server_id}")
    async def get_server(request: Request, server_id: str) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        return respond(render_server(state, authservers.get_server(state, server_id), base_url(request)))

    @router.put(PREFIX + "/{server_id}")
    async def replace_server(request: Request, server_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await write(
            request, lambda st: authservers.replace_server(st, server_id, body, actor_id=caller.user_id)
        )
        return respond(render_server(ctx.state(request), row, base_url(request)))

    @router.delete(PREFIX + "/{server_id}")
    async def delete_server(request: Request, server_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        await write(request, lambda st: authservers.delete_server(st, server_id, actor_id=caller.user_id))
        return respond(None, 204)

    @router.post(PREFIX + "/{server_id}/lifecycle/{action}")
    async def lifecycle(request: Request, server_id: str, action: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        if action not in ("activate", "deactivate"):
            raise not_found(request.url.path, "GenericResource")
        active = action == "activate"
        await write(
            request, lambda st: authservers.set_status(st, server_id, active, actor_id=caller.user_id)
        )
        return respond(None, 204)

    # --- keys
    @router.get(PREFIX + "/{server_id}/credentials/keys")
    async def list_keys(request: Request, server_id: str) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        row, href = authservers.get_server(state, server_id), me(request, state, server_id)
        return respond([render_key(k, href) for k in keys.server_keys(state, row["id"])])

    @router.get(PREFIX + "/{server_id}/credentials/keys/{kid}")
    async def get_key(request: Request, server_id: str, kid: str) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        row, href = authservers.get_server(state, server_id), me(request, state, server_id)
        key = state["keys"].get(kid)
        if key is None or key["server_id"] != row["id"]:
            raise not_found(kid, "JsonWebKey")
        return respond(render_key(key, href))

    @router.post(PREFIX + "/{server_id}/credentials/lifecycle/keyRotate")
    async def rotate(request: Request, server_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        use = (await read_json(request, required=False)).get("use")
        rotated = await write(
            request, lambda st: authservers.rotate_keys(st, server_id, use, actor_id=caller.user_id)
        )
        href = me(request, ctx.state(request), server_id)
        return respond([render_key(k, href) for k in rotated])

    # --- policies and rules
    @router.get(PREFIX + "/{server_id}/policies")
    async def list_policies(request: Request, server_id: str) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        href = me(request, state, server_id)
        return respond([render_policy(p, href) for p in policies.policies(state, server_id)])

    @router.post(PREFIX + "/{server_id}/policies")
    async def create_policy(request: Request, server_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        made = await write(
            request, lambda st: policies.create_policy(st, server_id, body, actor_id=caller.user_id)
        )
        return respond(render_policy(made, me(request, ctx.state(request), server_id)), 201)

    @router.get(PREFIX + "/{server_id}/policies/{policy_id}")
    async def get_policy(request: Request, server_id: str, policy_id: str) -> Response:
        authenticate(request, READ)
        state = ctx.state(request)
        return respond(
            render_policy(policies.get_policy(state, server_id, policy_id), me(request, state, server_id))
        )

    @router.put(PREFIX + "/{server_id}/policies/{policy_id}")
    async def replace_policy(request: Request, server_id: str, policy_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        made = await write(
            request,
            lambda st: policies.replace_policy(st, server_id, policy_id, body, actor_id=caller.user_id),
        )
        return respond(render_policy(made, me(request, ctx.state(request), server_id)))

    @router.delete(PREFIX + "/{server_id}/policies/{policy_id}")
    async def delete_policy(request: Request, server_id: str, policy_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        await write(
            request, lambda st: policies.delete_policy(st, server_id, policy_id, actor_id=caller.user_id)
        )
        return respond(None, 204)

    @router.post(PREFIX + "/{server_id}/policies/{policy_id}/lifecycle/{action}")
    async def policy_lifecycle(request: Request, server_id: str, policy_id: str, action: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        if action not in ("activate", "deactivate"):
            raise not_found(request.url.path, "GenericResource")
        on = action == "activate"
        await write(
            request,
            lambda st: policies.set_policy_status(st, server_id, policy_id, on, actor_id=caller.user_id),
        )
        return respond(None, 204)

    rules = PREFIX + "/{server_id}/policies/{policy_id}/rules"

    def rule_href(request: Request, server_id: str, policy_id: str, rule_id: str) -> str:
        return f"{me(request, ctx.state(request), server_id)}/policies/{policy_id}/rules/{rule_id}"

    @router.get(rules)
    async def list_rules(request: Request, server_id: str, policy_id: str) -> Response:
        authenticate(request, READ)
        found = policies.get_policy(ctx.state(request), server_id, policy_id)["rules"]
        return respond([render_rule(r, rule_href(request, server_id, policy_id, r["id"])) for r in found])

    @router.post(rules)
    async def create_rule(request: Request, server_id: str, policy_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        made = await write(
            request, lambda st: policies.create_rule(st, server_id, policy_id, body, actor_id=caller.user_id)
        )
        return respond(render_rule(made, rule_href(request, server_id, policy_id, made["id"])), 201)

    @router.get(rules + "/{rule_id}")
    async def get_rule(request: Request, server_id: str, policy_id: str, rule_id: str) -> Response:
        authenticate(request, READ)
        rule = policies.get_rule(ctx.state(request), server_id, policy_id, rule_id)
        return respond(render_rule(rule, rule_href(request, server_id, policy_id, rule_id)))

    @router.put(rules + "/{rule_id}")
    async def replace_rule(request: Request, server_id: str, policy_id: str, rule_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        made = await write(
            request,
            lambda st: policies.replace_rule(
                st, server_id, policy_id, rule_id, body, actor_id=caller.user_id
            ),
        )
        return respond(render_rule(made, rule_href(request, server_id, policy_id, rule_id)))

    @router.delete(rules + "/{rule_id}")
    async def delete_rule(request: Request, server_id: str, policy_id: str, rule_id: str) -> Response:
        _, caller = authenticate(request, MANAGE)
        await write(
            request,
            lambda st: policies.delete_rule(st, server_id, policy_id, rule_id, actor_id=caller.user_id),
        )
        return respond(None, 204)

    @router.post(rules + "/{rule_id}/lifecycle/{action}")
    async def rule_lifecycle(
        request: Request, server_id: str, policy_id: str, rule_id: str, action: str
    ) -> Response:
        _, caller = authenticate(request, MANAGE)
        if action not in ("activate", "deactivate"):
            raise not_found(request.url.path, "GenericResource")
        on = action == "activate"
        await write(
            request,
            lambda st: policies.set_rule_status(
                st, server_id, policy_id, rule_id, on, actor_id=caller.user_id
            ),
        )
        return respond(None, 204)

    return router


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
        rotated = await ctx.store.run(
            state.id, lambda st: authservers.rotate_keys(st, server_id, "sig", actor_id=None)
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
