"""/api/v1/users: list and search, create, get by id or login, update, replace, delete, groups, app links."""

from __future__ import annotations

from typing import Any

from twins.kit import Call, Registry
from twins.okta import kit as okta
from twins.okta import schemas, user_json
from twins.okta.backend import user_search
from twins.okta.backend import users as backend
from twins.okta.kit import AUTH, pages

READ, MANAGE = "okta.users.read", "okta.users.manage"
ops = Registry(auth=AUTH, tags=("users",))


@ops.operation("GET", "/api/v1/users", scope=READ, page=pages(default=200, most=200))
def list_users(call: Call) -> bytes:
    """Users by `q` (10 a page unless `limit` says), `filter` or `search`, sorted as asked."""
    args = call.args
    rows = user_search.list_users(
        call.state,
        q=args.get("q"),
        filter_expr=args.get("filter"),
        search=args.get("search"),
        sort_by=args.get("sortBy"),
        sort_order=args.get("sortOrder"),
    )
    okta.expand(call, (), known=("classification",))
    chunk = call.page(rows, default=10 if args.get("q") is not None else None)
    return user_json.users(call.state, chunk, call.base_url)


@ops.operation("POST", "/api/v1/users", scope=MANAGE, write=True)
def create_user(call: Call) -> dict[str, Any]:
    body, args = dict(call.require_body()), call.args
    row = backend.create_user(
        call.state,
        body,
        activate=args.flag("activate", True),
        provider=args.flag("provider", False),
        next_login=args.get("nextLogin"),
        actor_id=call.caller.subject,
    )
    return schemas.user(row, call.base_url)


@ops.operation("GET", "/api/v1/users/{id_or_login}", scope=READ)
def get_user(call: Call) -> bytes:
    okta.expand(call, (), known=("blocks", "classification"))
    row = backend.get_user(call.state, call.path["id_or_login"], caller_id=call.caller.subject)
    return user_json.user(call.state, row, call.base_url)


def _update(call: Call, *, replace: bool) -> dict[str, Any]:
    body = dict(call.require_body())
    id_or_login = call.path["id_or_login"]
    target = call.caller.subject if id_or_login == "me" else id_or_login
    strict = call.args.flag("strict", False)
    row = backend.update_user(
        call.state, target, body, replace=replace, strict=strict, actor_id=call.caller.subject
    )
    return schemas.user(row, call.base_url)


@ops.operation("POST", "/api/v1/users/{id_or_login}", scope=MANAGE, write=True)
def update_user(call: Call) -> dict[str, Any]:
    """Partial update: the profile and credentials given are merged."""
    return _update(call, replace=False)


@ops.operation("PUT", "/api/v1/users/{id_or_login}", scope=MANAGE, write=True)
def replace_user(call: Call) -> dict[str, Any]:
    return _update(call, replace=True)


@ops.operation("DELETE", "/api/v1/users/{id_or_login}", scope=MANAGE, write=True, status=204)
def delete_user(call: Call) -> None:
    """Deactivate, or delete a deactivated user."""
    backend.delete_user(call.state, call.path["id_or_login"], actor_id=call.caller.subject)


@ops.operation("GET", "/api/v1/users/{id_or_login}/groups", scope=READ)
def list_user_groups(call: Call) -> list[dict[str, Any]]:
    user = backend.get_user(call.state, call.path["id_or_login"], caller_id=call.caller.subject)
    return [schemas.group(g, call.base_url) for g in backend.user_groups(call.state, user)]


@ops.operation("GET", "/api/v1/users/{id_or_login}/appLinks", scope=READ)
def list_app_links(call: Call) -> list[dict[str, Any]]:
    user = backend.get_user(call.state, call.path["id_or_login"], caller_id=call.caller.subject)
    return backend.app_links(call.state, user, call.base_url)
