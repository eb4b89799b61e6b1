"""/api/v1/meta/schemas/user and /api/v1/meta/types/user: the user profile schema and the default type."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import TenantState
from twins.kit import Call, Registry
from twins.okta.backend import schema as backend
from twins.okta.errors import not_found
from twins.okta.kit import AUTH

ops = Registry(auth=AUTH, tags=("schemas",))


def _schema_exists(state: TenantState, schema_id: str) -> None:
    if schema_id not in ("default", state.meta.get("schema_id")):
        raise not_found(schema_id, "UserSchema")


@ops.operation("GET", "/api/v1/meta/schemas/user/{schema_id}", scope="okta.schemas.read")
def get_user_schema(call: Call) -> dict[str, Any]:
    _schema_exists(call.state, call.path["schema_id"])
    return backend.user_schema(call.state, call.base_url)


@ops.operation("POST", "/api/v1/meta/schemas/user/{schema_id}", scope="okta.schemas.manage", write=True)
def update_user_schema(call: Call) -> dict[str, Any]:
    """Add, change or remove (null) custom profile properties."""
    _schema_exists(call.state, call.path["schema_id"])
    backend.update_user_schema(call.state, dict(call.require_body()), actor_id=call.caller.subject)
    return backend.user_schema(call.state, call.base_url)


@ops.operation("GET", "/api/v1/meta/types/user", scope="okta.userTypes.read")
def list_user_types(call: Call) -> list[dict[str, Any]]:
    return [backend.user_type(call.state, call.base_url)]


@ops.operation("GET", "/api/v1/meta/types/user/{type_id}", scope="okta.userTypes.read")
def get_user_type(call: Call) -> dict[str, Any]:
    if call.path["type_id"] not in ("default", call.state.meta.get("user_type_id")):
        raise not_found(call.path["type_id"], "UserType")
    return backend.user_type(call.state, call.base_url)
