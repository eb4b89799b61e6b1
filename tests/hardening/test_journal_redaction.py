"""The journal stores exchanges with credentials masked: headers, query parameters, body fields."""

from __future__ import annotations

import json
from typing import Any

from tests.hardening.conftest import ADMIN, VendorFactory
from twins._runtime import redact
from twins.okta.seed import DEFAULT_PASSWORD


async def journal(vendor: Any) -> list[dict[str, Any]]:
    resp = await vendor.http.get("/_twin/journal", headers=ADMIN)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["exchanges"])


async def test_okta_password_bodies_and_ssws_tokens_are_masked(make_vendor: VendorFactory) -> None:
    okta = await make_vendor("okta")
    login = okta.creds["admin_login"]
    resp = await okta.http.post("/api/v1/authn", json={"username": login, "password": DEFAULT_PASSWORD})
    assert resp.status_code == 200, resp.text
    assert "sessionToken" in resp.json()
    me = await okta.http.get("/api/v1/users/me", headers={"Authorization": f"SSWS {okta.creds['api_token']}"})
    assert me.status_code == 200
    authn, users = await journal(okta)
    sent = json.loads(authn["request"]["body"]["text"])
    assert sent == {"username": login, "password": "REDACTED"}
    assert json.loads(authn["response"]["body"]["text"])["sessionToken"] == "REDACTED"
    assert dict(users["request"]["headers"])["authorization"] == "SSWS REDACTED"
    dumped = json.dumps([authn, users])
    assert DEFAULT_PASSWORD not in dumped and okta.creds["api_token"] not in dumped


async def test_slack_tokens_in_query_form_and_header_are_masked(make_vendor: VendorFactory) -> None:
    slack = await make_vendor("slack")
    token = slack.creds["bot_token"]
    assert (await slack.http.get("/api/auth.test", params={"token": token})).json()["ok"]
    assert (await slack.http.post("/api/auth.test", data={"token": token})).json()["ok"]
    header = {"Authorization": f"Bearer {token}"}
    posted = await slack.http.post(
        "/api/chat.postMessage", json={"channel": "#general", "text": "token"}, headers=header
    )
    assert posted.json()["ok"]
    by_query, by_form, by_header = await journal(slack)
    assert by_query["request"]["url"].endswith("/api/auth.test?token=REDACTED")
    assert by_form["request"]["body"]["text"] == "token=REDACTED"
    assert dict(by_header["request"]["headers"])["authorization"] == "Bearer REDACTED"
    assert json.loads(by_header["request"]["body"]["text"])["text"] == "token"  # values are not names
    assert token not in json.dumps([by_query, by_form, by_header])


async def test_slack_multipart_token_fields_are_masked_and_files_kept(make_vendor: VendorFactory) -> None:
    slack = await make_vendor("slack")
    token = slack.creds["bot_token"]
    resp = await slack.http.post(
        "/api/chat.postMessage",
        data={"token": token, "channel": "#general", "text": "notes"},
        files={"file": ("token.txt", b"token=abc is not a field", "text/plain")},
    )
    assert resp.json()["ok"], resp.text
    (upload,) = await journal(slack)
    text = upload["request"]["body"]["text"]
    assert token not in text and 'name="token"\r\n\r\nREDACTED\r\n' in text
    assert "notes" in text and "token=abc is not a field" in text  # other fields and files kept


def test_redaction_rules() -> None:
    assert redact.secret_name("client_secret") and redact.secret_name("refresh_token")
    assert not redact.secret_name("token_type") and not redact.secret_name("channel")
    nested = b'{"credentials":{"password":{"value":"pw"},"recovery_question":{"answer":"a"}},"x":1}'
    masked = json.loads(redact.body(nested, b"application/json"))
    assert masked == {
        "credentials": {"password": {"value": "REDACTED"}, "recovery_question": {"answer": "REDACTED"}},
        "x": 1,
    }
    plain = b'{"text":"my password is code"}'
    assert redact.body(plain, b"application/json") is plain
    form = b"client_id=1&client_secret=s&code=c"
    assert (
        redact.body(form, b"application/x-www-form-urlencoded")
        == b"client_id=1&client_secret=REDACTED&code=REDACTED"
    )
    assert redact.headers(((b"cookie", b"a=b"), (b"host", b"x"))) == (
        (b"cookie", b"REDACTED"),
        (b"host", b"x"),
    )
    deep = b'{"password":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert redact.body(deep, b"application/json") is deep  # unreadable JSON is kept, never a crash


async def test_a_credential_sent_every_way_is_in_no_journal_read(make_vendor: VendorFactory) -> None:
    """The journal keeps exchanges as served; each way out of it (the admin page, a path or method
    filter on it, the journal's own `page` and `to_exchange`) shows them masked."""
    slack = await make_vendor("slack")
    token = slack.creds["bot_token"]
    header = {"Authorization": f"Bearer {token}", "Cookie": f"d={token}"}
    await slack.http.post("/api/auth.test", params={"token": token}, headers=header)
    await slack.http.post("/api/auth.test", data={"token": token, "client_secret": token})
    await slack.http.post("/api/auth.test", json={"token": token, "nested": {"password": token}})
    await slack.http.post("/api/auth.test", params={"token": token}, json={"token": token}, headers=header)
    reads: list[Any] = [await journal(slack)]
    for params in ({"path": "token"}, {"path": token}, {"method": "POST", "limit": 1}, {"after": 2}):
        resp = await slack.http.get("/_twin/journal", params=params, headers=ADMIN)
        assert resp.status_code == 200, resp.text
        reads.append(resp.json())
    assert len(reads[0]) == 4 and reads[1]["exchanges"] and reads[2]["exchanges"] == []
    kept = slack.app.state.twin.journal
    items, _ = kept.page("default")
    reads += [e.model_dump(mode="json") for e in items]
    reads += [kept.to_exchange(e).model_dump(mode="json") for e in kept._by_tenant["default"]]
    dumped = json.dumps(reads)
    assert token not in dumped and "REDACTED" in dumped
