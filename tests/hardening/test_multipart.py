"""Multipart form bodies on the Slack Web API, as `curl -F` and slack_sdk (`files=`) send them."""

from __future__ import annotations

import io
import shutil
import subprocess

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient

from tests.hardening.conftest import ADMIN, Vendor, VendorFactory
from tests.support.servers import serve_app


async def test_fields_only_multipart_posts(make_vendor: VendorFactory) -> None:
    slack: Vendor = await make_vendor("slack")
    fields = {"channel": (None, "#general"), "text": (None, "hi from -F")}
    resp = await slack.http.post("/api/chat.postMessage", files=fields, headers=slack.auth())
    assert resp.request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert resp.status_code == 200
    body = resp.json()
    assert body["ok"] is True, body
    assert body["message"]["text"] == "hi from -F"


async def test_multipart_with_a_file_part_and_the_token_as_a_field(make_vendor: VendorFactory) -> None:
    slack: Vendor = await make_vendor("slack")
    resp = await slack.http.post(
        "/api/chat.postMessage",
        data={"channel": "#general", "text": "with a part", "token": slack.creds["bot_token"]},
        files={"attachment": ("a.bin", b"\x00\xff", "application/octet-stream")},
    )
    assert resp.json()["ok"] is True, resp.text


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (
            b"--x\r\nContent-Disposition: form-data; name=text\r\n\r\nunterminated",
            "multipart/form-data; boundary=x",
        ),
        (b"anything", "multipart/form-data"),  # no boundary
        (
            b'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\na\x00b\r\n--x--\r\n',
            "multipart/form-data; boundary=x",
        ),
    ],
)
async def test_broken_multipart_is_a_slack_error(make_vendor: VendorFactory, body: bytes, ctype: str) -> None:
    slack: Vendor = await make_vendor("slack")
    resp = await slack.http.post(
        "/api/chat.postMessage", content=body, headers={**slack.auth(), "Content-Type": ctype}
    )
    assert resp.status_code in (200, 400), resp.text
    assert resp.json()["ok"] is False
    assert (await slack.vendor_call()).status_code == 200


async def test_real_curl_dash_f_posts(make_vendor: VendorFactory) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    slack: Vendor = await make_vendor("slack")
    app: FastAPI = slack.app
    with serve_app(app) as url:
        token = slack.creds["bot_token"]
        done = subprocess.run(
            ["curl", "-sS", "-F", "channel=#general", "-F", "text=hi", "-H", f"Authorization: Bearer {token}",
             f"{url}/api/chat.postMessage"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        answer = httpx.Response(200, content=done.stdout).json()
        assert answer["ok"] is True, done.stdout
        assert answer["message"]["text"] == "hi"


async def test_slack_sdk_sends_multipart_when_given_files(make_vendor: VendorFactory) -> None:
    slack: Vendor = await make_vendor("slack")
    with serve_app(slack.app) as url:
        client = WebClient(token=slack.creds["bot_token"], base_url=f"{url}/api/")
        answer = client.api_call(
            "chat.postMessage",
            data={"channel": "#general", "text": "sdk multipart"},
            files={"attachment": io.BytesIO(b"bytes")},
        )
        assert answer["ok"] is True
        assert answer["message"]["text"] == "sdk multipart"
        journal = httpx.get(f"{url}/_twin/journal", headers=ADMIN).json()["exchanges"]
        sent = dict(journal[-1]["request"]["headers"])
        assert sent["content-type"].startswith("multipart/form-data")  # what the SDK chose
        history = client.conversations_history(channel=answer["channel"], limit=1)
        assert history["messages"][0]["text"] == "sdk multipart"
