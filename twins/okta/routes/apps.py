"""/api/v1/apps: applications, lifecycle, user and group assignments, OIDC client secrets."""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from twins._runtime.collection import Row, TenantState
from twins._runtime.context import TwinContext
from twins.okta import schemas
from twins.okta.backend import app_credentials, apps
from twins.okta.common import authenticate, base_url, page, read_json, respond
from twins.okta.errors import bad_request_body, http_error, not_found

READ, MANAGE = "okta.apps.read", "okta.apps.manage"
APP = "/api/v1/apps/{app_id}"
OIDC_USER_PROFILE = ("given_name", "family_name", "email")


def render_app(state: TenantState, row: Row, base: str, *, show_secret: bool = False) -> dict[str, Any]:
    """An Application; the client secret only right after creation (GET hides it, as Okta does)."""
    out = schemas.app(row, base)
    out["credentials"] = copy.deepcopy(out["credentials"])
    oauth = out["credentials"].get("oauthClient")
    if isinstance(oauth, dict) and not show_secret:
        oauth.pop("client_secret", None)
    out["settings"] = copy.deepcopy(out["settings"])
    org_id = (state.meta.get("org") or {}).get("id", "")
    out["orn"] = f"orn:okta:idp:{org_id}:apps:{row['name']}:{row['id']}"
    href = f"{base}/api/v1/apps/{row['id']}"
    links = out["_links"]
    links["uploadLogo"] = {"href": f"{href}/logo", "hints": {"allow": ["POST"]}}
    links["policies"] = {"href": f"{href}/policies", "hints": {"allow": ["PUT"]}}
    links["logo"] = [{"name": "medium", "href": f"{base}/assets/img/logos/default.png", "type": "image/png"}]
    links["appLinks"] = [
        {"name": name, "href": f"{base}/home/{row['name']}/{row['id']}/{name}", "type": "text/html"}
        for name in out["visibility"].get("appLinks", {})
    ]
    if row["sign_on_mode"] == "OPENID_CONNECT":
        links["clientCredentials"] = [{"name": "secrets", "href": f"{href}/credentials/secrets"}]
    if row["sign_on_mode"] == "SAML_2_0":
        links["metadata"] = {"href": f"{href}/sso/saml/metadata", "type": "application/xml"}
    return out


def render_app_user(state: TenantState, row: Row, base: str, expand: str = "") -> dict[str, Any]:
    """An AppUser: the assignment, its username from the app's template and its profile."""
    user = state["users"].get(row["user_id"]) or {"profile": {}}
    app = state["apps"].get(row["app_id"]) or {"sign_on_mode": ""}
    creds: dict[str, Any] = {"userName": apps.user_name(state, row)}
    if "password" in row["credentials"]:
        creds["password"] = {}
    profile = dict(row["profile"])
    if app["sign_on_mode"] == "OPENID_CONNECT":
        person = user["profile"]
        defaults = {
            "given_name": person.get("firstName"),
            "family_name": person.get("lastName"),
            "name": f"{person.get('firstName', '')} {person.get('lastName', '')}".strip() or None,
            "email": person.get("email"),
            "locale": "en_US",
            "zoneinfo": "America/Los_Angeles",
        }
        profile = {**defaults, **profile}
    href = f"{base}/api/v1/apps/{row['app_id']}"
    out: dict[str, Any] = {
        "id": row["user_id"],
        "externalId": None,
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "scope": row["scope"],
        "status": row["status"],
        "statusChanged": row["created"],
        "passwordChanged": None,
        "syncState": "DISABLED",
        "credentials": creds,
        "profile": profile,
        "_links": {
            "app": {"href": href},
            "user": {"href": f"{base}/api/v1/users/{row['user_id']}"},
        },
    }
    if row["scope"] == "GROUP":
        via = apps.via_group(state, row["app_id"], row["user_id"])
        if via is not None:
            out["_links"]["group"] = {"href": f"{base}/api/v1/groups/{via['group_id']}"}
    if expand == "user" and "id" in user:
        out["_embedded"] = {"user": schemas.user(user, base)}
    return out


