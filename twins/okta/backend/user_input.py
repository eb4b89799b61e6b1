"""What a user's create or update body may carry: the profile (normalized, unique, typed),
credentials (password, imported hash or hook, recovery question, provider) and group ids."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.okta.backend.credentials import REQUIREMENTS, meets_policy
from twins.okta.backend.schema import unique_attributes
from twins.okta.errors import not_found, validation
from twins.okta.passwords import hash_password

ALWAYS_PRESENT = ("mobilePhone", "secondEmail")
LEADING = ("firstName", "lastName", "mobilePhone", "secondEmail", "login", "email")
PROVIDERS = ("OKTA", "ACTIVE_DIRECTORY", "LDAP", "FEDERATION", "SOCIAL", "IMPORT")
HASH_ALGORITHMS = ("BCRYPT", "SHA-512", "SHA-256", "SHA-1", "MD5", "PBKDF2")
OKTA_PROVIDER = {"type": "OKTA", "name": "OKTA"}


def normalize_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """Null values dropped (mobilePhone and secondEmail stay, as null), Okta's leading order."""
    kept = {k: v for k, v in profile.items() if v is not None}
    out: dict[str, Any] = {}
    for name in LEADING:
        if name in kept:
            out[name] = kept[name]
        elif name in ALWAYS_PRESENT:
            out[name] = None
    out.update({k: v for k, v in kept.items() if k not in out})
    return out


def parse_password(state: TenantState, value: Any, login: str) -> tuple[dict[str, Any] | None, bool]:
    """(stored password, imported?) from a credentials.password object; None when it sets nothing."""
    if value is None or value == {}:
        return None, False
    if not isinstance(value, dict):
        raise validation("password", "password: The password must be an object")
    if "hash" in value:
        digest = value["hash"]
        if not isinstance(digest, dict) or digest.get("algorithm") not in HASH_ALGORITHMS:
            raise validation("password", "password.hash.algorithm: Unsupported hash algorithm")
        if not isinstance(digest.get("value"), str) or not digest["value"]:
            raise validation("password", "password.hash.value: The field cannot be left blank")
        return {"imported": {k: v for k, v in digest.items() if v is not None}}, True
    if "hook" in value:
        return {"hook": dict(value["hook"]) if isinstance(value["hook"], dict) else {}}, True
    secret = value.get("value")
    if secret is None:
        return None, False
    if not isinstance(secret, str):
        raise validation("password", "password: The password must be a string")
    if not meets_policy(secret, login):
        raise validation("password", f"password: {REQUIREMENTS}")
    return hash_password(state, secret), False


def parse_question(value: Any) -> dict[str, str] | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise validation("recovery_question", "recovery_question: must be an object")
    question, answer = value.get("question"), value.get("answer")
    if not isinstance(question, str) or not question.strip():
        raise validation(
            "credentials.recovery_question.question",
            "credentials.recovery_question.question: The field cannot be left blank",
        )
    if not isinstance(answer, str) or len(answer.strip()) < 4:
        raise validation(
            "credentials.recovery_question.answer",
            "credentials.recovery_question.answer: The security question answer must be at least 4 "
            "characters in length",
        )
    return {"question": question, "answer": answer.strip().lower()}


def parse_provider(value: Any) -> dict[str, str] | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, dict) or value.get("type") not in PROVIDERS:
        raise validation("provider", f"provider.type: must be one of {', '.join(PROVIDERS)}")
    return {"type": str(value["type"]), "name": str(value.get("name") or value["type"])}


def credentials_body(body: dict[str, Any]) -> dict[str, Any]:
    creds = body.get("credentials") or {}
    if not isinstance(creds, dict):
        raise validation("credentials", "credentials: must be an object")
    return creds


def check_unique(state: TenantState, profile: dict[str, Any], own_id: str | None) -> None:
    login = str(profile.get("login", "")).lower()
    other = state["users"].by("login", login)
    if other is not None and other["id"] != own_id:
        raise validation(
            "login", "login: An object with this field already exists in the current organization"
        )
    for name in unique_attributes(state):
        value = profile.get(name)
        if value is None:
            continue
        for user in state["users"]:
            if user["id"] != own_id and user["profile"].get(name) == value:
                raise validation(
                    name, f"{name}: An object with this field already exists in the current organization"
                )


def check_type(state: TenantState, body: dict[str, Any]) -> None:
    kind = body.get("type")
    if kind is None:
        return
    type_id = kind.get("id") if isinstance(kind, dict) else None
    if type_id not in (None, state.meta.get("user_type_id")):
        raise validation("type", f"type.id: The user type {type_id} does not exist")


def groups_for(state: TenantState, group_ids: Any) -> list[Row]:
    if group_ids is None:
        return []
    if not isinstance(group_ids, list) or not all(isinstance(g, str) for g in group_ids):
        raise validation("groupIds", "groupIds: must be an array of group ids")
    found = []
    for gid in dict.fromkeys(group_ids):
        group = state["groups"].get(gid)
        if group is None:
            raise not_found(gid, "UserGroup")
        if group["type"] != "OKTA_GROUP":
            raise validation("groupIds", f"groupIds: Group {gid} cannot be assigned users directly")
        found.append(group)
    return found
