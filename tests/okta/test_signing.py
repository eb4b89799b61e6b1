"""Tokens are signed with the parsed key reused, byte for byte as joserfc's jwt.encode signs them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.okta.org_support import org as tenant
from twins.okta import keys, tokens

CLAIMS: list[dict[str, Any]] = [
    {"ver": 1, "jti": "AT.abc", "iss": "http://127.0.0.1:8000/oauth2/default", "aud": "api://default"},
    {"iat": 1767225600, "exp": 1767229200, "cid": "0oa1", "scp": ["bench.read", "okta.users.read"]},
    {"sub": "Zoë.Ünïcødé@example.com", "name": "Łukasz Żółć 東京", "nested": {"a": [1, 2.5, None, True]}},
    {"quote": 'he said "hi"\\ / \n\t', "emoji": "\U0001f600", "empty": "", "list": []},
]


@pytest.mark.parametrize("claims", CLAIMS)
def test_tokens_are_what_joserfc_signs(okta_app: FastAPI, claims: dict[str, Any]) -> None:
    state = tenant(okta_app)
    for server_id in {r["server_id"] for r in state["keys"]}:
        row = keys.active_key(state, server_id)
        key = RSAKey.import_key(row["private_pem"], {"kid": row["id"], "alg": "RS256", "use": "sig"})
        expected = jwt.encode({"kid": row["id"], "alg": "RS256"}, dict(claims), key, default_type=None)
        assert tokens.sign(state, server_id, dict(claims)) == expected
        assert tokens.read(state, server_id, expected) == claims


def test_a_key_is_parsed_once(okta_app: FastAPI) -> None:
    row = next(iter(tenant(okta_app)["keys"]))
    assert keys.private_key(row["private_pem"]) is keys.private_key(row["private_pem"])
