"""HAR export, and the HAR -> Exchange -> HAR -> Exchange round trip."""

from __future__ import annotations

import json
from pathlib import Path

from recorder.har import export_har, from_har
from recorder.importers import load_recording
from recorder.trace import Body, Exchange, Request, Response
from tests.recorder.fixtures import BINARY, write, write_har


def test_har_round_trip_is_lossless(tmp_path: Path) -> None:
    first = load_recording(write_har(tmp_path, "original.har"))
    exported = export_har(first)
    again = load_recording(write(tmp_path, "copy.har", json.dumps(exported)))
    assert again == first
    assert {e.session for e in again} == {"original"}  # `_session` survives the file name


def test_export_har_shape() -> None:
    exchange = Exchange(
        service="okta",
        seq=3,
        ts="2024-03-01T10:00:00.000Z",
        session="s1",
        duration_ms=12.5,
        request=Request(
            method="POST",
            url="https://acme.okta.com/api/v1/users?activate=true",
            headers=[("Content-Type", "application/json")],
            body=Body(text='{"profile":{}}'),
        ),
        response=Response(
            status=201,
            headers=[("Location", "https://acme.okta.com/api/v1/users/00u1")],
            body=Body.from_bytes(BINARY),
        ),
    )
    har = export_har([exchange])
    assert har["log"]["version"] == "1.2"
    (entry,) = har["log"]["entries"]
    assert entry["startedDateTime"] == "2024-03-01T10:00:00.000Z"
    assert entry["time"] == 12.5
    assert entry["request"]["queryString"] == [{"name": "activate", "value": "true"}]
    assert entry["request"]["postData"] == {"mimeType": "application/json", "text": '{"profile":{}}'}
    assert entry["response"]["statusText"] == "Created"
    assert entry["response"]["redirectURL"].endswith("/users/00u1")
    assert entry["response"]["content"]["encoding"] == "base64"
    assert entry["response"]["content"]["size"] == len(BINARY)
    assert (entry["_service"], entry["_session"], entry["_seq"]) == ("okta", "s1", 3)
    (back,) = from_har(json.loads(json.dumps(har)), "<memory>")
    assert back.response.body.to_bytes() == BINARY
    assert back.model_copy(update={"seq": 3}) == exchange


def test_binary_request_body_round_trips() -> None:
    exchange = Exchange(
        request=Request(method="PUT", url="https://x.test/upload", body=Body.from_bytes(BINARY)),
        response=Response(status=204),
    )
    entry = export_har([exchange])["log"]["entries"][0]
    assert entry["request"]["postData"]["_encoding"] == "base64"
    assert from_har(export_har([exchange]), "<memory>")[0].request.body.to_bytes() == BINARY