def render_assignment(state: TenantState, row: Row, base: str, expand: str = "") -> dict[str, Any]:
    """An ApplicationGroupAssignment; expand=group embeds the Group."""
    href = f"{base}/api/v1/apps/{row['app_id']}"
    out: dict[str, Any] = {
        "id": row["group_id"],
        "lastUpdated": row["last_updated"],
        "priority": row["priority"],
        "profile": dict(row["profile"]),
        "_links": {
            "app": {"href": href},
            "self": {"href": f"{href}/groups/{row['group_id']}"},
            "group": {"href": f"{base}/api/v1/groups/{row['group_id']}"},
        },
    }
    group = state["groups"].get(row["group_id"])
    if expand == "group" and group is not None:
        out["_embedded"] = {"group": schemas.group(group, base)}
    return out


def render_secret(app_id: str, secret: dict[str, Any], base: str) -> dict[str, Any]:
    href = f"{base}/api/v1/apps/{app_id}/credentials/secrets/{secret['id']}"
    post = {"hints": {"allow": ["POST"]}}
    if secret["status"] == "ACTIVE":
        links = {"deactivate": {"href": f"{href}/lifecycle/deactivate", **post}}
    else:
        links = {
            "activate": {"href": f"{href}/lifecycle/activate", **post},
            "delete": {"href": href, "hints": {"allow": ["DELETE"]}},
        }
    return {**secret, "_links": links}


def _expand_user(state: TenantState, app: Row, base: str, expand: str) -> dict[str, Any]:
    out = render_app(state, app, base)
    if expand.startswith("user/"):
        row = apps.app_user(state, app["id"], expand[5:])
        if row is not None:
            out["_embedded"] = {"user": render_app_user(state, row, base)}
    return out


