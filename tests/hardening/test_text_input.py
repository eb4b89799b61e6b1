"""Text that a database may not store (NUL, unpaired surrogates) and JSON nested past the parser's
depth: the vendor's error, or the same stored result on SQLite and PostgreSQL; never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import Vendor, VendorFactory

DEEP = 100_000  # levels


def deep_json(key: str) -> bytes:
    return b'{"' + key.encode() + b'":' + b"[" * DEEP + b"]" * DEEP + b"}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A durable database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'twin.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


async def post(slack: Vendor, method: str, **kw: object) -> dict[str, object]:
    resp = await slack.http.post(f"/api/{method}", headers=slack.auth(), **kw)  # type: ignore[arg-type]
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    return body


@pytest.mark.parametrize(
    "method", ["chat.postMessage", "chat.update", "views.open", "conversations.create", "users.profile.set"]
)
async def test_slack_json_nested_100k_levels_is_invalid_json(make_vendor: VendorFactory, method: str) -> None:
    slack: Vendor = await make_vendor("slack")
    for key in ("channel", "blocks", "view", "profile"):
        resp = await slack.http.post(
            f"/api/{method}",
            content=deep_json(key),
            headers={**slack.auth(), "Content-Type": "application/json"},
        )
        assert resp.status_code == 200 and resp.json() == {"ok": False, "error": "invalid_json"}, resp.text
    # Nested JSON inside a form argument (blocks, view, profile as JSON strings).
    deep = "[" * DEEP + "]" * DEEP
    for key in ("blocks", "attachments", "view", "profile"):
        answer = await post(slack, method, data={"channel": "#general", "ts": "1.0", key: deep})
        assert answer["ok"] is False, answer
    assert (await slack.vendor_call()).status_code == 200


async def test_okta_create_user_nested_100k_levels_is_e0000003(make_vendor: VendorFactory) -> None:
    okta: Vendor = await make_vendor("okta")
    headers = {**okta.auth(), "Content-Type": "application/json"}
    for path in ("/api/v1/users", "/api/v1/groups", "/api/v1/apps", "/api/v1/authn"):
        resp = await okta.http.post(path, content=deep_json("profile"), headers=headers)
        assert resp.status_code == 400, resp.text
        assert resp.json()["errorCode"] == "E0000003"
        assert {"errorSummary", "errorLink", "errorId", "errorCauses"} <= resp.json().keys()
    assert (await okta.vendor_call()).status_code == 200


async def test_slack_text_on_each_database(make_vendor: VendorFactory, db_url: str) -> None:
    slack: Vendor = await make_vendor("slack", db_url=db_url)
    json_post = {**slack.auth(), "Content-Type": "application/json"}

    async def send(raw: bytes) -> dict[str, object]:
        resp = await slack.http.post("/api/chat.postMessage", content=raw, headers=json_post)
        assert resp.status_code == 200, resp.text
        answer: dict[str, object] = resp.json()
        return answer

    lone = await send(b'{"channel":"#general","text":"\\ud800"}')
    assert lone == {"ok": False, "error": "invalid_json"}
    raw_lone = await send(b'{"channel":"#general","text":"a\xed\xa0\x80b"}')  # CESU-8 bytes of one
    assert raw_lone == {"ok": False, "error": "invalid_json"}
    nul = await send(b'{"channel":"#general","text":"a\\u0000b"}')
    assert nul == {"ok": False, "error": "invalid_arguments"}
    form = await post(slack, "chat.postMessage", data={"channel": "#general", "text": "a\x00b"})
    assert form == {"ok": False, "error": "invalid_arguments"}
    query = await slack.http.post(
        "/api/chat.postMessage", params={"channel": "#general", "text": "a\x00b"}, headers=slack.auth()
    )
    assert query.json() == {"ok": False, "error": "invalid_arguments"}
    # What may be stored is stored, and read back the same after a restart.
    pair = await send(b'{"channel":"#general","text":"pair \\ud83d\\ude00 and \\\\u0000 as text"}')
    assert pair["ok"] is True, pair
    assert pair["message"]["text"] == "pair \U0001f600 and \\u0000 as text"  # type: ignore[index]
    channel = pair["channel"]
    slack.app.state.twin.store.stop()
    again: Vendor = await make_vendor("slack", db_url=db_url)
    history = await post(again, "conversations.history", data={"channel": channel, "limit": 1})
    assert history["messages"][0]["text"] == "pair \U0001f600 and \\u0000 as text"  # type: ignore[index]


async def test_okta_profile_text_on_each_database(make_vendor: VendorFactory, db_url: str) -> None:
    okta: Vendor = await make_vendor("okta", db_url=db_url)
    headers = {**okta.auth(), "Content-Type": "application/json"}

    def user(first: bytes, login: bytes) -> bytes:
        return (
            b'{"profile":{"firstName":"' + first + b'","lastName":"L","email":"' + login + b'","login":"'
            + login + b'"}}'
        )  # fmt: skip

    for first in (b"\\ud800", b"a\\u0000b", b"a\xed\xa0\x80b"):
        resp = await okta.http.post("/api/v1/users", content=user(first, b"x@example.com"), headers=headers)
        assert resp.status_code == 400, resp.text
        assert resp.json()["errorCode"] == "E0000003"
    made = await okta.http.post(
        "/api/v1/users?activate=false", content=user(b"\\ud83d\\ude00", b"y@example.com"), headers=headers
    )
    assert made.status_code == 200, made.text
    user_id = made.json()["id"]
    okta.app.state.twin.store.stop()
    again: Vendor = await make_vendor("okta", db_url=db_url)
    read = await again.http.get(f"/api/v1/users/{user_id}", headers=again.auth())
    assert read.json()["profile"]["firstName"] == "\U0001f600"


async def test_slack_incoming_webhook_text_on_each_database(make_vendor: VendorFactory, db_url: str) -> None:
    slack: Vendor = await make_vendor("slack", db_url=db_url)
    path = "/services" + str(slack.creds["webhook_url"]).split("/services", 1)[1]
    json_type = {"Content-Type": "application/json"}
    for body in (b'{"text":"a\\u0000b"}', b'{"text":"a\\ud800b"}', deep_json("text")):
        resp = await slack.http.post(path, content=body, headers=json_type)
        assert resp.status_code == 400, resp.text
        assert resp.text == "invalid_payload"
    assert (await slack.http.post(path, json={"text": "fine"})).status_code == 200


@pytest.mark.postgres
async def test_what_postgres_refuses_is_a_400_in_the_vendor_shape(postgres_url: str) -> None:
    """The last line: input no vendor check caught, refused by the database, is the client's 400."""
    from tests.runtime.conftest import ADMIN_TOKEN, Twin
    from tests.runtime.sample import create_service
    from twins._runtime.app import build_app
    from twins._runtime.settings import Settings

    app = build_app(create_service(), Settings(db_url=postgres_url, admin_token=ADMIN_TOKEN))
    twin = Twin(app, raise_app_exceptions=False)
    try:
        auth = await twin.auth()
        resp = await twin.create_note("a\x00b", auth)
        assert resp.status_code == 400, resp.text
        assert "message" in resp.json() and "detail" not in resp.json()  # the sample's own shape
        assert (await twin.create_note("fine", auth)).status_code == 201
        assert "a\x00b" not in [n["title"] for n in await twin.notes()]  # rolled back in memory too
    finally:
        await twin.aclose()
        app.state.twin.store.stop()
