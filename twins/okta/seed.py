"""The default org: an admin with an API token, people in several statuses, groups (with the
built-in Everyone), apps with assignments, and the default authorization server; the credentials
a client of it needs (`credentials`, `env`)."""

from __future__ import annotations

import hashlib
from typing import Any

from faker import Faker

from twins._runtime.collection import Row, TenantState
from twins.okta.common import now_iso, okta_id
from twins.okta.passwords import hash_password

DEFAULT_PASSWORD = "Twin-Passw0rd!"  # of seeded people when the seed alone decides credentials
STATUSES = ["ACTIVE"] * 8 + [
    "STAGED",
    "PROVISIONED",
    "SUSPENDED",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "DEPROVISIONED",
    "RECOVERY",
]
DEPARTMENTS = ["Engineering", "Sales", "Support", "Finance", "Marketing", "People"]


def seed_password(state: TenantState) -> str:
    """The password of the seeded people: DEFAULT_PASSWORD, or one of this installation's own
    (upper and lower case, digits, as Okta's default policy asks) when it has a secret."""
    if state.id_scope == state.id:
        return DEFAULT_PASSWORD
    digest = hashlib.blake2b(f"{state.id_scope}:{state.seed}:password".encode(), digest_size=8).hexdigest()
    return f"Twin-{digest}-Pw9"


def new_user(state: TenantState, fake: Faker, domain: str, status: str = "ACTIVE", **profile: Any) -> Row:
    first, last = fake.first_name(), fake.last_name()
    login = profile.pop("login", "")
    if not login:
        local = f"{first}.{last}".lower().replace("'", "")
        login, n = f"{local}@{domain}", 1
        while state["users"].by("login", login) is not None:  # large seeds repeat names
            n += 1
            login = f"{local}{n}@{domain}"
    now = now_iso(state)
    active = status not in ("STAGED", "PROVISIONED")
    creds: dict[str, Any] = {"provider": {"type": "OKTA", "name": "OKTA"}}
    if status not in ("STAGED", "PROVISIONED"):
        creds["password"] = hash_password(state, seed_password(state))
        creds["recovery_question"] = {
            "question": "Who's a major player in the cowboy scene?",
            "answer": "annie oakley",
        }
    body = {
        "firstName": first,
        "lastName": last,
        "mobilePhone": None,
        "secondEmail": None,
        "login": login,
        "email": login,
        "department": fake.random_element(DEPARTMENTS),
        "title": fake.job()[:60],
        **profile,
    }
    return state["users"].insert(
        {
            "id": okta_id(state, "user"),
            "login": login.lower(),
            "status": status,
            "created": now,
            "activated": now if active else None,
            "status_changed": now,
            "last_updated": now,
            "password_changed": now if "password" in creds else None,
            "profile": body,
            "credentials": creds,
            "type_id": state.meta["user_type_id"],
        }
    )


def new_group(state: TenantState, name: str, description: str, kind: str = "OKTA_GROUP") -> Row:
    now = now_iso(state)
    return state["groups"].insert(
        {
            "id": okta_id(state, "group"),
            "type": kind,
            "name": name,
            "profile": {"name": name, "description": description},
            "created": now,
            "last_updated": now,
            "last_membership_updated": now,
        }
    )


def add_member(state: TenantState, group: Row, user: Row) -> None:
    state["memberships"].insert(
        {"id": f"{group['id']}:{user['id']}", "group_id": group["id"], "user_id": user["id"]}
    )


def seed(state: TenantState, size: int) -> None:
    fake = Faker("en_US")
    fake.seed_instance(state.seed)
    subdomain = fake.domain_word()
    domain = f"{subdomain}.example"
    state.meta["org"] = {
        "id": "00o" + state.ids.chars("org", 17),
        "subdomain": subdomain,
        "name": fake.company(),
        "domain": domain,
    }
    state.meta["user_type_id"] = okta_id(state, "type")
    state.meta["schema_id"] = okta_id(state, "schema")
    state.meta["custom_attributes"] = {}
    everyone = new_group(state, "Everyone", "All users in your organization", "BUILT_IN")
    admin = new_user(state, fake, domain, "ACTIVE", login=f"admin@{domain}", email=f"admin@{domain}")
    state.meta["admin_user_id"] = admin["id"]
    state["api_tokens"].insert(
        {
            "id": okta_id(state, "api_token"),
            "token": "00" + state.ids.chars("api-token", 40),
            "name": "twin-admin",
            "user_id": admin["id"],
            "created": now_iso(state),
        }
    )
    people = [admin]
    for i in range(len(STATUSES) + 10 * max(0, size - 1)):
        people.append(new_user(state, fake, domain, STATUSES[i % len(STATUSES)]))
    for person in people:
        if person["status"] != "DEPROVISIONED":
            add_member(state, everyone, person)
    groups = [
        new_group(state, "Engineering", "Everyone who builds the product"),
        new_group(state, "Sales", "Account executives and SDRs"),
        new_group(state, "Admins", "Org administrators"),
    ]
    for person in people[1:]:
        dept = person["profile"]["department"]
        for group in groups:
            if group["name"] == dept and person["status"] != "DEPROVISIONED":
                add_member(state, group, person)
    add_member(state, groups[2], admin)
    seed_apps(state, groups, people)
    seed_authorization_servers(state)


