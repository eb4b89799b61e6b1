"""/api/v1/sessions: exchange a sessionToken, read, refresh and end sessions; clear a user's."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row, TenantState
from twins.kit import Call, Registry
from twins.okta import logs
from twins.okta.backend import authn
from twins.okta.kit import AUTH

ops = Registry(auth=AUTH, tags=("sessions",))


def session_view(row: Row, state: TenantState, base: str) -> dict[str, Any]:
    """The Session object, with the org as the OKTA identity provider."""
    href = f"{base}/api/v1/sessions/{row['id']}"
    user = state["users"].get(row["user_id"])
    return {
        "id": row["id"],
        "userId": row["user_id"],
        "login": row["login"],
        "createdAt": row["created"],
        "expiresAt": row["expires_at"],
        "status": row["status"],
        "lastPasswordVerification": row["last_password_verification"],
        "lastFactorVerification": None,
        "amr": ["pwd"],
        "idp": {"id": state.meta.get("org", {}).get("id", ""), "type": "OKTA"},
        "mfaActive": False,
        "_links": {
            "self": {"href": href, "hints": {"allow": ["GET", "DELETE"]}},
            "refresh": {"href": f"{href}/lifecycle/refresh", "hints": {"allow": ["POST"]}},
            "user": {
                "name": logs.display_name(user, "User") if user else "",
                "href": f"{base}/api/v1/users/{row['user_id']}",
                "hints": {"allow": ["GET"]},
            },
        },
    }


@ops.operation("POST", "/api/v1/sessions", auth=None, write=True)
def create_session(call: Call) -> dict[str, Any]:
    """Anonymous: the sessionToken is the proof of authentication."""
    row = authn.create_session(call.state, call.require_body().get("sessionToken"))
    return session_view(row, call.state, call.base_url)


@ops.operation("GET", "/api/v1/sessions/{session_id}", scope="okta.sessions.read")
def get_session(call: Call) -> dict[str, Any]:
    return session_view(authn.get_session(call.state, call.path["session_id"]), call.state, call.base_url)


@ops.operation(
    "POST", "/api/v1/sessions/{session_id}/lifecycle/refresh", scope="okta.sessions.manage", write=True
)
def refresh_session(call: Call) -> dict[str, Any]:
    row = authn.refresh_session(call.state, call.path["session_id"])
    return session_view(row, call.state, call.base_url)


@ops.operation(
    "DELETE", "/api/v1/sessions/{session_id}", scope="okta.sessions.manage", write=True, status=204
)
def revoke_session(call: Call) -> None:
    authn.revoke_session(call.state, call.path["session_id"], actor_id=call.caller.subject)


@ops.operation(
    "DELETE", "/api/v1/users/{user_id}/sessions", scope="okta.users.manage", write=True, status=204
)
def revoke_user_sessions(call: Call) -> None:
    """End the user's sessions; with `oauthTokens=true` also revoke their OAuth tokens."""
    authn.revoke_user_sessions(
        call.state,
        call.path["user_id"],
        oauth_tokens=call.args.flag("oauthTokens", False),
        actor_id=call.caller.subject,
    )
