"""/api/v1/apps: applications, lifecycle, user and group assignments, OIDC client secrets."""

from __future__ import annotations

import copy
from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.kit import Call, Registry
from twins.okta import kit as okta
from twins.okta import schemas
from twins.okta.backend import app_credentials, apps
from twins.okta.errors import not_found
from twins.okta.kit import AUTH, pages

READ, MANAGE = "okta.apps.read", "okta.apps.manage"
APP = "/api/v1/apps/{app_id}"
OIDC_USER_PROFILE = ("given_name", "family_name", "email")
ops = Registry(auth=AUTH, tags=("apps",))


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
        help_page = f"{base}/app/{row['name']}/{row['id']}/setup/help/SAML_2_0/instructions"
        links["help"] = {"href": help_page, "type": "text/html"}
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


def _status(action: str) -> str:
    """The status a `lifecycle/{action}` sets; any other action is an unknown path."""
    status = {"activate": "ACTIVE", "deactivate": "INACTIVE"}.get(action)
    if status is None:
        raise not_found(action, "GenericResource")
    return status


@ops.operation("GET", "/api/v1/apps", scope=READ, page=pages(default=20, most=200))
def list_apps(call: Call) -> list[dict[str, Any]]:
    """Apps by `q` or `filter`; `expand=user/{id}` embeds that user's assignment."""
    chunk = call.page(apps.list_apps(call.state, call.args))
    expand = okta.expand(call, ("user/",))
    return [_expand_user(call.state, a, call.base_url, expand) for a in chunk]


@ops.operation("POST", "/api/v1/apps", scope=MANAGE, write=True)
def create_app(call: Call) -> dict[str, Any]:
    """A new app, active unless `activate=false`; its client secret is shown this once."""
    activate = call.args.flag("activate", True)
    row = apps.create_app(
        call.state, dict(call.require_body()), actor_id=call.caller.subject, activate=activate
    )
    return render_app(call.state, row, call.base_url, show_secret=True)


@ops.operation("GET", APP, scope=READ)
def get_app(call: Call) -> dict[str, Any]:
    row = apps.get_app(call.state, call.path["app_id"])
    return _expand_user(call.state, row, call.base_url, okta.expand(call, ("user/",)))


@ops.operation("PUT", APP, scope=MANAGE, write=True)
def replace_app(call: Call) -> dict[str, Any]:
    body = dict(call.require_body())
    row = apps.replace_app(call.state, call.path["app_id"], body, actor_id=call.caller.subject)
    return render_app(call.state, row, call.base_url)


@ops.operation("DELETE", APP, scope=MANAGE, write=True, status=204)
def delete_app(call: Call) -> None:
    apps.delete_app(call.state, call.path["app_id"], actor_id=call.caller.subject)


@ops.operation("POST", APP + "/lifecycle/{action}", scope=MANAGE, write=True, body="none")
def app_lifecycle(call: Call) -> dict[str, Any]:
    """activate or deactivate."""
    status = _status(call.path["action"])
    apps.set_status(call.state, call.path["app_id"], status, actor_id=call.caller.subject)
    return {}


# -- users ------------------------------------------------------------------------------------
@ops.operation("GET", APP + "/users", scope=READ, page=pages(default=50, most=500, key="user_id"))
def list_app_users(call: Call) -> list[dict[str, Any]]:
    chunk = call.page(apps.app_users(call.state, call.path["app_id"], call.args.get("q")))
    expand = okta.expand(call, ("user",))
    return [render_app_user(call.state, r, call.base_url, expand) for r in chunk]


@ops.operation("POST", APP + "/users", scope=MANAGE, write=True)
def assign_user(call: Call) -> dict[str, Any]:
    row = apps.assign_user(
        call.state, call.path["app_id"], dict(call.require_body()), actor_id=call.caller.subject
    )
    return render_app_user(call.state, row, call.base_url)


@ops.operation("GET", APP + "/users/{user_id}", scope=READ)
def get_app_user(call: Call) -> dict[str, Any]:
    app_id, user_id = call.path["app_id"], call.path["user_id"]
    apps.get_app(call.state, app_id)
    row = apps.app_user(call.state, app_id, user_id)
    if row is None:
        raise not_found(user_id, "AppUser")
    return render_app_user(call.state, row, call.base_url, okta.expand(call, ("user",)))


@ops.operation("POST", APP + "/users/{user_id}", scope=MANAGE, write=True)
def update_app_user(call: Call) -> dict[str, Any]:
    app_id, user_id = call.path["app_id"], call.path["user_id"]
    body = dict(call.require_body())
    row = apps.update_app_user(call.state, app_id, user_id, body, actor_id=call.caller.subject)
    return render_app_user(call.state, row, call.base_url)


