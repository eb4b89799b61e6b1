"""Files v2 end to end through slack_sdk: upload URL, bytes, completion, info/list/delete, downloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.tenants import Recorder
from twins._runtime.collection import Row, TenantState
from twins.slack import schemas


def tenant(app: FastAPI) -> TenantState:
    ctx = app.state.twin
    state = ctx.default_state()
    assert isinstance(state, TenantState)
    return state


def conv(app: FastAPI, name: str) -> Row:
    row = tenant(app)["conversations"].by("name", name)
    assert row is not None
    return row


def shares_of(app: FastAPI, channel: str) -> list[Row]:
    return [m for m in tenant(app)["messages"].where("channel", channel) if m["files"]]


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


def test_upload_content_shares_a_message_into_the_channel(
    bot: WebClient, slack_app: FastAPI, base_url: str, events: Recorder
) -> None:
    general = conv(slack_app, "general")["id"]
    resp = bot.files_upload_v2(
        channel=general,
        content="hello twin",
        filename="hello.txt",
        title="Greeting",
        initial_comment="see",
    )
    file = resp["file"]
    assert resp["files"][0]["id"] == file["id"] and file["id"].startswith("F")
    assert (file["name"], file["title"], file["size"]) == ("hello.txt", "Greeting", 10)
    assert (file["mimetype"], file["filetype"]) == ("text/plain", "text")
    assert file["channels"] == [general] and file["is_public"] is True
    assert file["url_private"].startswith(f"{base_url}/files-pri/")
    [share] = file["shares"]["public"][general]
    [msg] = shares_of(slack_app, general)
    assert share["ts"] == msg["ts"]
    rendered = schemas.message(msg, tenant(slack_app))
    assert rendered["subtype"] == "file_share" and rendered["text"] == "see"
    assert rendered["files"][0]["id"] == file["id"] and rendered["upload"] is False
    assert events.types() == ["file_created", "message", "file_shared", "file_public"]
    message = dict(events.events)["message"]
    assert message["channel"] == general and message["channel_type"] == "channel"
    assert dict(events.events)["file_shared"]["channel_id"] == general


def test_upload_a_file_path_into_a_thread(bot: WebClient, slack_app: FastAPI, tmp_path: Path) -> None:
    general = conv(slack_app, "general")["id"]
    parent = next(m for m in tenant(slack_app)["messages"].where("channel", general) if not m["thread_ts"])
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    resp = bot.files_upload_v2(channel=general, file=str(path), thread_ts=parent["ts"])
    file = resp["file"]
    assert (file["name"], file["title"], file["filetype"], file["size"]) == (
        "report.csv",
        "report.csv",
        "csv",
        8,
    )
    share = file["shares"]["public"][general][0]
    assert share["thread_ts"] == parent["ts"]
    reply = tenant(slack_app)["messages"].get(f"{general}/{share['ts']}")
    assert reply is not None and reply["thread_ts"] == parent["ts"]
    after = tenant(slack_app)["messages"].get(parent["id"])
    assert after is not None and after["reply_count"] == parent["reply_count"] + 1
    assert after["latest_reply"] == share["ts"]


def test_several_files_go_out_in_one_message(bot: WebClient, slack_app: FastAPI) -> None:
    general = conv(slack_app, "general")["id"]
    resp = bot.files_upload_v2(
        channel=general,
        initial_comment="two files",
        file_uploads=[
            {"content": "one", "filename": "one.txt"},
            {"file": b"\x89PNG\r\n", "filename": "pic.png", "title": "A picture", "alt_txt": "a pixel"},
        ],
    )
    assert [f["name"] for f in resp["files"]] == ["one.txt", "pic.png"]
    assert "file" not in resp.data
    pic = resp["files"][1]
    assert (pic["mimetype"], pic["title"], pic["alt_txt"]) == ("image/png", "A picture", "a pixel")
    [msg] = shares_of(slack_app, general)
    assert msg["files"] == [f["id"] for f in resp["files"]] and msg["text"] == "two files"


def test_private_upload_without_a_channel(bot: WebClient, user_client: WebClient, slack_app: FastAPI) -> None:
    resp = bot.files_upload_v2(content="secret", filename="notes.txt")
    file = resp["file"]
    assert file["channels"] == [] and file["shares"] == {} and file["is_public"] is False
    assert bot.files_info(file=file["id"])["file"]["id"] == file["id"]
    assert error_of(lambda: user_client.files_info(file=file["id"])) == "file_not_found"


def test_upload_with_blocks_and_private_channel(user_client: WebClient, slack_app: FastAPI) -> None:
    design = conv(slack_app, "design")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*look*"}}]
    # The form-encoded completion needs the blocks as a JSON string (a list would be sent as its repr).
    resp = user_client.files_upload_v2(
        channel=design["id"], content="x", filename="x.txt", blocks=json.dumps(blocks)
    )
    file = resp["file"]
    assert file["groups"] == [design["id"]] and file["channels"] == [] and file["is_public"] is False
    assert list(file["shares"]) == ["private"]
    [msg] = shares_of(slack_app, design["id"])
    assert msg["blocks"] == blocks


async def test_async_client_uploads(async_bot: AsyncWebClient, slack_app: FastAPI) -> None:
    general = conv(slack_app, "general")["id"]
    resp = await async_bot.files_upload_v2(channel=general, content=b"\x00\x01binary", filename="blob.bin")
    assert resp["file"]["size"] == 8 and resp["file"]["filetype"] == "binary"
    info = await async_bot.files_info(file=resp["file"]["id"])
    assert info["file"]["channels"] == [general]
    listed = await async_bot.files_list(channel=general)
    assert [f["id"] for f in listed["files"]] == [resp["file"]["id"]]


def test_download_needs_the_token(bot: WebClient, base_url: str, creds: dict[str, Any]) -> None:
    file = bot.files_upload_v2(content=b"\x00payload\xff", filename="data.bin")["file"]
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}
    got = httpx.get(file["url_private"], headers=auth)
    assert got.status_code == 200 and got.content == b"\x00payload\xff"
    assert got.headers["content-type"] == "application/octet-stream"
    got = httpx.get(file["url_private_download"], headers=auth)
    assert got.content == b"\x00payload\xff"
    assert got.headers["content-disposition"] == 'attachment; filename="data.bin"'
    anonymous = httpx.get(file["url_private"])
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["location"]
    followed = httpx.get(file["url_private"], follow_redirects=True)
    assert followed.status_code == 200 and followed.headers["content-type"].startswith("text/html")
    # The admin cannot see a file the bot kept private: 404.
    other = httpx.get(file["url_private"], headers={"Authorization": f"Bearer {creds['user_token']}"})
    assert other.status_code == 404


async def test_upload_url_wire(client: httpx.AsyncClient, creds: dict[str, Any]) -> None:
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}
    got = await client.post(
        "/api/files.getUploadURLExternal", data={"filename": "a.txt", "length": "3"}, headers=auth
    )
    body = got.json()
    assert body["ok"] is True and body["upload_url"].startswith("http://testserver/upload/v1/")
    path = body["upload_url"].removeprefix("http://testserver")
    multipart = await client.post(path, files={"file": ("a.txt", b"abc", "text/plain")})
    assert (multipart.status_code, multipart.text) == (200, "OK - 3")
    again = await client.post(path, content=b"abcd", headers={"Content-Type": "application/octet-stream"})
    assert (again.status_code, again.text) == (200, "OK - 4")
    assert (await client.post("/upload/v1/bm9wZQ", content=b"x")).status_code == 404
    assert (await client.post(path + "x", content=b"x")).status_code == 404
    done = await client.post(
        "/api/files.completeUploadExternal",
        json={"files": [{"id": body["file_id"]}]},
        headers=auth,
    )
    assert done.json()["files"][0]["size"] == 4
    late = await client.post(path, content=b"zz")
    assert late.status_code == 404


def test_get_upload_url_errors(bot: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        bot.api_call("files.getUploadURLExternal", params={"filename": "a.txt"})
    assert info.value.response["error"] == "invalid_arguments"
    assert info.value.response["response_metadata"]["messages"] == ["[ERROR] missing required field: length"]
    with pytest.raises(SlackApiError) as info:
        bot.api_call("files.getUploadURLExternal", params={"length": 3})
    assert info.value.response["response_metadata"]["messages"] == [
        "[ERROR] missing required field: filename"
    ]
    bad = lambda: bot.api_call("files.getUploadURLExternal", params={"filename": "a", "length": "x"})  # noqa: E731
    assert error_of(bad) == "invalid_arguments"


def test_complete_upload_errors(bot: WebClient, user_client: WebClient, slack_app: FastAPI) -> None:
    pending = bot.files_getUploadURLExternal(filename="a.txt", length=1)["file_id"]
    files = [{"id": pending}]
    assert error_of(lambda: bot.files_completeUploadExternal(files=files)) == "file_not_found"
    assert error_of(lambda: bot.api_call("files.completeUploadExternal", params={})) == "invalid_arguments"
    bad_json = lambda: bot.api_call("files.completeUploadExternal", params={"files": "[{"})  # noqa: E731
    assert error_of(bad_json) == "invalid_arguments"
    random = conv(slack_app, "random")["id"]
    old = conv(slack_app, "old-project")["id"]
    upload: dict[str, Any] = {"content": "x", "filename": "x.txt"}
    assert error_of(lambda: bot.files_upload_v2(channel=random, **upload)) == "not_in_channel"
    assert error_of(lambda: bot.files_upload_v2(channel="CNOPE", **upload)) == "channel_not_found"
    assert error_of(lambda: user_client.files_upload_v2(channel=old, **upload)) == "is_archived"
    # A file the admin uploaded cannot be completed by the bot.
    url = user_client.files_getUploadURLExternal(filename="b.txt", length=1)
    httpx.post(url["upload_url"], content=b"b")
    theirs = [{"id": url["file_id"]}]
    assert error_of(lambda: bot.files_completeUploadExternal(files=theirs)) == "file_not_found"
    # A failed completion leaves the file uploaded, so it can still be completed.
    assert user_client.files_completeUploadExternal(files=theirs)["files"][0]["id"] == url["file_id"]


def test_info_list_and_paging(bot: WebClient, user_client: WebClient, slack_app: FastAPI) -> None:
    general = conv(slack_app, "general")["id"]
    engineering = conv(slack_app, "engineering")["id"]
    ids = [
        bot.files_upload_v2(channel=general, content=f"{i}", filename=f"f{i}.txt")["file"]["id"]
        for i in range(3)
    ]
    pic = bot.files_upload_v2(channel=engineering, content=b"GIF89a", filename="p.gif")["file"]["id"]
    mine = user_client.files_upload_v2(channel=general, content="%PDF", filename="doc.pdf")["file"]["id"]
    info = bot.files_info(file=ids[0])
    assert info["file"]["id"] == ids[0] and info["comments"] == []
    assert error_of(lambda: bot.files_info(file="FNOPE")) == "file_not_found"

    listed = user_client.files_list(count=2)
    assert listed["paging"] == {"count": 2, "total": 5, "page": 1, "pages": 3}
    assert [f["id"] for f in listed["files"]] == [mine, pic]
    last = user_client.files_list(count=2, page=3)
    assert [f["id"] for f in last["files"]] == [ids[0]]
    assert user_client.files_list(count=2, page=9)["files"] == []
    assert {f["id"] for f in user_client.files_list(channel=general)["files"]} == {*ids, mine}
    assert [f["id"] for f in user_client.files_list(types="images")["files"]] == [pic]
    assert [f["id"] for f in user_client.files_list(types="pdfs,zips")["files"]] == [mine]
    bot_user = bot.auth_test()["user_id"]
    assert len(user_client.files_list(user=bot_user)["files"]) == 4
    assert user_client.files_list(ts_to="1")["files"] == []
    assert error_of(lambda: user_client.files_list(types="movies")) == "unknown_type"
    assert error_of(lambda: user_client.files_list(user="UNOPE")) == "user_not_found"
    assert error_of(lambda: user_client.files_list(channel="CNOPE")) == "channel_not_found"


def test_delete_rules_and_tombstones(
    bot: WebClient, user_client: WebClient, slack_app: FastAPI, events: Recorder
) -> None:
    general = conv(slack_app, "general")["id"]
    admins = user_client.files_upload_v2(channel=general, content="a", filename="a.txt")["file"]["id"]
    bots = bot.files_upload_v2(channel=general, content="b", filename="b.txt")["file"]["id"]
    assert error_of(lambda: bot.files_delete(file=admins)) == "cant_delete_file"
    assert user_client.files_delete(file=bots)["ok"] is True  # admins may delete any file
    assert error_of(lambda: bot.files_info(file=bots)) == "file_deleted"
    assert error_of(lambda: user_client.files_delete(file=bots)) == "file_deleted"
    assert bots not in [f["id"] for f in user_client.files_list()["files"]]
    assert ("file_deleted", {"type": "file_deleted", "file_id": bots, "channel_ids": [general]}) == (
        events.events[-1][0],
        {k: v for k, v in events.events[-1][1].items() if k != "event_ts"},
    )
    msg = next(m for m in shares_of(slack_app, general) if m["files"] == [bots])
    assert schemas.message(msg, tenant(slack_app))["files"] == [{"id": bots, "mode": "tombstone"}]
    assert user_client.files_delete(file=admins)["ok"] is True


async def test_complete_upload_with_query_string_params(
    client: httpx.AsyncClient, creds: dict[str, Any], slack_app: FastAPI
) -> None:
    auth = {"Authorization": f"Bearer {creds['bot_token']}"}
    general = conv(slack_app, "general")["id"]
    got = await client.post("/api/files.getUploadURLExternal?filename=q.txt&length=1", headers=auth)
    file_id = got.json()["file_id"]
    await client.post(got.json()["upload_url"].removeprefix("http://testserver"), content=b"q")
    done = await client.post(
        "/api/files.completeUploadExternal",
        params={"files": f'[{{"id":"{file_id}","title":"Q"}}]', "channels": general},
        headers=auth,
    )
    assert done.json()["files"][0]["title"] == "Q"
    assert done.json()["files"][0]["channels"] == [general]