def seed_authorization_servers(state: TenantState) -> None:
    """The org server's signing keys and the "default" authorization server with its policy."""
    from twins.okta.backend.authservers import seed_authorization_servers as seed_servers

    seed_servers(state)


def seed_apps(state: TenantState, groups: list[Row], people: list[Row]) -> None:
    """An OIDC web app and a service app (client credentials), plus a bookmark app; assigned."""
    from twins.okta.backend import apps as apps_backend

    web = apps_backend.create_app(
        state,
        {
            "name": "oidc_client",
            "label": "Twin Web App",
            "signOnMode": "OPENID_CONNECT",
            "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}},
            "settings": {
                "oauthClient": {
                    "redirect_uris": ["http://127.0.0.1:8400/callback", "http://localhost:8400/callback"],
                    "post_logout_redirect_uris": ["http://127.0.0.1:8400/"],
                    "response_types": ["code"],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "application_type": "web",
                }
            },
        },
        actor_id=None,
    )
    service = apps_backend.create_app(
        state,
        {
            "name": "oidc_client",
            "label": "Twin Service App",
            "signOnMode": "OPENID_CONNECT",
            "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}},
            "settings": {
                "oauthClient": {
                    "redirect_uris": [],
                    "response_types": ["token"],
                    "grant_types": ["client_credentials"],
                    "application_type": "service",
                }
            },
        },
        actor_id=None,
    )
    bookmark = apps_backend.create_app(
        state,
        {
            "name": "bookmark",
            "label": "Company Wiki",
            "signOnMode": "BOOKMARK",
            "settings": {"app": {"requestIntegration": False, "url": "https://wiki.example.com"}},
        },
        actor_id=None,
    )
    state.meta["web_app_id"] = web["id"]
    state.meta["service_app_id"] = service["id"]
    for group in groups[:1]:
        apps_backend.assign_group(state, web["id"], group["id"], {}, actor_id=None)
        apps_backend.assign_group(state, bookmark["id"], group["id"], {}, actor_id=None)
    for person in people[:3]:
        if person["status"] == "ACTIVE":
            apps_backend.assign_user(state, web["id"], {"id": person["id"], "scope": "USER"}, actor_id=None)


def credentials(state: TenantState, base_url: str) -> dict[str, Any]:
    """API token of the admin, the OIDC web app's and the service app's client credentials."""
    admin_id = state.meta.get("admin_user_id", "")
    token = next((t for t in state["api_tokens"] if t["user_id"] == admin_id), None)
    admin = state["users"].get(admin_id) or {}
    out: dict[str, Any] = {
        "org_url": base_url,
        "api_token": token["token"] if token else "",
        "admin_login": admin.get("login", ""),
        "admin_password": seed_password(state),
        "user_password": seed_password(state),
    }
    for key, app_id in (
        ("web_app", state.meta.get("web_app_id")),
        ("service_app", state.meta.get("service_app_id")),
    ):
        app = state["apps"].get(app_id) if app_id else None
        if app is not None:
            oauth = app["data"].get("credentials", {}).get("oauthClient", {})
            out[f"{key}_client_id"] = oauth.get("client_id", "")
            out[f"{key}_client_secret"] = oauth.get("client_secret", "")
    out["issuer"] = f"{base_url}/oauth2/default"
    return out


def env(url: str, creds: dict[str, Any]) -> dict[str, str]:
    return {
        "OKTA_CLIENT_ORGURL": url,
        "OKTA_CLIENT_TOKEN": str(creds.get("api_token", "")),
        "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK": "true",
    }
