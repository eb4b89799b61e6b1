"""What Okta answers for the app settings a request leaves out, as the reference recordings of
terraform-provider-okta show it (SAML sign-on options, the setup help link, OIDC client options)."""

from __future__ import annotations

import httpx


async def test_a_saml_app_answers_okta_s_defaults_and_its_help_link(client: httpx.AsyncClient) -> None:
    body = {
        "label": "Expenses",
        "signOnMode": "SAML_2_0",
        "settings": {
            "signOn": {
                "ssoAcsUrl": "https://expenses.example.com/sso/saml",
                "audience": "https://expenses.example.com",
                "defaultRelayState": "",
            }
        },
    }
    made = (await client.post("/api/v1/apps", json=body)).json()
    app = (await client.get(f"/api/v1/apps/{made['id']}")).json()
    sign_on = app["settings"]["signOn"]
    assert sign_on["defaultRelayState"] is None  # an empty relay state is kept as none
    assert sign_on["spIssuer"] is None and sign_on["requestCompressed"] is False
    assert sign_on["assertionEncryption"] == {"enabled": False}
    assert sign_on["inlineHooks"] == [] and sign_on["acsEndpoints"] == []
    assert sign_on["allowMultipleAcsEndpoints"] is False and sign_on["samlSignedRequestEnabled"] is False
    assert app["settings"]["emOptInStatus"] == "NONE"
    help_link = app["_links"]["help"]
    assert help_link["type"] == "text/html"
    assert help_link["href"].endswith(f"/app/{app['name']}/{app['id']}/setup/help/SAML_2_0/instructions")


async def test_an_oidc_app_answers_okta_s_client_options_keeping_those_sent(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "label": "Portal",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}},
        "settings": {
            "oauthClient": {
                "redirect_uris": ["https://portal.example.com/cb"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "application_type": "web",
                "logo_uri": "https://portal.example.com/logo.png",
            }
        },
    }
    made = (await client.post("/api/v1/apps", json=body)).json()
    oauth = (await client.get(f"/api/v1/apps/{made['id']}")).json()["settings"]["oauthClient"]
    assert oauth["logo_uri"] == "https://portal.example.com/logo.png"
    assert oauth["client_uri"] is None and oauth["participate_slo"] is False
    assert oauth["wildcard_redirect"] == "DISABLED" and oauth["dpop_bound_access_tokens"] is False
