"""The user profile schema: Okta's base attributes, custom attributes, and profile validation."""

from __future__ import annotations

import re
from typing import Any

from twins._runtime.collection import TenantState
from twins.okta.common import now_iso
from twins.okta.errors import OktaError, validation

# name: (title, required, format, minLength, maxLength, permission of SELF)
_BASE: dict[str, tuple[str, bool, str | None, int | None, int | None, str]] = {
    "login": ("Username", True, None, 5, 100, "READ_ONLY"),
    "firstName": ("First name", True, None, 1, 50, "READ_WRITE"),
    "lastName": ("Last name", True, None, 1, 50, "READ_WRITE"),
    "middleName": ("Middle name", False, None, None, None, "READ_ONLY"),
    "honorificPrefix": ("Honorific prefix", False, None, None, None, "READ_ONLY"),
    "honorificSuffix": ("Honorific suffix", False, None, None, None, "READ_ONLY"),
    "email": ("Primary email", True, "email", None, None, "READ_WRITE"),
    "title": ("Title", False, None, None, None, "READ_ONLY"),
    "displayName": ("Display name", False, None, None, None, "READ_ONLY"),
    "nickName": ("Nickname", False, None, None, None, "READ_ONLY"),
    "profileUrl": ("Profile Url", False, "uri", None, None, "READ_ONLY"),
    "secondEmail": ("Secondary email", False, "email", None, None, "READ_WRITE"),
    "mobilePhone": ("Mobile phone", False, None, None, 100, "READ_WRITE"),
    "primaryPhone": ("Primary phone", False, None, None, 100, "HIDE"),
    "streetAddress": ("Street address", False, None, None, None, "HIDE"),
    "city": ("City", False, None, None, None, "HIDE"),
    "state": ("State", False, None, None, None, "HIDE"),
    "zipCode": ("Zip code", False, None, None, None, "HIDE"),
    "countryCode": ("Country code", False, "country-code", None, None, "HIDE"),
    "postalAddress": ("Postal Address", False, None, None, None, "HIDE"),
    "preferredLanguage": ("Preferred language", False, "language-code", None, None, "READ_ONLY"),
    "locale": ("Locale", False, "locale", None, None, "READ_ONLY"),
    "timezone": ("Time zone", False, "timezone", None, None, "READ_ONLY"),
    "userType": ("User type", False, None, None, None, "READ_ONLY"),
    "employeeNumber": ("Employee number", False, None, None, None, "READ_ONLY"),
    "costCenter": ("Cost center", False, None, None, None, "READ_ONLY"),
    "organization": ("Organization", False, None, None, None, "READ_ONLY"),
    "division": ("Division", False, None, None, None, "READ_ONLY"),
    "department": ("Department", False, None, None, None, "READ_ONLY"),
    "managerId": ("ManagerId", False, None, None, None, "READ_ONLY"),
    "manager": ("Manager", False, None, None, None, "READ_ONLY"),
}
BASE_NAMES = tuple(_BASE)
TYPES = ("string", "boolean", "integer", "number", "array")
ITEM_TYPES = ("string", "boolean", "integer", "number")
MUTABILITY = ("READ_WRITE", "READ_ONLY", "WRITE_ONLY", "IMMUTABLE")
SCOPES = ("NONE", "SELF")
ACTIONS = ("READ_ONLY", "READ_WRITE", "HIDE")
MASTERS = ("PROFILE_MASTER", "OKTA", "OVERRIDE")
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Base properties accept only these changes (Okta: permissions, master, nullability of the
# names, and the login pattern).
BASE_CHANGES = {"permissions", "master", "title", "description"}
BASE_OPTIONAL = ("firstName", "lastName")
ORDER = (
    "title",
    "description",
    "type",
    "required",
    "unique",
    "format",
    "mutability",
    "scope",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "oneOf",
    "items",
    "default",
    "externalName",
    "externalNamespace",
    "permissions",
    "master",
)


def custom_attributes(state: TenantState) -> dict[str, dict[str, Any]]:
    return dict(state.meta.get("custom_attributes") or {})


def base_properties(state: TenantState) -> dict[str, dict[str, Any]]:
    """Okta's base attributes as the schema document shows them, with the org's changes."""
    overrides: dict[str, dict[str, Any]] = state.meta.get("user_schema_base") or {}
    out: dict[str, dict[str, Any]] = {}
    for name, (title, required, fmt, low, high, action) in _BASE.items():
        prop: dict[str, Any] = {"title": title, "type": "string"}
        if required:
            prop["required"] = True
        if fmt:
            prop["format"] = fmt
        prop.update({"mutability": "READ_WRITE", "scope": "NONE"})
        if low is not None:
            prop["minLength"] = low
        if high is not None:
            prop["maxLength"] = high
        prop["permissions"] = [{"principal": "SELF", "action": action}]
        prop["master"] = {"type": "PROFILE_MASTER"}
        for key, value in overrides.get(name, {}).items():
            if value is None:
                prop.pop(key, None)
            else:
                prop[key] = value
        out[name] = _ordered(prop)
    return out


def _ordered(prop: dict[str, Any]) -> dict[str, Any]:
    out = {k: prop[k] for k in ORDER if k in prop}
    out.update({k: v for k, v in prop.items() if k not in out})
    return out


def schema_times(state: TenantState) -> tuple[str, str]:
    admin = state["users"].get(state.meta.get("admin_user_id", ""))
    created = str(admin["created"]) if admin else now_iso(state)
    return created, str(state.meta.get("user_schema_updated") or created)


def user_schema(state: TenantState, base: str) -> dict[str, Any]:
    """The default user schema document, as GET /api/v1/meta/schemas/user/default returns it."""
    created, updated = schema_times(state)
    custom = custom_attributes(state)
    base_props = base_properties(state)
    return {
        "id": f"{base}/meta/schemas/user/default",
        "$schema": "http://json-schema.org/draft-04/schema#",
        "name": "user",
        "title": "User",
        "description": "Okta user profile template with default permission settings",
        "lastUpdated": updated,
        "created": created,
        "definitions": {
            "custom": {
                "id": "#custom",
                "type": "object",
                "properties": custom,
                "required": [k for k, v in custom.items() if v.get("required") is True],
            },
            "base": {
                "id": "#base",
                "type": "object",
                "properties": base_props,
                "required": [k for k, v in base_props.items() if v.get("required") is True],
            },
        },
        "type": "object",
        "properties": {
            "profile": {"allOf": [{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}]}
        },
        "_links": {
            "self": {
                "rel": "self",
                "href": f"{base}/api/v1/meta/schemas/user/{state.meta.get('schema_id', '')}",
                "method": "GET",
            },
            "type": {
                "rel": "type",
                "href": f"{base}/api/v1/meta/types/user/{state.meta.get('user_type_id', '')}",
                "method": "GET",
            },
        },
    }


def user_type(state: TenantState, base: str) -> dict[str, Any]:
    """The org's default user type."""
    created, updated = schema_times(state)
    type_id = state.meta.get("user_type_id", "")
    admin = state.meta.get("admin_user_id", "")
    return {
        "id": type_id,
        "displayName": "User",
        "name": "user",
        "description": "Okta user profile template with default permission settings",
        "createdBy": admin,
        "lastUpdatedBy": admin,
        "created": created,
        "lastUpdated": updated,
        "default": True,
        "_links": {
            "schema": {
                "rel": "schema",
                "href": f"{base}/api/v1/meta/schemas/user/{state.meta.get('schema_id', '')}",
                "method": "GET",
            },
            "self": {"rel": "self", "href": f"{base}/api/v1/meta/types/user/{type_id}", "method": "GET"},
        },
    }


# --- schema updates -------------------------------------------------------------------------
def _bad(name: str, problem: str) -> OktaError:
    return validation(name, f"{name}: {problem}")


def _matches_type(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, list)


def _check_enum(name: str, prop: dict[str, Any], kind: str) -> None:
    enum, one_of = prop.get("enum"), prop.get("oneOf")
    if enum is not None:
        if not isinstance(enum, list) or not enum:
            raise _bad(name, "enum must be a non-empty array")
        if any(not _matches_type(v, kind) for v in enum):
            raise _bad(name, f"enum values must be of type {kind}")
        if len({repr(v) for v in enum}) != len(enum):
            raise _bad(name, "enum values must be unique")
    if one_of is not None:
        if enum is None:
            raise _bad(name, "oneOf is only supported with enum")
        if not isinstance(one_of, list) or any(
            not isinstance(o, dict) or "const" not in o or not isinstance(o.get("title"), str) for o in one_of
        ):
            raise _bad(name, "oneOf entries need a const and a title")
        if [o["const"] for o in one_of] != enum:
            raise _bad(name, "oneOf must list the enum values in the same order")


def _check_custom(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """A normalised custom attribute definition, or E0000001."""
    if not NAME_RE.match(name) or name in _BASE:
        raise _bad(name, "Invalid property name")
    title = prop.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _bad(name, "title: The field cannot be left blank")
    kind = prop.get("type")
    if kind not in TYPES:
        raise _bad(name, f"type: must be one of {', '.join(TYPES)}")
    for key, choices in (("mutability", MUTABILITY), ("scope", SCOPES)):
        if key in prop and prop[key] not in choices:
            raise _bad(name, f"{key}: must be one of {', '.join(choices)}")
    for key in ("description", "pattern", "externalName", "externalNamespace"):
        if key in prop and not isinstance(prop[key], str):
            raise _bad(name, f"{key}: must be a string")
    if "required" in prop and not isinstance(prop["required"], bool):
        raise _bad(name, "required: must be a boolean")
    if "unique" in prop and prop["unique"] not in (True, False, "UNIQUE_VALIDATED", "NOT_UNIQUE"):
        raise _bad(name, "unique: must be a boolean")
    for key in ("minLength", "maxLength"):
        if key in prop and (not isinstance(prop[key], int) or isinstance(prop[key], bool) or prop[key] < 0):
            raise _bad(name, f"{key}: must be a non-negative integer")
        if key in prop and kind != "string":
            raise _bad(name, f"{key}: only applies to string properties")
    if prop.get("minLength", 0) > prop.get("maxLength", 1 << 31):
        raise _bad(name, "minLength must not exceed maxLength")
    if "pattern" in prop:
        try:
            re.compile(prop["pattern"])
        except re.error:
            raise _bad(name, "pattern: Invalid regular expression") from None
    permissions = prop.get("permissions", [{"principal": "SELF", "action": "READ_ONLY"}])
    if not isinstance(permissions, list) or any(
        not isinstance(p, dict) or p.get("action") not in ACTIONS or not isinstance(p.get("principal"), str)
        for p in permissions
    ):
        raise _bad(name, "permissions: Invalid permission")
    master = prop.get("master")
    if master is not None and (not isinstance(master, dict) or master.get("type") not in MASTERS):
        raise _bad(name, "master: Invalid master type")
    if kind == "array":
        # Without `items` (the SDK's model has no such field) an array holds strings.
        items = prop.setdefault("items", {"type": "string"})
        if not isinstance(items, dict) or items.get("type") not in ITEM_TYPES:
            raise _bad(name, "items: An array property needs an items type")
        _check_enum(name, items, str(items["type"]))
        if "enum" in prop or "oneOf" in prop:
            raise _bad(name, "enum: use items.enum for array properties")
    else:
        if "items" in prop:
            raise _bad(name, "items: only applies to array properties")
        _check_enum(name, prop, str(kind))
    out = {k: v for k, v in prop.items() if v is not None and k not in ("required",)}
    if prop.get("required") is True:
        out["required"] = True
    out.setdefault("mutability", "READ_WRITE")
    out.setdefault("scope", "NONE")
    out["permissions"] = permissions
    if "default" in out and profile_value_problem(out, out["default"]) is not None:
        raise _bad(name, "default: does not match the property definition")
    return _ordered(out)


def _check_base(name: str, change: Any, current: dict[str, Any]) -> dict[str, Any]:
    if name not in _BASE:
        raise _bad(name, "Property is not defined in the base schema")
    if not isinstance(change, dict):
        raise _bad(name, "Base properties cannot be removed")
    out: dict[str, Any] = {}
    for key, value in change.items():
        if current.get(key) == value:
            continue
        if key == "required" and name in BASE_OPTIONAL and isinstance(value, bool):
            out[key] = value if value else None
        elif key in BASE_CHANGES or (key == "pattern" and name == "login" and isinstance(value, str | None)):
            out[key] = value
        else:
            raise _bad(name, f"{key}: Base property attributes cannot be modified")
    return out


def update_user_schema(state: TenantState, body: dict[str, Any], *, actor_id: str | None) -> None:
    """POST .../schemas/user/default: add, change (partially) or remove (null) properties."""
    definitions = body.get("definitions") or {}
    if not isinstance(definitions, dict):
        raise validation("definitions", "definitions: must be an object")
    custom_in = (definitions.get("custom") or {}).get("properties") or {}
    base_in = (definitions.get("base") or {}).get("properties") or {}
    if not isinstance(custom_in, dict) or not isinstance(base_in, dict):
        raise validation("definitions", "definitions: properties must be an object")
    custom = custom_attributes(state)
    removed: list[str] = []
    for name, prop in custom_in.items():
        if prop is None:
            if name in custom:
                del custom[name]
                removed.append(name)
            continue
        if not isinstance(prop, dict):
            raise _bad(name, "Invalid property definition")
        merged = {**custom.get(name, {}), **prop}
        custom[name] = _check_custom(name, {k: v for k, v in merged.items() if v is not None})
    base_now = base_properties(state)
    base_over: dict[str, dict[str, Any]] = dict(state.meta.get("user_schema_base") or {})
    for name, change in base_in.items():
        checked = _check_base(name, change, base_now.get(name, {}))
        if checked:
            base_over[name] = {**base_over.get(name, {}), **checked}
    # Everything is valid: only now touch the tenant (meta is not undone on failure).
    state.meta["custom_attributes"] = custom
    state.meta["user_schema_base"] = base_over
    state.meta["user_schema_updated"] = now_iso(state)
    state.mark_dirty()
    if removed:
        # Values of a removed attribute disappear from every profile.
        for user in state["users"]:
            if any(name in user["profile"] for name in removed):
                profile = {k: v for k, v in user["profile"].items() if k not in removed}
                state["users"].update(user["id"], profile=profile)


# --- profile validation ---------------------------------------------------------------------
def profile_value_problem(prop: dict[str, Any], value: Any) -> str | None:
    """Why a value does not fit a property definition (None: it fits)."""
    kind = prop.get("type", "string")
    if kind == "array":
        if not isinstance(value, list):
            return "The value must be an array"
        items = prop.get("items") or {}
        for item in value:
            problem = profile_value_problem({"type": "string", **items}, item)
            if problem is not None:
                return problem
        return None
    if not _matches_type(value, str(kind)):
        return f"The value must be of type {kind}"
    enum = prop.get("enum")
    if enum is not None and value not in enum:
        return "Does not match allowed values"
    if isinstance(value, str):
        if "minLength" in prop and len(value) < prop["minLength"]:
            return f"The field must be at least {prop['minLength']} characters"
        if "maxLength" in prop and len(value) > prop["maxLength"]:
            return f"The field cannot exceed {prop['maxLength']} characters"
        if prop.get("format") == "email" and value and not EMAIL_RE.match(value):
            return "Does not match required pattern"
        pattern = prop.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            return "Does not match required pattern"
    return None


def check_profile(state: TenantState, profile: dict[str, Any], *, operation: str) -> None:
    """E0000001 with Okta's causes when a complete profile breaks the schema."""
    base = base_properties(state)
    custom = custom_attributes(state)
    causes: list[tuple[str, str]] = []
    for name, prop in [*base.items(), *custom.items()]:
        value = profile.get(name)
        if prop.get("required") is True and (value is None or value == "" or value == []):
            causes.append((name, "The field cannot be left blank"))
    login = profile.get("login")
    if "pattern" not in base["login"] and not (isinstance(login, str) and EMAIL_RE.match(login)):
        causes.append(("login", "Username must be in the form of an email address"))
    for name, prop in [*base.items(), *custom.items()]:
        value = profile.get(name)
        if value is None or (value == "" and name == "login"):
            continue
        problem = profile_value_problem(prop, value)
        if problem is not None and (name, problem) not in causes:
            causes.append((name, problem))
    if causes:
        raise OktaError(
            f"Api validation failed: {causes[0][0]}", causes=[f"{name}: {text}" for name, text in causes]
        )
    unknown = [k for k in profile if k not in base and k not in custom]
    if unknown:
        raise OktaError(
            f"Api validation failed: {operation}",
            causes=[f"Property name '{name}' is not defined in profile" for name in unknown],
        )


def unique_attributes(state: TenantState) -> list[str]:
    return [
        name
        for name, prop in custom_attributes(state).items()
        if prop.get("unique") in (True, "UNIQUE_VALIDATED")
    ]


def custom_defaults(state: TenantState) -> dict[str, Any]:
    return {name: prop["default"] for name, prop in custom_attributes(state).items() if "default" in prop}
