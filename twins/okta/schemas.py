"""Wire shapes: Okta's User, Group and Application objects with their `_links`."""

from __future__ import annotations

from typing import Any

from twins._runtime.collection import Row

LIFECYCLE_LINKS = {
    "STAGED": ["activate"],
    "PROVISIONED": ["suspend", "resetPassword", "reactivate", "deactivate"],
    "ACTIVE": [
        "suspend",
        "resetPassword",
        "expirePassword",
        "forgotPassword",
        "changeRecoveryQuestion",
        "deactivate",
        "changePassword",
    ],
    "RECOVERY": ["suspend", "resetPassword", "expirePassword", "deactivate"],
    "PASSWORD_EXPIRED": ["suspend", "resetPassword", "expirePassword", "deactivate"],
    "LOCKED_OUT": ["unlock", "resetPassword", "deactivate"],
    "SUSPENDED": ["unsuspend", "deactivate"],
    "DEPROVISIONED": ["activate", "delete"],
}
ACTION_PATHS = {
    "activate": "lifecycle/activate",
    "deactivate": "lifecycle/deactivate",
    "suspend": "lifecycle/suspend",
    "unsuspend": "lifecycle/unsuspend",
    "reactivate": "lifecycle/reactivate",
    "delete": "",
    "unlock": "lifecycle/unlock",
    "resetPassword": "lifecycle/reset_password",
    "expirePassword": "lifecycle/expire_password",
    "forgotPassword": "credentials/forgot_password",
    "changeRecoveryQuestion": "credentials/change_recovery_question",
    "changePassword": "credentials/change_password",
}


def user(row: Row, base: str) -> dict[str, Any]:
    """A User as GET /api/v1/users/{id} returns it (credentials without secrets)."""
    creds: dict[str, Any] = {}
    stored = row["credentials"]
    if "password" in stored:
        creds["password"] = {}
    if stored.get("recovery_question"):
        creds["recovery_question"] = {"question": stored["recovery_question"]["question"]}
    creds["provider"] = stored.get("provider", {"type": "OKTA", "name": "OKTA"})
    href = f"{base}/api/v1/users/{row['id']}"
    links: dict[str, Any] = {}
    for action in LIFECYCLE_LINKS.get(row["status"], []):
        if action == "delete":
            links[action] = {"href": href, "method": "DELETE"}
        else:
            links[action] = {"href": f"{href}/{ACTION_PATHS[action]}", "method": "POST"}
    links["schema"] = {"href": f"{base}/api/v1/meta/schemas/user/{row['type_id']}"}
    links["type"] = {"href": f"{base}/api/v1/meta/types/user/{row['type_id']}"}
    links["self"] = {"href": href}
    return {
        "id": row["id"],
        "status": row["status"],
        "created": row["created"],
        "activated": row["activated"],
        "statusChanged": row["status_changed"],
        "lastLogin": row["last_login"],
        "lastUpdated": row["last_updated"],
        "passwordChanged": row["password_changed"],
        "type": {"id": row["type_id"]},
        "transitioningToStatus": row["transitioning_to"],
        "profile": dict(row["profile"]),
        "credentials": creds,
        "_links": links,
    }


def group(row: Row, base: str) -> dict[str, Any]:
    href = f"{base}/api/v1/groups/{row['id']}"
    object_class = ["okta:user_group"] if row["type"] != "APP_GROUP" else ["okta:windows_security_principal"]
    return {
        "id": row["id"],
        "created": row["created"],
        "lastUpdated": row["last_updated"],
        "lastMembershipUpdated": row["last_membership_updated"],
        "objectClass": object_class,
        "type": row["type"],
        "profile": dict(row["profile"]),
        "_links": {
            "logo": [
                {
                    "name": "medium",
                    "href": f"{base}/assets/img/logos/groups/odyssey/okta-medium.png",
                    "type": "image/png",
                },
                {
                    "name": "large",
                    "href": f"{base}/assets/img/logos/groups/odyssey/okta-large.png",
                    "type": "image/png",
                },
            ],
            "users": {"href": f"{href}/users"},
            "apps": {"href": f"{href}/apps"},
        },
    }


def app(row: Row, base: str) -> dict[str, Any]:
    data = row["data"]
    href = f"{base}/api/v1/apps/{row['id']}"
    credentials = dict(data.get("credentials", {}))
    out: dict[str, Any] = {
        "id": row["id"],
        "orn": f"orn:okta:idp:{row['id']}:apps:{row['name']}:{row['id']}",
        "name": row["name"],
        "label": row["label"],
        "status": row["status"],
        "lastUpdated": row["last_updated"],
        "created": row["created"],
        "accessibility": data.get("accessibility", {}),
        "visibility": data.get("visibility", {}),
        "features": data.get("features", []),
        "signOnMode": row["sign_on_mode"],
        "credentials": credentials,
        "settings": data.get("settings", {}),
        "_links": {
            "appLinks": [
                {"name": row["name"], "href": f"{base}/home/{row['name']}/{row['id']}", "type": "text/html"}
            ],
            "groups": {"href": f"{href}/groups"},
            "users": {"href": f"{href}/users"},
            "deactivate" if row["status"] == "ACTIVE" else "activate": {
                "href": f"{href}/lifecycle/{'deactivate' if row['status'] == 'ACTIVE' else 'activate'}"
            },
            "self": {"href": href},
        },
    }
    for key in ("profile", "universalLogout"):
        if key in data:
            out[key] = data[key]
    return out
