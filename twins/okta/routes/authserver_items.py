"""/api/v1/authorizationServers/{id}/scopes and …/claims: list, create, get, replace, delete."""

from __future__ import annotations

from typing import Any

from twins.kit import Call, Registry
from twins.okta.backend import authserver_items as items_backend
from twins.okta.backend import authservers
from twins.okta.kit import AUTH, pages
from twins.okta.routes.authservers import MANAGE, READ, SERVER, hinted, me

ops = Registry(auth=AUTH, tags=("authorizationServers",))
SCOPE_KEYS = (
    "id",
    "name",
    "displayName",
    "description",
    "system",
    "metadataPublish",
    "consent",
    "optional",
    "apiResourceId",
    "default",
)
CLAIM_KEYS = (
    "id",
    "name",
    "status",
    "claimType",
    "valueType",
    "value",
    "conditions",
    "system",
    "alwaysIncludeInToken",
    "apiResourceId",
    "group_filter_type",
)


def render_item(item: dict[str, Any], kind: str, me: str) -> dict[str, Any]:
    order = SCOPE_KEYS if kind == "scopes" else CLAIM_KEYS
    out = {k: item[k] for k in order if k in item}
    out["_links"] = {"self": hinted(f"{me}/{kind}/{item['id']}", "GET", "PUT", "DELETE")}
    return out


def items(call: Call, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = authservers.get_server(call.state, call.path["server_id"])["data"][kind]
    return found


def save(call: Call, kind: str, item_id: str | None) -> dict[str, Any]:
    fn = items_backend.save_scope if kind == "scopes" else items_backend.save_claim
    body = dict(call.require_body())
    item = fn(call.state, call.path["server_id"], body, item_id, actor_id=call.caller.subject)
    return render_item(item, kind, me(call))


# --- scopes
@ops.operation("GET", SERVER + "/scopes", scope=READ, page=pages())
def list_scopes(call: Call) -> list[dict[str, Any]]:
    """The server's scopes, by name prefix `q`."""
    found, q = items(call, "scopes"), call.args.text("q").lower()
    if q:
        found = [i for i in found if str(i["name"]).lower().startswith(q)]
    href = me(call)
    return [render_item(i, "scopes", href) for i in call.page(found)]


@ops.operation("POST", SERVER + "/scopes", scope=MANAGE, write=True, status=201)
def create_scope(call: Call) -> dict[str, Any]:
    return save(call, "scopes", None)


@ops.operation("GET", SERVER + "/scopes/{item_id}", scope=READ)
def get_scope(call: Call) -> dict[str, Any]:
    item = items_backend.get_item(call.state, call.path["server_id"], "scopes", call.path["item_id"])
    return render_item(item, "scopes", me(call))


@ops.operation("PUT", SERVER + "/scopes/{item_id}", scope=MANAGE, write=True)
def replace_scope(call: Call) -> dict[str, Any]:
    return save(call, "scopes", call.path["item_id"])


@ops.operation("DELETE", SERVER + "/scopes/{item_id}", scope=MANAGE, write=True, status=204)
def delete_scope(call: Call) -> None:
    path = call.path
    items_backend.delete_item(
        call.state, path["server_id"], "scopes", path["item_id"], actor_id=call.caller.subject
    )


# --- claims
@ops.operation("GET", SERVER + "/claims", scope=READ)
def list_claims(call: Call) -> list[dict[str, Any]]:
    href = me(call)
    return [render_item(i, "claims", href) for i in items(call, "claims")]


@ops.operation("POST", SERVER + "/claims", scope=MANAGE, write=True, status=201)
def create_claim(call: Call) -> dict[str, Any]:
    return save(call, "claims", None)


@ops.operation("GET", SERVER + "/claims/{item_id}", scope=READ)
def get_claim(call: Call) -> dict[str, Any]:
    item = items_backend.get_item(call.state, call.path["server_id"], "claims", call.path["item_id"])
    return render_item(item, "claims", me(call))


@ops.operation("PUT", SERVER + "/claims/{item_id}", scope=MANAGE, write=True)
def replace_claim(call: Call) -> dict[str, Any]:
    return save(call, "claims", call.path["item_id"])


@ops.operation("DELETE", SERVER + "/claims/{item_id}", scope=MANAGE, write=True, status=204)
def delete_claim(call: Call) -> None:
    path = call.path
    items_backend.delete_item(
        call.state, path["server_id"], "claims", path["item_id"], actor_id=call.caller.subject
    )