def build_router(_ctx: TwinContext) -> APIRouter:
    router = APIRouter(tags=["apps"])

    @router.get("/api/v1/apps")
    async def list_apps(request: Request) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        rows = apps.list_apps(state, request.query_params)
        chunk, headers = page(request, rows, default_limit=20, max_limit=200)
        base, expand = base_url(request), request.query_params.get("expand", "")
        return respond([_expand_user(state, a, base, expand) for a in chunk], headers=headers)

    @router.post("/api/v1/apps")
    async def create_app(request: Request) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        activate = request.query_params.get("activate", "true").lower() != "false"
        row = await ctx.run(
            request, lambda st: apps.create_app(st, body, actor_id=caller.user_id, activate=activate)
        )
        return respond(render_app(ctx.state(request), row, base_url(request), show_secret=True))

    @router.get(APP)
    async def get_app(request: Request, app_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        row = apps.get_app(state, app_id)
        return respond(_expand_user(state, row, base_url(request), request.query_params.get("expand", "")))

    @router.put(APP)
    async def replace_app(request: Request, app_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await ctx.run(request, lambda st: apps.replace_app(st, app_id, body, actor_id=caller.user_id))
        return respond(render_app(ctx.state(request), row, base_url(request)))

    @router.delete(APP)
    async def delete_app(request: Request, app_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: apps.delete_app(st, app_id, actor_id=caller.user_id))
        return respond(None, 204)

    @router.post(APP + "/lifecycle/{action}")
    async def lifecycle(request: Request, app_id: str, action: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        status = {"activate": "ACTIVE", "deactivate": "INACTIVE"}.get(action)
        if status is None:
            raise http_error(404, request, "")
        await ctx.run(request, lambda st: apps.set_status(st, app_id, status, actor_id=caller.user_id))
        return respond({})

    # -- users ------------------------------------------------------------------------------

    @router.get(APP + "/users")
    async def list_app_users(request: Request, app_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        rows = apps.app_users(state, app_id, request.query_params.get("q"))
        chunk, headers = page(request, rows, key="user_id", default_limit=50, max_limit=500)
        base, expand = base_url(request), request.query_params.get("expand", "")
        return respond([render_app_user(state, r, base, expand) for r in chunk], headers=headers)

    @router.post(APP + "/users")
    async def assign_user(request: Request, app_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await ctx.run(request, lambda st: apps.assign_user(st, app_id, body, actor_id=caller.user_id))
        return respond(render_app_user(ctx.state(request), row, base_url(request)))

    @router.get(APP + "/users/{user_id}")
    async def get_app_user(request: Request, app_id: str, user_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        apps.get_app(state, app_id)
        row = apps.app_user(state, app_id, user_id)
        if row is None:
            raise not_found(user_id, "AppUser")
        return respond(render_app_user(state, row, base_url(request), request.query_params.get("expand", "")))

    @router.post(APP + "/users/{user_id}")
    async def update_app_user(request: Request, app_id: str, user_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request)
        row = await ctx.run(
            request, lambda st: apps.update_app_user(st, app_id, user_id, body, actor_id=caller.user_id)
        )
        return respond(render_app_user(ctx.state(request), row, base_url(request)))

    @router.delete(APP + "/users/{user_id}")
    async def unassign_user(request: Request, app_id: str, user_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: apps.unassign_user(st, app_id, user_id, actor_id=caller.user_id))
        return respond(None, 204)

    # -- groups -----------------------------------------------------------------------------

    @router.get(APP + "/groups")
    async def list_assignments(request: Request, app_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        rows = apps.group_assignments(state, app_id, request.query_params.get("q"))
        chunk, headers = page(request, rows, key="group_id", default_limit=20, max_limit=200)
        base, expand = base_url(request), request.query_params.get("expand", "")
        return respond([render_assignment(state, r, base, expand) for r in chunk], headers=headers)

    @router.get(APP + "/groups/{group_id}")
    async def get_assignment(request: Request, app_id: str, group_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        state = ctx.state(request)
        row = apps.get_group_assignment(state, app_id, group_id)
        return respond(
            render_assignment(state, row, base_url(request), request.query_params.get("expand", ""))
        )

    @router.put(APP + "/groups/{group_id}")
    async def assign_group(request: Request, app_id: str, group_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request, required=False)
        row = await ctx.run(
            request, lambda st: apps.assign_group(st, app_id, group_id, body, actor_id=caller.user_id)
        )
        return respond(render_assignment(ctx.state(request), row, base_url(request)))

    @router.patch(APP + "/groups/{group_id}")
    async def patch_assignment(request: Request, app_id: str, group_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        try:
            ops = json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise bad_request_body() from None
        row = await ctx.run(
            request,
            lambda st: apps.patch_group_assignment(st, app_id, group_id, ops, actor_id=caller.user_id),
        )
        return respond(render_assignment(ctx.state(request), row, base_url(request)))

    @router.delete(APP + "/groups/{group_id}")
    async def unassign_group(request: Request, app_id: str, group_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(request, lambda st: apps.unassign_group(st, app_id, group_id, actor_id=caller.user_id))
        return respond(None, 204)

    # -- OIDC client credentials ------------------------------------------------------------

    @router.get(APP + "/credentials/secrets")
    async def list_secrets(request: Request, app_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        base = base_url(request)
        rows = app_credentials.list_secrets(apps.get_app(ctx.state(request), app_id))
        return respond([render_secret(app_id, s, base) for s in rows])

    @router.post(APP + "/credentials/secrets")
    async def create_secret(request: Request, app_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        body = await read_json(request, required=False)
        secret = await ctx.run(
            request,
            lambda st: app_credentials.create_secret(
                st, apps.get_app(st, app_id), body, actor_id=caller.user_id
            ),
        )
        return respond(render_secret(app_id, secret, base_url(request)), 201)

    @router.get(APP + "/credentials/secrets/{secret_id}")
    async def get_secret(request: Request, app_id: str, secret_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        secret = app_credentials.get_secret(apps.get_app(ctx.state(request), app_id), secret_id)
        return respond(render_secret(app_id, secret, base_url(request)))

    @router.delete(APP + "/credentials/secrets/{secret_id}")
    async def delete_secret(request: Request, app_id: str, secret_id: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        await ctx.run(
            request,
            lambda st: app_credentials.delete_secret(
                st, apps.get_app(st, app_id), secret_id, actor_id=caller.user_id
            ),
        )
        return respond(None, 204)

    @router.post(APP + "/credentials/secrets/{secret_id}/lifecycle/{action}")
    async def secret_lifecycle(request: Request, app_id: str, secret_id: str, action: str) -> Response:
        ctx, caller = authenticate(request, MANAGE)
        status = {"activate": "ACTIVE", "deactivate": "INACTIVE"}.get(action)
        if status is None:
            raise http_error(404, request, "")
        secret = await ctx.run(
            request,
            lambda st: app_credentials.set_secret_status(
                st, apps.get_app(st, app_id), secret_id, status, actor_id=caller.user_id
            ),
        )
        return respond(render_secret(app_id, secret, base_url(request)))

    @router.get(APP + "/credentials/keys")
    async def list_keys(request: Request, app_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        apps.get_app(ctx.state(request), app_id)
        return respond([])

    @router.get(APP + "/credentials/jwks")
    async def list_jwks(request: Request, app_id: str) -> Response:
        ctx, _caller = authenticate(request, READ)
        app = apps.get_app(ctx.state(request), app_id)
        return respond((apps.client_jwks(app) or {"keys": []})["keys"])

    return router