@ops.operation("DELETE", APP + "/users/{user_id}", scope=MANAGE, write=True, status=204)
def unassign_user(call: Call) -> None:
    apps.unassign_user(call.state, call.path["app_id"], call.path["user_id"], actor_id=call.caller.subject)


# -- groups -----------------------------------------------------------------------------------
@ops.operation("GET", APP + "/groups", scope=READ, page=pages(default=20, most=200, key="group_id"))
def list_assignments(call: Call) -> list[dict[str, Any]]:
    chunk = call.page(apps.group_assignments(call.state, call.path["app_id"], call.args.get("q")))
    expand = okta.expand(call, ("group",), known=("metadata",))
    return [render_assignment(call.state, r, call.base_url, expand) for r in chunk]


@ops.operation("GET", APP + "/groups/{group_id}", scope=READ)
def get_assignment(call: Call) -> dict[str, Any]:
    row = apps.get_group_assignment(call.state, call.path["app_id"], call.path["group_id"])
    return render_assignment(
        call.state, row, call.base_url, okta.expand(call, ("group",), known=("metadata",))
    )


@ops.operation("PUT", APP + "/groups/{group_id}", scope=MANAGE, write=True)
def assign_group(call: Call) -> dict[str, Any]:
    """Assign a group (the body, optional, gives priority and profile)."""
    app_id, group_id = call.path["app_id"], call.path["group_id"]
    row = apps.assign_group(call.state, app_id, group_id, dict(call.body), actor_id=call.caller.subject)
    return render_assignment(call.state, row, call.base_url)


@ops.operation("PATCH", APP + "/groups/{group_id}", scope=MANAGE, write=True, body="any")
def patch_assignment(call: Call) -> dict[str, Any]:
    """A JSON Patch (a list of operations) of the assignment."""
    app_id, group_id = call.path["app_id"], call.path["group_id"]
    patch = call.body.get("value", dict(call.body) if call.has_body else None)
    row = apps.patch_group_assignment(call.state, app_id, group_id, patch, actor_id=call.caller.subject)
    return render_assignment(call.state, row, call.base_url)


@ops.operation("DELETE", APP + "/groups/{group_id}", scope=MANAGE, write=True, status=204)
def unassign_group(call: Call) -> None:
    apps.unassign_group(call.state, call.path["app_id"], call.path["group_id"], actor_id=call.caller.subject)


# -- OIDC client credentials ------------------------------------------------------------------
SECRETS = APP + "/credentials/secrets"


@ops.operation("GET", SECRETS, scope=READ)
def list_secrets(call: Call) -> list[dict[str, Any]]:
    app_id = call.path["app_id"]
    rows = app_credentials.list_secrets(apps.get_app(call.state, app_id))
    return [render_secret(app_id, s, call.base_url) for s in rows]


@ops.operation("POST", SECRETS, scope=MANAGE, write=True, status=201)
def create_secret(call: Call) -> dict[str, Any]:
    app_id = call.path["app_id"]
    app = apps.get_app(call.state, app_id)
    secret = app_credentials.create_secret(call.state, app, dict(call.body), actor_id=call.caller.subject)
    return render_secret(app_id, secret, call.base_url)


@ops.operation("GET", SECRETS + "/{secret_id}", scope=READ)
def get_secret(call: Call) -> dict[str, Any]:
    app_id = call.path["app_id"]
    secret = app_credentials.get_secret(apps.get_app(call.state, app_id), call.path["secret_id"])
    return render_secret(app_id, secret, call.base_url)


@ops.operation("DELETE", SECRETS + "/{secret_id}", scope=MANAGE, write=True, status=204)
def delete_secret(call: Call) -> None:
    app = apps.get_app(call.state, call.path["app_id"])
    app_credentials.delete_secret(call.state, app, call.path["secret_id"], actor_id=call.caller.subject)


@ops.operation("POST", SECRETS + "/{secret_id}/lifecycle/{action}", scope=MANAGE, write=True, body="none")
def secret_lifecycle(call: Call) -> dict[str, Any]:
    app_id, status = call.path["app_id"], _status(call.path["action"])
    app = apps.get_app(call.state, app_id)
    secret = app_credentials.set_secret_status(
        call.state, app, call.path["secret_id"], status, actor_id=call.caller.subject
    )
    return render_secret(app_id, secret, call.base_url)


@ops.operation("GET", APP + "/credentials/keys", scope=READ)
def list_keys(call: Call) -> list[Any]:
    apps.get_app(call.state, call.path["app_id"])
    return []


@ops.operation("GET", APP + "/credentials/jwks", scope=READ)
def list_jwks(call: Call) -> Any:
    app = apps.get_app(call.state, call.path["app_id"])
    return (apps.client_jwks(app) or {"keys": []})["keys"]
