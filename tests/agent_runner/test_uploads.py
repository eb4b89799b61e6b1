"""An operation whose recorded requests all sent bytes that are not JSON (a file uploaded as a
release's asset) takes any bytes: the twin answers it as recorded instead of refusing the body."""

from __future__ import annotations

from pathlib import Path

from recorder.trace import Body, Exchange
from tests.agent_runner.conftest import app_of, client_for, generated
from tests.agent_runner.traffic import GITHUB, exchange

ASSETS = "/repos/octo/hello/releases/7/assets"


def session(n: int) -> list[Exchange]:
    release = {"id": 7, "tag_name": "v1", "url": f"{GITHUB}/repos/octo/hello/releases/7"}
    asset = {
        "id": 50 + n,
        "name": f"f{n}.txt",
        "size": 11,
        "url": f"{GITHUB}/repos/octo/hello/releases/assets/{50 + n}",
    }
    upload = exchange(GITHUB, "POST", f"{ASSETS}?name=f{n}.txt", 201, asset, auth="token REDACTED")
    upload = upload.model_copy(
        update={"request": upload.request.model_copy(update={"body": Body(text="Hello World")})}
    )
    return [
        exchange(GITHUB, "GET", "/repos/octo/hello/releases/7", 200, release, auth="token REDACTED"),
        upload,
    ]


async def test_an_upload_of_bytes_is_taken(tmp_path: Path) -> None:
    twin = generated(tmp_path, "github", {f"u{n}": session(n) for n in range(2)})
    assert 'body="raw"' in "".join(p.read_text() for p in (twin / "operations").glob("*.py"))
    app = app_of(twin)
    async for client in client_for(app, "token"):
        sent = await client.post(
            f"{ASSETS}?name=notes.txt", content=b"\x00\x01 not json", headers={"Content-Type": "text/plain"}
        )
        assert sent.status_code == 201 and "size" in sent.json()
    app.state.twin.store.stop()
