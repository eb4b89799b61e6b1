"""POST /api/v1/authn (no API token needed): primary authentication and its transactions."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row
from twins.kit import Call, Registry, Reply
from twins.okta.backend import authn
from twins.okta.backend.authn import AuthnResult
from twins.okta.common import iso

ops = Registry(auth=None, tags=("authn",))  # no API token: the body carries the credentials
COMPLEXITY = {"minLength": 8, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1, "minSymbol": 0}


def _post(href: str, name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name} if name else {}
    out.update({"href": href, "hints": {"allow": ["POST"]}})
    return out


def embedded_user(user: Row) -> dict[str, Any]:
    profile = user["profile"]
    return {
        "id": user["id"],
        "passwordChanged": user["password_changed"],
        "profile": {
            "login": profile.get("login", user["login"]),
            "firstName": profile.get("firstName"),
            "lastName": profile.get("lastName"),
            "locale": profile.get("locale") or "en_US",
            "timeZone": profile.get("timeZone") or "America/Los_Angeles",
        },
    }


def transaction(result: AuthnResult, base: str) -> dict[str, Any]:
    """The Authentication Transaction object for a SUCCESS, PASSWORD_EXPIRED or LOCKED_OUT state."""
    api = f"{base}/api/v1/authn"
    if result.status == "LOCKED_OUT":
        return {"status": "LOCKED_OUT", "_links": {"next": _post(f"{api}/recovery/unlock", "unlock")}}
    assert result.user is not None and result.expires_at is not None
    expires = iso(result.expires_at)
    user = embedded_user(result.user)
    if result.status == "PASSWORD_EXPIRED":
        return {
            "stateToken": result.token,
            "expiresAt": expires,
            "status": "PASSWORD_EXPIRED",
            "_embedded": {"user": user, "policy": {"complexity": dict(COMPLEXITY)}},
            "_links": {
                "next": _post(f"{api}/credentials/change_password", "changePassword"),
                "cancel": _post(f"{api}/cancel"),
            },
        }
    return {
        "expiresAt": expires,
        "status": "SUCCESS",
        "sessionToken": result.token,
        "_embedded": {"user": user},
    }


@ops.operation("POST", "/api/v1/authn", write=True)
def primary(call: Call) -> Reply:
    """Primary authentication; a failed attempt is counted (kept) and refused."""
    body = call.require_body()
    result = authn.primary_authn(call.state, body.get("username"), body.get("password"))
    if result.error is not None:
        return Reply(error=result.error)
    return Reply(transaction(result, call.base_url))


@ops.operation("POST", "/api/v1/authn/credentials/change_password", write=True)
def change_password(call: Call) -> dict[str, Any]:
    body = call.require_body()
    result = authn.change_expired_password(
        call.state, body.get("stateToken"), body.get("oldPassword"), body.get("newPassword")
    )
    return transaction(result, call.base_url)


@ops.operation("POST", "/api/v1/authn/cancel", write=True)
def cancel(call: Call) -> dict[str, Any]:
    authn.cancel(call.state, call.require_body().get("stateToken"))
    return {}
