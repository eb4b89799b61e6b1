"""Discovery documents and key sets of the org and custom authorization servers.

/.well-known/openid-configuration and /.well-known/oauth-authorization-server (org server),
/oauth2/{server}/.well-known/…, /oauth2/v1/keys and /oauth2/{server}/v1/keys. Keys list the
ACTIVE, NEXT and the last EXPIRED key, so tokens signed before a rotation still verify.
"""

from __future__ import annotations

from typing import Any

from twins.kit import Call, Registry, Reply
from twins.okta import keys
from twins.okta.backend import oauth
from twins.okta.tokens import Issuer

RESPONSE_TYPES = ["code", "id_token", "code id_token", "code token", "id_token token", "code id_token token"]
RESPONSE_MODES = ["query", "fragment", "form_post", "okta_post_message"]
OIDC_GRANTS = [
    "authorization_code",
    "implicit",
    "refresh_token",
    "password",
    "urn:ietf:params:oauth:grant-type:device_code",
]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]
ID_CLAIMS = [
    "iss",
    "ver",
    "sub",
    "aud",
    "iat",
    "exp",
    "jti",
    "auth_time",
    "amr",
    "idp",
    "nonce",
    "name",
    "nickname",
    "preferred_username",
    "given_name",
    "middle_name",
    "family_name",
    "email",
    "email_verified",
    "profile",
    "zoneinfo",
    "locale",
    "address",
    "phone_number",
    "picture",
    "website",
    "gender",
    "birthdate",
    "updated_at",
    "at_hash",
    "c_hash",
]
ACCESS_CLAIMS = ["ver", "jti", "iss", "aud", "iat", "exp", "cid", "uid", "scp", "sub"]
REQUEST_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
OKTA_SCOPES = [
    f"okta.{family}.{verb}"
    for family in (
        "users",
        "groups",
        "apps",
        "authorizationServers",
        "clients",
        "logs",
        "events",
        "eventHooks",
        "inlineHooks",
        "policies",
        "schemas",
        "sessions",
        "factors",
        "idps",
        "roles",
        "userTypes",
        "trustedOrigins",
        "networkZones",
        "domains",
        "brands",
        "orgs",
    )
    for verb in ("manage", "read")
    if not (family in ("logs", "events") and verb == "manage")
]
KEYS_CACHE = "max-age=300, must-revalidate"
ops = Registry(auth=None, tags=("oauth2-discovery",))  # public documents: no credential


def metadata(state_scopes: list[str], iss: Issuer, *, openid: bool) -> dict[str, Any]:
    """The metadata document, in Okta's field order."""
    doc: dict[str, Any] = {
        "issuer": iss.issuer,
        "authorization_endpoint": iss.url("authorize"),
        "token_endpoint": iss.url("token"),
    }
    if openid:
        doc["userinfo_endpoint"] = iss.url("userinfo")
    doc.update(
        registration_endpoint=f"{iss.base}/oauth2/v1/clients",
        jwks_uri=iss.url("keys"),
        response_types_supported=RESPONSE_TYPES if openid else ["code", "token", *RESPONSE_TYPES[1:]],
        response_modes_supported=RESPONSE_MODES,
        grant_types_supported=OIDC_GRANTS
        if openid
        else [*OIDC_GRANTS[:4], "client_credentials", OIDC_GRANTS[4]],
        subject_types_supported=["public"],
    )
    if openid:
        doc["id_token_signing_alg_values_supported"] = ["RS256"]
    doc.update(
        scopes_supported=state_scopes,
        token_endpoint_auth_methods_supported=AUTH_METHODS,
        claims_supported=ID_CLAIMS if openid or iss.org else ACCESS_CLAIMS,
        code_challenge_methods_supported=["S256"],
        introspection_endpoint=iss.url("introspect"),
        introspection_endpoint_auth_methods_supported=AUTH_METHODS,
        revocation_endpoint=iss.url("revoke"),
        revocation_endpoint_auth_methods_supported=AUTH_METHODS,
        end_session_endpoint=iss.url("logout"),
        request_parameter_supported=True,
        request_object_signing_alg_values_supported=REQUEST_ALGS,
        device_authorization_endpoint=iss.url("device/authorize"),
        pushed_authorization_request_endpoint=iss.url("par"),
    )
    return doc


def document(call: Call, openid: bool) -> dict[str, Any]:
    """The metadata of the org server, or of the custom server named in the path."""
    iss = oauth.resolve(call.state, call.path.get("server"), call.base_url)
    if iss.row is None:
        scopes = ["openid", "email", "profile", "address", "phone", "offline_access", "groups", *OKTA_SCOPES]
    else:
        scopes = [s["name"] for s in iss.row["data"]["scopes"] if s.get("metadataPublish") == "ALL_CLIENTS"]
    return metadata(scopes, iss, openid=openid)


@ops.operation("GET", "/.well-known/openid-configuration")
def org_openid(call: Call) -> dict[str, Any]:
    return document(call, True)


@ops.operation("GET", "/.well-known/oauth-authorization-server")
def org_oauth(call: Call) -> dict[str, Any]:
    return document(call, False)


@ops.operation("GET", "/oauth2/{server}/.well-known/openid-configuration")
def custom_openid(call: Call) -> dict[str, Any]:
    return document(call, True)


@ops.operation("GET", "/oauth2/{server}/.well-known/oauth-authorization-server")
def custom_oauth(call: Call) -> dict[str, Any]:
    return document(call, False)


def key_set(call: Call) -> Reply:
    """The server's public keys (ACTIVE, NEXT and the last EXPIRED), cacheable for 5 minutes."""
    iss = oauth.resolve(call.state, call.path.get("server"), call.base_url)
    return Reply(keys.jwks(call.state, iss.server_id), headers={"Cache-Control": KEYS_CACHE})


@ops.operation("GET", "/oauth2/v1/keys")
def org_keys(call: Call) -> Reply:
    return key_set(call)


@ops.operation("GET", "/oauth2/{server}/v1/keys")
def custom_keys(call: Call) -> Reply:
    return key_set(call)
